// alert: a kubewatch for one service, posting its namespace's events of the
// service's kinds to Slack. See alert.yaml for why it is shaped this way.
local vela = import 'vela.libsonnet';

// kubewatch's resource switches, and the API group/resource each one reads.
local kinds = {
  deployment: { group: 'apps', resource: 'deployments' },
  replicaset: { group: 'apps', resource: 'replicasets' },
  daemonset: { group: 'apps', resource: 'daemonsets' },
  statefulset: { group: 'apps', resource: 'statefulsets' },
  pod: { group: '', resource: 'pods' },
  job: { group: 'batch', resource: 'jobs' },
  services: { group: '', resource: 'services' },
  ingress: { group: 'networking.k8s.io', resource: 'ingresses' },
  event: { group: '', resource: 'events' },
};

// What a workload is made of, by the kind of its main object.
local defaults = {
  Deployment: ['deployment', 'pod'],
  StatefulSet: ['statefulset', 'pod'],
  DaemonSet: ['daemonset', 'pod'],
  Job: ['job', 'pod'],
  CronJob: ['job', 'pod'],
};

function(parameter, context)
  local watch = std.get(parameter, 'watch', std.get(defaults, context.output.kind, ['pod', 'event']));
  local name = context.name + '-kubewatch';
  local labels = { 'app.kubernetes.io/name': 'kubewatch', 'app.kubernetes.io/instance': name };
  local config = {
    namespace: context.namespace,
    handler: { slack: { channel: parameter.channel } },
    resource: { [k]: true for k in watch },
  };
  local groups = std.set([kinds[k].group for k in watch]);
  {
    patch: {},
    outputs: {
      config: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: name },
        data: { '.kubewatch.yaml': std.manifestYamlDoc(config, indent_array_in_object=true, quote_keys=false) + '\n' },
      },
      serviceaccount: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: name },
      },
      role: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: name },
        rules: [
          {
            apiGroups: [g],
            resources: std.set([kinds[k].resource for k in watch if kinds[k].group == g]),
            verbs: ['get', 'list', 'watch'],
          }
          for g in groups
        ],
      },
      rolebinding: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: name },
        subjects: [{ kind: 'ServiceAccount', name: name, namespace: context.namespace }],
      },
      deployment: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: name },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels: labels },
            spec: {
              serviceAccountName: name,
              containers: [{
                name: 'kubewatch',
                image: parameter.image,
                env: [
                  // kubewatch reads $KW_CONFIG/.kubewatch.yaml and takes the
                  // token from SLACK_TOKEN when the file has none.
                  { name: 'KW_CONFIG', value: '/config' },
                  { name: 'SLACK_TOKEN', valueFrom: { secretKeyRef: parameter.tokenSecret } },
                ],
                volumeMounts: [{ name: 'config', mountPath: '/config', readOnly: true }],
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65534,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                },
              }],
              volumes: [{ name: 'config', configMap: { name: name } }],
            },
          },
        },
      },
    },
  }
