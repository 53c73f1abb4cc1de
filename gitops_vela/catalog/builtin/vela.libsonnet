// vela.libsonnet: helpers every gitops-vela template can import with
//   local vela = import 'vela.libsonnet';
//
// Workload templates build objects with them; trait templates return Jsonnet
// mixins built with them, so a trait patches whatever the workload rendered
// (and what earlier traits added) instead of replacing it.
//
// These helpers run for every service of every app: they use `+` and
// comprehensions rather than std.format, which is slow in go-jsonnet.
{
  // The labels that select a service's pods. `app.kubernetes.io/name` is
  // there too because Flagger (the `canary` trait) and most dashboards look
  // for it; a Deployment's selector is immutable, so it is set from day one.
  selector(context):: {
    'app.oam.dev/component': context.name,
    'app.kubernetes.io/name': context.name,
  },

  // `obj` when `cond` holds, else nothing: keeps optional fields out of the
  // manifest instead of writing nulls or empty objects.
  when(cond, obj):: if cond then obj else {},

  // An optional parameter copied to `key` of the result when the user set it.
  opt(parameter, name, key=name):: if std.objectHas(parameter, name) then { [key]: parameter[name] } else {},

  // Environment variables from a `{NAME: value}` map, in name order.
  envFromMap(vars):: [{ name: k, value: std.toString(vars[k]) } for k in std.objectFields(vars)],

  // Merge lists of `{name: ...}` items by name: an item of `added` replaces
  // the item of the same name in place; new names are appended in order.
  mergeByName(existing, added)::
    local byName = { [item.name]: item for item in added };
    local seen = { [item.name]: true for item in existing };
    [if std.objectHas(byName, item.name) then byName[item.name] else item for item in existing]
    + [item for item in added if !std.objectHas(seen, item.name)],

  // One named container port.
  containerPort(port, name=''):: { containerPort: port } + (if name != '' then { name: name } else {}),

  // The main container of a service, from the workload parameters shared by
  // every built-in workload: image, cmd, args, env, cpu.
  container(parameter, context)::
    { name: context.name, image: parameter.image }
    + self.opt(parameter, 'cmd', 'command')
    + self.opt(parameter, 'args')
    + self.when(std.length(std.get(parameter, 'env', [])) > 0, { env: parameter.env })
    + self.when(std.objectHas(parameter, 'cpu'), {
      local cpu = std.toString(parameter.cpu),
      resources: { requests: { cpu: cpu }, limits: { cpu: cpu } },
    }),

  // A pod template carrying the selector labels.
  podTemplate(context, spec):: {
    metadata: { labels: $.selector(context) },
    spec: spec,
  },

  // --- reading and patching what a workload rendered ---------------------

  isCronJob(output):: output.kind == 'CronJob',

  hasPodTemplate(output)::
    std.objectHas(output, 'spec') && (
      if $.isCronJob(output) then std.objectHas(output.spec, 'jobTemplate')
      else std.objectHas(output.spec, 'template')
    ),

  podTemplateOf(output)::
    if $.isCronJob(output) then output.spec.jobTemplate.spec.template else output.spec.template,

  podSpecOf(output):: $.podTemplateOf(output).spec,

  // A mixin that merges `mixin` into the pod template of `output`
  // (a Deployment, StatefulSet, Job, CloneSet... or a CronJob's job template).
  patchPodTemplate(output, mixin)::
    if $.isCronJob(output) then { spec+: { jobTemplate+: { spec+: { template+: mixin } } } }
    else if $.hasPodTemplate(output) then { spec+: { template+: mixin } }
    else error output.kind + ' ' + output.metadata.name + ' has no pod template to patch',

  patchPodSpec(output, mixin):: $.patchPodTemplate(output, { spec+: mixin }),

  // The container a trait patches: `name` when given, else the service's
  // main container (named after the service), else the first container.
  containerName(output, context, name='')::
    local names = [c.name for c in $.podSpecOf(output).containers];
    if name != '' then (
      if std.member(names, name) then name
      else error 'no container named "' + name + '" in ' + context.name + ' (containers: ' + std.join(', ', names) + ')'
    )
    else if std.member(names, context.name) then context.name
    else names[0],

  containerOf(output, name):: [c for c in $.podSpecOf(output).containers if c.name == name][0],

  // A mixin that merges `mixin` into the container called `name`.
  patchContainer(output, name, mixin)::
    $.patchPodSpec(output, {
      containers: [if c.name == name then c + mixin else c for c in super.containers],
    }),

  // A mixin that adds or replaces environment variables of one container.
  patchEnv(output, name, env)::
    $.patchContainer(output, name, {
      env: $.mergeByName(if 'env' in super then super.env else [], env),
    }),

  // A mixin that adds pod volumes and mounts them into containers:
  // `mounts` maps a container name to its list of volumeMounts.
  patchVolumes(output, volumes, mounts)::
    $.patchPodSpec(output, {
      volumes: $.mergeByName(if 'volumes' in super then super.volumes else [], volumes),
      containers: [
        if std.objectHas(mounts, c.name) then c {
          volumeMounts: $.mergeByName(std.get(c, 'volumeMounts', []), mounts[c.name]),
        } else c
        for c in super.containers
      ],
    }),

  // The first containerPort of a container (or of the pod), or null.
  firstPort(output, name='')::
    local containers = [
      c
      for c in $.podSpecOf(output).containers
      if name == '' || c.name == name
    ];
    local ports = std.flattenArrays([std.get(c, 'ports', []) for c in containers]);
    if std.length(ports) > 0 then ports[0].containerPort else null,

  // A reference to `output`, e.g. for an HPA's scaleTargetRef.
  targetRef(output):: {
    apiVersion: output.apiVersion,
    kind: output.kind,
    name: output.metadata.name,
  },
}
