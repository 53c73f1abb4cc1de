// cron-task: run a task on a schedule: a CronJob.
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    output: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: context.name },
      spec: {
        schedule: parameter.schedule,
        jobTemplate: {
          spec: vela.when(parameter.count != 1, {
            parallelism: parameter.count,
            completions: parameter.count,
          }) + vela.opt(parameter, 'backoffLimit') + {
            template: vela.podTemplate(context, {
              containers: [vela.container(parameter, context)],
              restartPolicy: parameter.restart,
            }),
          },
        },
      }
      + vela.opt(parameter, 'timeZone')
      + vela.opt(parameter, 'concurrencyPolicy')
      + vela.opt(parameter, 'suspend')
      + vela.opt(parameter, 'startingDeadlineSeconds')
      + vela.opt(parameter, 'successfulJobsHistoryLimit')
      + vela.opt(parameter, 'failedJobsHistoryLimit'),
    },
    outputs: {},
  }
