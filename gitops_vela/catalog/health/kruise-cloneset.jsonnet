// OpenKruise CloneSet (apps.kruise.io): like a Deployment rolled out in place.
// Healthy once the controller saw the spec and the replicas it should update
// (all but the partition) are updated and ready. A paused update is
// Progressing. Differs from Argo: fewer updated-available replicas than wanted
// is a rollout in progress, not Degraded.
local health = import 'health.libsonnet';

function(object)
  local spec = health.spec(object);
  local status = health.status(object);
  local strategy = health.obj(std.get(spec, 'updateStrategy', {}));
  local want = health.num(std.get(spec, 'replicas'), 1);
  local partition = std.get(strategy, 'partition', 0);
  // A percentage is of spec.replicas, rounded up (as Kruise scales it).
  local percent = std.isString(partition) && std.endsWith(partition, '%');
  local kept =
    if std.isNumber(partition) then partition
    else if percent then std.ceil(want * std.parseInt(std.rstripChars(partition, '%')) / 100)
    else 0;
  local expected = health.num(std.get(status, 'expectedUpdatedReplicas'), std.max(want - kept, 0));
  local ready = health.num(std.get(status, 'updatedReadyReplicas'));
  local failed = health.condition(object, 'FailedUpdate');
  if std.get(status, 'observedGeneration') == null then
    health.progressing('waiting for the Kruise controller to report status')
  else if health.pending(object) then
    health.progressing('waiting for the Kruise controller to see the new spec')
  else if failed != null && std.get(failed, 'status') == 'True' then
    health.degraded(health.text(failed, 'pods failed to update'))
  else if std.get(strategy, 'paused', false) then
    health.progressing('update is paused (updateStrategy.paused): ' + health.count(std.min(ready, expected), expected, 'replicas updated and ready'))
  else if ready < expected then
    health.progressing(health.count(ready, expected, 'replicas updated and ready'))
  else
    health.healthy(health.count(ready, want, 'replicas updated and ready') + (if kept > 0 then ', ' + kept + ' kept at the old revision (partition)' else ''))
