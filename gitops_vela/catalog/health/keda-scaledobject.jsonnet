// KEDA ScaledObject (keda.sh): Ready=False is Degraded (the scaler cannot
// read its trigger), Fallback=True is Degraded (scaling on the fallback
// replica count because the trigger fails), Paused=True is Progressing.
local health = import 'health.libsonnet';

function(object)
  local ready = health.condition(object, 'Ready');
  local fallback = health.condition(object, 'Fallback');
  local paused = health.condition(object, 'Paused');
  if ready == null then
    health.progressing('waiting for KEDA to set up the scaler')
  else if std.get(ready, 'status') == 'False' then
    health.degraded(health.text(ready, 'the scaler is not ready'))
  else if fallback != null && std.get(fallback, 'status') == 'True' then
    health.degraded('Fallback: ' + health.text(fallback, 'scaling on the fallback replica count'))
  else if paused != null && std.get(paused, 'status') == 'True' then
    health.progressing('Paused: ' + health.text(paused, 'autoscaling is paused'))
  else if std.get(ready, 'status') == 'True' then
    health.healthy(health.text(health.condition(object, 'Active'), health.text(ready, '')))
  else
    health.progressing(health.text(ready, 'waiting for KEDA'))
