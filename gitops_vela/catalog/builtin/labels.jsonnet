// labels: add labels to the workload and, when it has one, to its pod
// template, so the pods carry them too (cost allocation, policies).
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    patch: { metadata+: { labels+: parameter } }
           + vela.when(vela.hasPodTemplate(context.output),
                       vela.patchPodTemplate(context.output, { metadata+: { labels+: parameter } })),
    outputs: {},
  }
