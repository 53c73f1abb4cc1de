// Flagger Canary (flagger.app): by its phase. Initialized (first target seen)
// and Succeeded (promoted) are Healthy; Failed (rolled back) is Degraded; an
// analysis or promotion in flight is Progressing.
local health = import 'health.libsonnet';

function(object)
  local status = health.status(object);
  local phase = std.get(status, 'phase', '');
  local promoted = health.condition(object, 'Promoted');
  local said = health.text(promoted, phase);
  local weight = health.num(std.get(status, 'canaryWeight'));
  if phase == null || phase == '' then
    health.progressing('waiting for Flagger to initialize the canary')
  else if std.member(['Initialized', 'Succeeded'], phase) then
    health.healthy(said)
  else if phase == 'Failed' then
    health.degraded(said)
  else
    health.progressing(phase + (if weight > 0 then ' at ' + weight + '% of traffic' else '') + ': ' + std.get(health.obj(promoted), 'message', phase))
