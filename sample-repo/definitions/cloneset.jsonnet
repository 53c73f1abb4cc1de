// cloneset: an OpenKruise CloneSet with in-place updates, plus a Service
// when the service has a port.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local labels = vela.selector(context);
  local hasPort = std.objectHas(parameter, 'port');
  local container = vela.container(parameter, context)
                    + vela.when(hasPort, { ports: [vela.containerPort(parameter.port, 'http')] });
  {
    output: {
      apiVersion: 'apps.kruise.io/v1alpha1',
      kind: 'CloneSet',
      metadata: { name: context.name },
      spec: {
        selector: { matchLabels: labels },
        template: vela.podTemplate(context, { containers: [container] }),
        updateStrategy: { type: parameter.updateType }
                        + vela.when(parameter.updateType != 'ReCreate', {
                          inPlaceUpdateStrategy: { gracePeriodSeconds: parameter.gracePeriodSeconds },
                        })
                        + vela.opt(parameter, 'maxUnavailable')
                        + vela.opt(parameter, 'partition'),
      },
    },
    outputs: vela.when(hasPort, {
      service: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: context.name },
        spec: {
          selector: labels,
          ports: [{ name: 'http', port: parameter.port, targetPort: parameter.port }],
        },
      },
    }),
  }
