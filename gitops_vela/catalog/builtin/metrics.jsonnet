// metrics: let Prometheus scrape the service: a Service for the metrics
// port and a prometheus-operator ServiceMonitor selecting it. A Service of
// its own keeps the metrics port off the public one and works for workloads
// without a Service (workers).
local vela = import 'vela.libsonnet';

function(parameter, context)
  // format is KubeVela's parameter; Prometheus' text format is all there is to scrape
  assert parameter.format == 'prometheus' : 'metrics: format ' + parameter.format + ' is not supported';
  local port =
    if std.objectHas(parameter, 'port') then parameter.port
    else local p = vela.firstPort(context.output);
    if p == null then error 'metrics: ' + context.name + ' has no container port: set metrics.port' else p;
  local output = context.output;
  local selector =
    if std.objectHas(parameter, 'selector') then parameter.selector
    else if std.objectHas(output, 'spec') && std.objectHas(output.spec, 'selector')
            && std.objectHas(output.spec.selector, 'matchLabels')
    then output.spec.selector.matchLabels
    else vela.selector(context);
  local serviceLabels = {
    'app.oam.dev/component': context.name,
    'trait.oam.dev/type': 'metrics',
  };
  {
    patch: {},
    outputs: vela.when(parameter.enabled, {
      'metrics-service': {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: context.name + '-metrics', labels: serviceLabels },
        spec: {
          selector: selector,
          ports: [{ name: 'metrics', port: port, targetPort: port }],
        },
      },
      servicemonitor: {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: context.name },
        spec: {
          selector: { matchLabels: serviceLabels },
          endpoints: [{ port: 'metrics', path: parameter.path, scheme: parameter.scheme }
                      + vela.opt(parameter, 'interval')],
        },
      },
    }),
  }
