// task: run a container to completion `count` times: a Job.
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    output: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: context.name },
      spec: vela.when(parameter.count != 1, {
        parallelism: parameter.count,
        completions: parameter.count,
      }) + {
        template: vela.podTemplate(context, {
          containers: [vela.container(parameter, context)],
          restartPolicy: parameter.restart,
        }),
      },
    },
    outputs: {},
  }
