// init-container: a container that runs to completion before the others
// start (migrations, fetching config). With `initMountPath` and
// `appMountPath` it shares an emptyDir volume with the main container.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local output = context.output;
  local shared = std.objectHas(parameter, 'initMountPath');
  local main = vela.containerName(output, context);
  local init =
    { name: parameter.name, image: parameter.image }
    + vela.opt(parameter, 'cmd', 'command')
    + vela.opt(parameter, 'args')
    + vela.when(std.length(parameter.env) > 0, { env: parameter.env })
    + vela.when(shared, { volumeMounts: [{ name: parameter.mountName, mountPath: parameter.initMountPath }] });
  assert !shared || std.objectHas(parameter, 'appMountPath') :
         'init-container: initMountPath needs appMountPath (where ' + main + ' sees the files)';
  {
    patch:
      vela.patchPodSpec(output, { initContainers+: [init] })
      + (if shared then vela.patchVolumes(
           output,
           [{ name: parameter.mountName, emptyDir: {} }],
           { [main]: [{ name: parameter.mountName, mountPath: parameter.appMountPath }] },
         ) else {}),
    outputs: {},
  }
