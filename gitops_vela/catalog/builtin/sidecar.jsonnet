// sidecar: one more container in the pod (log shippers, proxies, agents).
local vela = import 'vela.libsonnet';

function(parameter, context)
  local sidecar =
    { name: parameter.name, image: parameter.image }
    + vela.opt(parameter, 'cmd', 'command')
    + vela.opt(parameter, 'args')
    + vela.when(std.length(parameter.env) > 0, { env: parameter.env })
    + vela.when(std.length(parameter.ports) > 0, {
      ports: [vela.containerPort(p) for p in parameter.ports],
    })
    + vela.when(std.length(parameter.volumes) > 0, {
      volumeMounts: [{ name: v.name, mountPath: v.path } for v in parameter.volumes],
    });
  local names = [c.name for c in vela.podSpecOf(context.output).containers];
  assert !std.member(names, parameter.name) :
         'sidecar: ' + context.name + ' already has a container named ' + parameter.name;
  {
    patch: vela.patchPodSpec(context.output, { containers+: [sidecar] }),
    outputs: {},
  }
