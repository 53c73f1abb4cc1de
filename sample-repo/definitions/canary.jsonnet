// canary: a Flagger Canary for the workload.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local port =
    if std.objectHas(parameter, 'port') then parameter.port
    else local p = vela.firstPort(context.output);
    if p == null then error 'canary: ' + context.name + ' has no container port: set canary.port' else p;
  {
    patch: {},
    outputs: {
      canary: {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        metadata: { name: context.name },
        spec: {
          provider: parameter.provider,
          targetRef: vela.targetRef(context.output),
          service: { port: port, targetPort: port },
          analysis: {
            interval: parameter.interval,
            threshold: parameter.threshold,
            maxWeight: parameter.maxWeight,
            stepWeight: parameter.stepWeight,
            metrics: [
              { name: 'request-success-rate', interval: parameter.interval, thresholdRange: { min: parameter.successRate } },
              { name: 'request-duration', interval: parameter.interval, thresholdRange: { max: parameter.latencyMs } },
            ],
          },
        }
        + vela.when(parameter.provider == 'nginx', {
          ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: context.name },
        })
        + vela.when(parameter.autoscaler, {
          autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: context.name },
        }),
      },
    },
  }
