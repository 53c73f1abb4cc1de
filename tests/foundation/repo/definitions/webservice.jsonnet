local lib = import 'lib/common.libsonnet';
function(parameter, context) {
  output: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: context.name },
    spec: {
      selector: { matchLabels: lib.selector(context) },
      template: {
        metadata: { labels: lib.selector(context) },
        spec: {
          containers: [{
            name: context.name,
            image: parameter.image,
            ports: [{ containerPort: parameter.port }],
            [if std.objectHas(parameter, 'env') then 'env']: parameter.env,
          }],
        },
      },
    },
  },
  outputs: {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: context.name },
      spec: { selector: lib.selector(context), ports: [{ port: parameter.port }] },
    },
  },
}
