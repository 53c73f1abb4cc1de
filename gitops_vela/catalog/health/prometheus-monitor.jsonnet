// Prometheus Operator ServiceMonitor and PodMonitor (monitoring.coreos.com):
// healthy once accepted. Operators from v0.79 write status.bindings, one per
// Prometheus that selects the monitor, each with an Accepted condition;
// Accepted=False (a bad config) is Degraded. Older operators write no status:
// nothing to wait for, Healthy.
local health = import 'health.libsonnet';

local accepted(binding) =
  local found = [c for c in health.list(std.get(binding, 'conditions')) if std.isObject(c) && std.get(c, 'type') == 'Accepted'];
  if std.length(found) > 0 then found[0] else null;

local where(binding) =
  std.get(binding, 'resource', 'prometheus') + ' ' + std.get(binding, 'namespace', '') + '/' + std.get(binding, 'name', '');

function(object)
  local bindings = [b for b in health.list(std.get(health.status(object), 'bindings')) if std.isObject(b)];
  local refused = [b for b in bindings if accepted(b) != null && std.get(accepted(b), 'status') == 'False'];
  local unsure = [b for b in bindings if accepted(b) == null || std.get(accepted(b), 'status') != 'True'];
  if std.length(refused) > 0 then
    health.degraded('not accepted by ' + where(refused[0]) + ': ' + health.text(accepted(refused[0]), 'invalid configuration'))
  else if std.length(unsure) > 0 then
    health.progressing('waiting for ' + where(unsure[0]) + ' to accept it')
  else
    health.healthy(if std.length(bindings) > 0 then 'accepted by ' + std.join(', ', [where(b) for b in bindings]) else '')
