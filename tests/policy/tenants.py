"""Two teams' repositories for the tenancy tests: a small workload and three traits.

``admin-binding`` renders a ClusterRoleBinding to cluster-admin, ``peek`` a ConfigMap
in a namespace of the caller's choosing (another team's), ``quota`` a ResourceQuota in
the app's own namespace (a kind the policy allows but a tenant's RBAC need not).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

TINY = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata:
  name: tiny
spec:
  definitionRef: {name: configmaps}
  parameters:
    type: object
    additionalProperties: false
    properties:
      greeting: {type: string, default: hello}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          output: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: context.name },
            data: { greeting: parameter.greeting },
          },
          outputs: {},
        }
"""

ADMIN_BINDING = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: admin-binding
spec:
  parameters:
    type: object
    additionalProperties: false
    properties:
      user: {type: string}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {},
          outputs: {
            binding: {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRoleBinding',
              metadata: { name: context.name + '-admin' },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
              subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: parameter.user }],
            },
          },
        }
"""

PEEK = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: peek
spec:
  parameters:
    type: object
    required: [into]
    additionalProperties: false
    properties:
      into: {type: string}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {},
          outputs: {
            note: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: context.name + '-peek', namespace: parameter.into },
              data: { from: context.namespace },
            },
          },
        }
"""

QUOTA = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: quota
spec:
  parameters:
    type: object
    additionalProperties: false
    properties:
      pods: {type: string, default: "10"}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {},
          outputs: {
            quota: {
              apiVersion: 'v1',
              kind: 'ResourceQuota',
              metadata: { name: context.name },
              spec: { hard: { pods: parameter.pods } },
            },
          },
        }
"""

DEFINITIONS = {
    "definitions/tiny.yaml": TINY,
    "definitions/admin-binding.yaml": ADMIN_BINDING,
    "definitions/peek.yaml": PEEK,
    "definitions/quota.yaml": QUOTA,
}


def app(name: str, namespace: str, *traits: str, service: str = "web") -> str:
    """An Appfile with one ``tiny`` service (``web``) and the given trait blocks."""
    lines = [f"name: {name}", f"namespace: {namespace}", "services:", f"  {service}:"]
    lines.append("    type: tiny")
    lines += [f"    {trait}" for trait in traits]
    return "\n".join(lines) + "\n"


EVIL = app(
    "evil",
    "team-a",
    "admin-binding: {user: mallory}",
    "peek: {into: team-b}",
)
"""Tenant A's app breaking both fences of the policy: a ClusterRoleBinding, team B's namespace."""


TEAM_A_POLICY = """\
policy:
  namespaces: [team-a, "team-a-*"]
  clusterScoped: false
  kinds:
    allow: ["*"]
    deny: [rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/ClusterRole]
  adoption: false
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return root
