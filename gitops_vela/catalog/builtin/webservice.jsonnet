// webservice: a long-running, scalable service with a stable network
// endpoint: a Deployment plus a Service for its port.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local labels = vela.selector(context);
  local container = vela.container(parameter, context) {
    ports: [vela.containerPort(parameter.port, 'http')],
  };
  {
    output: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: context.name },
      spec: {
        selector: { matchLabels: labels },
        template: vela.podTemplate(context, { containers: [container] }),
      },
    },
    outputs: vela.when(parameter.serviceType != 'None', {
      service: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: context.name },
        spec: {
          selector: labels,
          ports: [{ name: 'http', port: parameter.port, targetPort: parameter.port }],
        } + vela.when(parameter.serviceType != 'ClusterIP', { type: parameter.serviceType }),
      },
    }),
  }
