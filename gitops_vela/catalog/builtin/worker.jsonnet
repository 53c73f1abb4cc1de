// worker: a long-running background process with no network endpoint:
// a Deployment and nothing else.
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    output: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: context.name },
      spec: {
        selector: { matchLabels: vela.selector(context) },
        template: vela.podTemplate(context, { containers: [vela.container(parameter, context)] }),
      },
    },
    outputs: {},
  }
