// Argo Rollouts Rollout (argoproj.io). Newer controllers write status.phase
// (Healthy, Progressing, Paused, Degraded) with a message; older ones only
// counts and conditions, read here the way Argo CD reads them: updated,
// then old replicas gone, then available; a blue-green preview waiting for
// promotion or a pause is Progressing (Argo: Suspended).
local health = import 'health.libsonnet';

// Condition status: a string as controllers write it, a boolean in old fixtures.
local isTrue(found) = found != null && std.member(['True', 'true'], std.toString(std.get(found, 'status')));

function(object)
  local spec = health.spec(object);
  local status = health.status(object);
  local phase = std.get(status, 'phase', '');
  local message = std.get(status, 'message', '');
  local said(default) = if message == null || message == '' then default else message;
  local want = health.num(std.get(spec, 'replicas'), 1);
  local replicas = health.num(std.get(status, 'replicas'));
  local updated = health.num(std.get(status, 'updatedReplicas'));
  local available = health.num(std.get(status, 'availableReplicas'));
  local progress = health.condition(object, 'Progressing');
  local invalid = health.condition(object, 'InvalidSpec');
  local paused = std.get(spec, 'paused', false) == true
    || std.length(health.list(std.get(status, 'pauseConditions'))) > 0;
  local blueGreen = health.obj(std.get(status, 'blueGreen', {}));
  local current = std.get(status, 'currentPodHash');
  local active = std.get(blueGreen, 'activeSelector', std.get(status, 'activeSelector'));
  local preview = std.get(blueGreen, 'previewSelector', std.get(status, 'previewSelector'));
  local isBlueGreen = std.objectHas(health.obj(std.get(spec, 'strategy', {})), 'blueGreen');
  local observed = std.get(status, 'observedGeneration');
  local generation = std.get(health.obj(std.get(object, 'metadata', {})), 'generation');
  // observedGeneration is a number written as a string; versions before v0.10 wrote a
  // hash of the spec instead, which says nothing about the generation.
  local numeric = observed != null
    && std.all([std.member('0123456789', c) for c in std.stringChars(std.toString(observed))]);
  local seen = !numeric || generation == null || std.toString(observed) == std.toString(generation);
  if isTrue(invalid) then
    health.degraded(health.text(invalid, 'the rollout spec is invalid'))
  else if status == {} then
    health.progressing('waiting for the Argo Rollouts controller')
  else if !seen then
    health.progressing('waiting for the controller to see the new spec')
  else if phase == 'Degraded' then
    health.degraded(said('rollout is degraded'))
  else if phase == 'Paused' || paused then
    health.progressing('paused: ' + said('waiting to be promoted'))
  else if phase == 'Progressing' then
    health.progressing(said('rolling out') + ' (' + health.count(updated, want, 'replicas updated') + ')')
  else if phase == 'Healthy' then
    health.healthy(said(''))
  else if progress != null && std.get(progress, 'reason') == 'ProgressDeadlineExceeded' then
    health.degraded(health.text(progress, 'rollout exceeded its progress deadline'))
  else if updated < want then
    health.progressing(health.count(updated, want, 'replicas updated'))
  else if isBlueGreen && current != null && active != current && preview == current then
    health.progressing('paused: the preview Service serves the new version, waiting for promotion')
  else if isBlueGreen && current != null && active != current then
    health.progressing('waiting for the active Service to switch to the new version')
  else if replicas > updated then
    health.progressing('old replicas are pending termination')
  else if available < updated then
    health.progressing(health.count(available, updated, 'updated replicas available'))
  else
    health.healthy(health.count(available, want, 'replicas available'))
