// Flux objects (Kustomization, HelmRelease, GitRepository, OCIRepository):
// kstatus conditions. Reconciling=True is Progressing even when Ready=False
// (Flux is retrying; kstatus agrees, Argo's scripts say Degraded) and the
// message says which failure it retries; Stalled=True or Ready=False with a
// failure reason is Degraded; spec.suspend is Progressing (Argo: Suspended).
local health = import 'health.libsonnet';

local waiting = ['Progressing', 'ProgressingWithRetry', 'DependencyNotReady'];

function(object)
  local ready = health.condition(object, 'Ready');
  local stalled = health.condition(object, 'Stalled');
  local released = health.condition(object, 'Released');  // HelmRelease: the Helm action itself
  local failure =
    if released != null && std.get(released, 'status') == 'False' then released else ready;
  local failing = ready != null && std.get(ready, 'status') == 'False' && !std.member(waiting, std.get(ready, 'reason', ''));
  if std.get(health.spec(object), 'suspend', false) then
    health.progressing('reconciliation is suspended (spec.suspend)')
  else if health.pending(object) then
    health.progressing('waiting for Flux to see the new spec')
  else if stalled != null && std.get(stalled, 'status') == 'True' then
    health.degraded(health.text(stalled, 'stalled'))
  else if health.is(object, 'Reconciling', 'True') then
    health.progressing(
      if failing then 'retrying after ' + health.text(failure, 'a failure')
      else health.text(health.condition(object, 'Reconciling'), 'reconciling')
    )
  else if ready == null then
    health.progressing('waiting for Flux to reconcile')
  else if std.get(ready, 'status') == 'True' then
    health.healthy(health.text(ready, ''))
  else if failing then
    health.degraded(health.text(failure, 'not ready'))
  else
    health.progressing(health.text(ready, 'reconciling'))
