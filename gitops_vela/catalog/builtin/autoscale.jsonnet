// autoscale: a HorizontalPodAutoscaler (autoscaling/v2) scaling the
// workload between `min` and `max` on CPU, memory, per-pod custom metrics
// and external metrics. With no metric given it scales on 50% CPU.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local resource(name, percent) = {
    type: 'Resource',
    resource: { name: name, target: { type: 'Utilization', averageUtilization: percent } },
  };
  local selectorOf(m) = vela.when(std.objectHas(m, 'selector'), { selector: { matchLabels: m.selector } });
  local pods = [
    {
      type: 'Pods',
      pods: {
        metric: { name: m.name } + selectorOf(m),
        target: { type: 'AverageValue', averageValue: std.toString(m.averageValue) },
      },
    }
    for m in parameter.podMetrics
  ];
  local external = [
    {
      type: 'External',
      external: {
        metric: { name: m.name } + selectorOf(m),
        target:
          if std.objectHas(m, 'value') then { type: 'Value', value: std.toString(m.value) }
          else if std.objectHas(m, 'averageValue') then { type: 'AverageValue', averageValue: std.toString(m.averageValue) }
          else error 'autoscale: external metric ' + m.name + ': set value or averageValue',
      },
    }
    for m in parameter.externalMetrics
  ];
  local given =
    (if std.objectHas(parameter, 'cpuPercent') then [resource('cpu', parameter.cpuPercent)] else [])
    + (if std.objectHas(parameter, 'memoryPercent') then [resource('memory', parameter.memoryPercent)] else [])
    + pods + external;
  assert parameter.min <= parameter.max : 'autoscale: min (' + parameter.min + ') is above max (' + parameter.max + ')';
  {
    patch: {},
    outputs: {
      hpa: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: context.name },
        spec: {
          scaleTargetRef: vela.targetRef(context.output),
          minReplicas: parameter.min,
          maxReplicas: parameter.max,
          metrics: if std.length(given) > 0 then given else [resource('cpu', 50)],
        },
      },
    },
  }
