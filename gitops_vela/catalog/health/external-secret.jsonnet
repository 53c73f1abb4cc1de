// External Secrets ExternalSecret (external-secrets.io): Ready decides.
// Ready=False (SecretSyncedError) is Degraded: the Secret is missing or stale.
// With refreshPolicy OnChange a Ready condition older than the last refresh
// does not yet speak for it (Argo reads it the same way).
local health = import 'health.libsonnet';

function(object)
  local ready = health.condition(object, 'Ready');
  local refreshed = std.get(health.status(object), 'refreshTime');
  local stale = std.get(health.spec(object), 'refreshPolicy') == 'OnChange'
    && ready != null && refreshed != null
    && std.toString(std.get(ready, 'lastTransitionTime', '')) < std.toString(refreshed);
  if health.pending(object) then
    health.progressing('waiting for External Secrets to see the new spec')
  else if ready == null then
    health.progressing('waiting for External Secrets to sync the secret')
  else if stale then
    health.progressing('waiting for External Secrets to sync the changed secret')
  else if std.get(ready, 'status') == 'True' then
    health.healthy(health.text(ready, ''))
  else if std.get(ready, 'status') == 'False' then
    health.degraded(health.text(ready, 'the secret could not be synced'))
  else
    health.progressing(health.text(ready, 'syncing'))
