// annotations: add annotations to the workload and, when it has one, to
// its pod template (e.g. for a service mesh or a log collector).
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    patch: vela.when(std.length(parameter) > 0, { metadata+: { annotations+: parameter } }
                     + vela.when(vela.hasPodTemplate(context.output),
                                 vela.patchPodTemplate(context.output, { metadata+: { annotations+: parameter } }))),
    outputs: {},
  }
