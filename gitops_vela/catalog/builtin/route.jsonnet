// route: publish the service on a domain through an Ingress, optionally
// with TLS from cert-manager. nginx applies `rewrite-target` to a whole
// Ingress, so rules with a rewrite get an Ingress of their own (one per
// distinct target), as KubeVela's route controller did.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local port =
    if std.objectHas(parameter, 'port') then parameter.port
    else local p = vela.firstPort(context.output);
    if p == null then error 'route: ' + context.name + ' has no container port: set route.port' else p;
  local rules = if std.objectHas(parameter, 'rules') then parameter.rules else [{ path: '/', rewriteTarget: '' }];
  local className = if std.objectHas(parameter, 'ingressClass') then parameter.ingressClass else parameter.provider;
  local tlsOn = parameter.issuer != '' || std.objectHas(parameter, 'tls');
  local tls = std.get(parameter, 'tls', {});
  local secretName = std.get(tls, 'secretName', context.name + '-tls');
  local issuerAnnotation =
    if std.get(tls, 'issuerKind', 'Issuer') == 'ClusterIssuer' then 'cert-manager.io/cluster-issuer'
    else 'cert-manager.io/issuer';
  local targets = std.set([r.rewriteTarget for r in rules if r.rewriteTarget != '']);
  assert std.length(targets) == 0 || parameter.provider == 'nginx' :
         'route: rewriteTarget needs provider nginx (got ' + parameter.provider + ')';
  local ingress(name, target, group) = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: name } + vela.when(target != '' || parameter.issuer != '', {
      annotations: vela.when(parameter.issuer != '', { [issuerAnnotation]: parameter.issuer })
                   + vela.when(target != '', { 'nginx.ingress.kubernetes.io/rewrite-target': target }),
    }),
    spec: {
      ingressClassName: className,
      rules: [{
        host: parameter.domain,
        http: {
          paths: [
            {
              path: r.path,
              pathType: if target == '' then 'Prefix' else 'ImplementationSpecific',
              backend: { service: { name: context.name, port: { number: port } } },
            }
            for r in group
          ],
        },
      }],
    } + vela.when(tlsOn, { tls: [{ hosts: [parameter.domain], secretName: secretName }] }),
  };
  local plain = [r for r in rules if r.rewriteTarget == ''];
  {
    patch: {},
    outputs: vela.when(std.length(plain) > 0, { ingress: ingress(context.name, '', plain) }) + {
      ['ingress-rewrite-' + i]: ingress(
        context.name + '-rewrite-' + i, targets[i], [r for r in rules if r.rewriteTarget == targets[i]]
      )
      for i in std.range(0, std.length(targets) - 1)
    },
  }
