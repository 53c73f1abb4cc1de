// storage: mount volumes into the main container: persistent volume
// claims (created here unless they already exist), ConfigMaps, Secrets and
// emptyDirs.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local output = context.output;
  local main = vela.containerName(output, context, parameter.containerName);
  local mount(v) = { name: v.name, mountPath: v.mountPath }
                   + vela.when(std.get(v, 'readOnly', false), { readOnly: true })
                   + vela.opt(v, 'subPath');
  local claimName(v) = std.get(v, 'claimName', context.name + '-' + v.name);
  local volumes =
    [{ name: v.name, persistentVolumeClaim: { claimName: claimName(v) } } for v in parameter.pvc]
    + [
      { name: v.name, configMap: { name: std.get(v, 'configMapName', v.name) } + vela.opt(v, 'defaultMode') }
      for v in parameter.configMap
    ]
    + [
      { name: v.name, secret: { secretName: std.get(v, 'secretName', v.name) } + vela.opt(v, 'defaultMode') }
      for v in parameter.secret
    ]
    + [
      { name: v.name, emptyDir: vela.opt(v, 'medium') + vela.opt(v, 'sizeLimit') }
      for v in parameter.emptyDir
    ];
  local all = parameter.pvc + parameter.configMap + parameter.secret + parameter.emptyDir;
  local claims = [v for v in parameter.pvc if !std.objectHas(v, 'claimName')];
  {
    patch: vela.when(std.length(all) > 0, vela.patchVolumes(output, volumes, { [main]: [mount(v) for v in all] })),
    outputs: {
      ['pvc-' + v.name]: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claimName(v) },
        spec: {
          accessModes: v.accessModes,
          resources: { requests: { storage: v.size } },
        } + vela.opt(v, 'storageClassName'),
      }
      for v in claims
    },
  }
