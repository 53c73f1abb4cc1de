// resources: CPU and memory requests and limits of one container.
// `cpu` and `memory` set request and limit alike; `requests` and `limits`
// set them apart and win over the shorthand.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local output = context.output;
  local name = vela.containerName(output, context, parameter.containerName);
  local quantities(obj) = { [k]: std.toString(obj[k]) for k in std.objectFields(obj) };
  local both = quantities(vela.opt(parameter, 'cpu') + vela.opt(parameter, 'memory'));
  local requests = both + quantities(std.get(parameter, 'requests', {}));
  local limits = both + quantities(std.get(parameter, 'limits', {}));
  {
    patch: vela.when(std.length(requests) + std.length(limits) > 0, vela.patchContainer(output, name, {
      resources+: vela.when(std.length(requests) > 0, { requests+: requests })
                  + vela.when(std.length(limits) > 0, { limits+: limits }),
    })),
    outputs: {},
  }
