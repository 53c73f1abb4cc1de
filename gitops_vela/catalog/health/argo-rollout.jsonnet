// Argo Rollouts Rollout (argoproj.io). Newer controllers write status.phase
// (Healthy, Progressing, Paused, Degraded) with a message; older ones only
// counts and conditions, read here the way the Deployment rule reads them.
local health = import 'health.libsonnet';

function(object)
  local spec = health.spec(object);
  local status = health.status(object);
  local phase = std.get(status, 'phase', '');
  local message = std.get(status, 'message', '');
  local said(default) = if message == null || message == '' then default else message;
  local want = health.num(std.get(spec, 'replicas'), 1);
  local updated = health.num(std.get(status, 'updatedReplicas'));
  local available = health.num(std.get(status, 'availableReplicas'));
  local progress = health.condition(object, 'Progressing');
  local invalid = health.condition(object, 'InvalidSpec');
  local paused = std.length(health.list(std.get(status, 'pauseConditions'))) > 0;
  local observed = std.get(status, 'observedGeneration');
  local generation = std.get(health.obj(object.metadata), 'generation');
  // observedGeneration is a number written as a string; versions before v0.10 wrote a
  // hash of the spec instead, which says nothing about the generation.
  local numeric = observed != null
    && std.all([std.member('0123456789', c) for c in std.stringChars(std.toString(observed))]);
  local seen = !numeric || generation == null || std.toString(observed) == std.toString(generation);
  if status == {} then
    health.progressing('waiting for the Argo Rollouts controller')
  else if invalid != null && std.get(invalid, 'status') == 'True' then
    health.degraded(health.text(invalid, 'the rollout spec is invalid'))
  else if !seen then
    health.progressing('waiting for the controller to see the new spec')
  else if phase == 'Degraded' then
    health.degraded(said('rollout is degraded'))
  else if phase == 'Paused' || std.get(spec, 'paused', false) || paused then
    health.progressing('paused: ' + said('waiting to be promoted'))
  else if phase == 'Progressing' then
    health.progressing(said('rolling out') + ' (' + health.count(updated, want, 'replicas updated') + ')')
  else if phase == 'Healthy' then
    health.healthy(said(''))
  else if progress != null && std.get(progress, 'reason') == 'ProgressDeadlineExceeded' then
    health.degraded(health.text(progress, 'rollout exceeded its progress deadline'))
  else if updated < want then
    health.progressing(health.count(updated, want, 'replicas updated'))
  else if available < want then
    health.progressing(health.count(available, want, 'replicas available'))
  else
    health.healthy(health.count(available, want, 'replicas available'))
