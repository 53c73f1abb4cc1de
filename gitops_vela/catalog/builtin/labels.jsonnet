// labels: add labels to the workload and, when it has one, to its pod
// template, so the pods carry them too (cost allocation, policies).
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    patch: vela.when(std.length(parameter) > 0, { metadata+: { labels+: parameter } }
                     + vela.when(vela.hasPodTemplate(context.output),
                                 vela.patchPodTemplate(context.output, { metadata+: { labels+: parameter } }))),
    outputs: {},
  }
