// External Secrets ExternalSecret (external-secrets.io): Ready decides.
// Ready=False (SecretSyncedError) is Degraded: the Secret is missing or stale.
local health = import 'health.libsonnet';

function(object)
  local ready = health.condition(object, 'Ready');
  if health.pending(object) then
    health.progressing('waiting for External Secrets to see the new spec')
  else if ready == null then
    health.progressing('waiting for External Secrets to sync the secret')
  else if std.get(ready, 'status') == 'True' then
    health.healthy(health.text(ready, ''))
  else if std.get(ready, 'status') == 'False' then
    health.degraded(health.text(ready, 'the secret could not be synced'))
  else
    health.progressing(health.text(ready, 'syncing'))
