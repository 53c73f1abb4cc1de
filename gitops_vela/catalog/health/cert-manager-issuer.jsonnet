// cert-manager Issuer and ClusterIssuer (cert-manager.io): Ready decides.
// No status yet is Progressing (Argo): cert-manager has not checked it.
local health = import 'health.libsonnet';

function(object)
  local ready = health.condition(object, 'Ready');
  if health.pending(object) then
    health.progressing('waiting for cert-manager to see the new spec')
  else if ready == null then
    health.progressing('waiting for cert-manager to check the issuer')
  else if std.get(ready, 'status') == 'True' then
    health.healthy(health.text(ready, 'ready'))
  else if std.get(ready, 'status') == 'False' then
    health.degraded(health.text(ready, 'the issuer is not ready'))
  else
    health.progressing(health.text(ready, 'waiting for cert-manager'))
