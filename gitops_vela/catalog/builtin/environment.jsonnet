// environment: add or override environment variables of one container,
// and load whole ConfigMaps or Secrets as variables (envFrom).
local vela = import 'vela.libsonnet';

function(parameter, context)
  local output = context.output;
  local name = vela.containerName(output, context, parameter.containerName);
  local secretVars = [
    { name: k, valueFrom: { secretKeyRef: parameter.secretVars[k] } }
    for k in std.objectFields(parameter.secretVars)
  ];
  local env = vela.envFromMap(parameter.vars) + secretVars;
  local envFrom =
    [{ configMapRef: { name: n } } for n in parameter.fromConfigMaps]
    + [{ secretRef: { name: n } } for n in parameter.fromSecrets];
  {
    patch:
      vela.when(std.length(env) > 0, vela.patchEnv(output, name, env))
      + vela.when(std.length(envFrom) > 0, vela.patchContainer(output, name, { envFrom+: envFrom })),
    outputs: {},
  }
