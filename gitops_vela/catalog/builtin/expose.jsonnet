// expose: a Service for ports of a workload that has none of its own.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local output = context.output;
  local selector =
    if std.objectHas(output, 'spec') && std.objectHas(output.spec, 'selector')
       && std.objectHas(output.spec.selector, 'matchLabels')
    then output.spec.selector.matchLabels
    else vela.selector(context);
  {
    patch: {},
    outputs: {
      service: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: context.name },
        spec: {
          selector: selector,
          ports: [
            { name: 'port-' + p, port: p, targetPort: p }
            for p in parameter.port
          ],
        } + vela.when(parameter.type != 'ClusterIP', { type: parameter.type }),
      },
    },
  }
