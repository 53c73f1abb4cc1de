// cert-manager Certificate (cert-manager.io). Healthy once Ready; Ready=False
// while Issuing=True is an issuance in flight (Progressing, the peers agree);
// Ready=False otherwise, or Issuing=False for reason Failed, is Degraded. No status yet is Progressing (Argo):
// cert-manager always writes conditions, so the Secret does not exist yet.
local health = import 'health.libsonnet';

function(object)
  local ready = health.condition(object, 'Ready');
  local issuing = health.condition(object, 'Issuing');
  local after = std.get(health.status(object), 'notAfter', '');
  if health.pending(object) then
    health.progressing('waiting for cert-manager to see the new spec')
  else if ready == null then
    health.progressing('waiting for cert-manager to issue the certificate')
  else if std.get(ready, 'status') == 'True' then
    health.healthy(health.text(ready, 'issued') + (if after != null && after != '' then ', valid until ' + after else ''))
  else if issuing != null && std.get(issuing, 'status') == 'True' then
    health.progressing('Issuing: ' + std.get(issuing, 'message', 'waiting for the certificate'))
  else if issuing != null && std.get(issuing, 'status') == 'False' && std.get(issuing, 'reason') == 'Failed' then
    health.degraded('issuing failed: ' + health.text(issuing, 'the certificate request failed'))
  else if std.get(ready, 'status') == 'False' then
    health.degraded(health.text(ready, 'the certificate is not ready'))
  else
    health.progressing(health.text(ready, 'waiting for cert-manager'))
