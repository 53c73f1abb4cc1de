// Crossplane claims and composite resources (any group: their kinds come from
// a CompositeResourceDefinition). Synced=False means Crossplane could not
// apply the composition (Degraded); Ready=False while synced means the
// composed resources are still coming up (Progressing); both True is Healthy.
local health = import 'health.libsonnet';

function(object)
  local synced = health.condition(object, 'Synced');
  local ready = health.condition(object, 'Ready');
  if health.pending(object) then
    health.progressing('waiting for Crossplane to see the new spec')
  else if synced != null && std.get(synced, 'status') == 'False' then
    health.degraded('Synced: ' + health.text(synced, 'not synced'))
  else if ready == null || synced == null then
    health.progressing('waiting for Crossplane to compose the resources')
  else if std.get(ready, 'status') == 'True' && std.get(synced, 'status') == 'True' then
    health.healthy(health.text(ready, ''))
  else
    health.progressing('Ready: ' + health.text(ready, 'composed resources are not ready yet'))
