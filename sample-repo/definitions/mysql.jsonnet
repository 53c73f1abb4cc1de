// mysql: an InnoDBCluster for the MySQL Operator. TLS uses the operator's
// self-signed certificates; the credentials Secret is named, never inlined.
local vela = import 'vela.libsonnet';

function(parameter, context)
  {
    output: {
      apiVersion: 'mysql.oracle.com/v2',
      kind: 'InnoDBCluster',
      metadata: { name: context.name },
      spec: {
        secretName: parameter.credentialsSecret,
        instances: parameter.instances,
        router: { instances: parameter.routerInstances },
        tlsUseSelfSigned: true,
        datadirVolumeClaimTemplate: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: parameter.storage } },
        },
      } + vela.opt(parameter, 'version'),
    },
  }
