"""``deploy/``: renders with kubectl kustomize, validates against Kubernetes schemas,
applies to the emulator, and grants what the built-in catalog produces."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.catalog import load_catalog
from gitops_vela.catalog.loader import BUILTIN_DIR
from gitops_vela.cluster import Cluster
from gitops_vela.settings import load_config_file

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
NAMESPACE = "gitops-vela-system"


def kustomize(path: Path) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    out = subprocess.run(
        [KUBECTL, "kustomize", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module")
def bundle() -> list[dict[str, Any]]:
    return kustomize(DEPLOY)


def one(bundle: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [d for d in bundle if d["kind"] == kind]
    return found


def test_the_bundle_holds_every_piece(bundle: list[dict[str, Any]]) -> None:
    kinds = sorted(d["kind"] for d in bundle)
    assert kinds == sorted(
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "ConfigMap",
            "Secret",
            "Deployment",
            "Service",
        ]
    )
    for doc in bundle:
        if doc["kind"] not in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["kind"]


def test_every_object_is_valid_against_the_kubernetes_schemas(
    bundle: list[dict[str, Any]],
) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in bundle:
        kubernetes_validate.validate(doc, "1.30", strict=True)


def test_the_deployment_is_locked_down(bundle: list[dict[str, Any]]) -> None:
    pod = one(bundle, "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert "emptyDir" in volumes[mounts["/var/cache/gitops-vela"]]
    assert container["args"] == ["run", "--config", "/etc/gitops-vela/config.yaml"]
    assert pod["serviceAccountName"] == one(bundle, "ServiceAccount")["metadata"]["name"]


def test_the_shipped_config_is_a_valid_daemon_config(
    bundle: list[dict[str, Any]], tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(one(bundle, "ConfigMap")["data"]["config.yaml"])
    settings = load_config_file(config, environ={})
    assert settings.server.port == 9440
    assert str(settings.server.webhook_secret_file) == "/etc/gitops-vela/secrets/webhook-secret"
    secret_keys = set(one(bundle, "Secret")["stringData"])
    assert secret_keys == {"git-token", "webhook-secret"}
    service = one(bundle, "Service")
    assert service["spec"]["ports"][0]["port"] == settings.server.port


def allowed(rules: list[dict[str, Any]], group: str, plural: str) -> bool:
    return any(
        group in rule.get("apiGroups", ())
        and plural in rule.get("resources", ())
        and {"patch", "delete", "list"} <= set(rule.get("verbs", ()))
        for rule in rules
    )


# Kinds the built-in templates write literally, and where their API lives.
KNOWN_KINDS = {
    "Deployment": ("apps", "deployments"),
    "Service": ("", "services"),
    "Ingress": ("networking.k8s.io", "ingresses"),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers"),
    "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims"),
    "ServiceMonitor": ("monitoring.coreos.com", "servicemonitors"),
    "ConfigMap": ("", "configmaps"),
    "Secret": ("", "secrets"),
}


def test_the_default_role_manages_what_the_built_in_catalog_renders(
    bundle: list[dict[str, Any]],
) -> None:
    rules = one(bundle, "ClusterRole")["rules"]
    catalog = load_catalog(None, origin="builtin")
    for definition in (*catalog.workloads, *catalog.traits):
        if definition.definition_ref:
            plural, _, group = definition.definition_ref.partition(".")
            assert allowed(rules, group, plural), definition.definition_ref
    written = set()
    for template in Path(BUILTIN_DIR).glob("*.*sonnet"):
        written |= set(re.findall(r"kind: '(\w+)'", template.read_text()))
    unknown = written - set(KNOWN_KINDS)
    assert not unknown, f"grant these in deploy/base/rbac.yaml, then add them here: {unknown}"
    for kind in written:
        assert allowed(rules, *KNOWN_KINDS[kind]), kind
    # Inventories and leases live in the daemon's namespace only.
    namespaced = one(bundle, "Role")["rules"]
    assert allowed(namespaced, "", "configmaps")
    assert allowed(namespaced, "coordination.k8s.io", "leases")


def test_the_default_role_grants_nothing_on_secrets(bundle: list[dict[str, Any]]) -> None:
    # No built-in template renders a Secret; the cluster-admin overlay is the
    # one that may read them all, as deploy/README.md says.
    for rule in one(bundle, "ClusterRole")["rules"]:
        assert "secrets" not in rule.get("resources", ()), rule
        assert "*" not in rule.get("resources", ()), rule


def test_the_readme_names_only_what_the_repository_holds() -> None:
    readme = (DEPLOY / "README.md").read_text()
    assert "DESIGN" not in readme
    assert "ServiceMonitor" in readme  # granted by base/rbac.yaml for the metrics trait


def test_the_cluster_admin_overlay_grants_everything() -> None:
    rules = one(kustomize(DEPLOY / "overlays" / "cluster-admin"), "ClusterRole")["rules"]
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]} in rules


def test_the_bundle_applies_to_the_emulator(emulator: Emulator) -> None:
    assert KUBECTL is not None
    done = subprocess.run(
        [KUBECTL, "--kubeconfig", str(emulator.kubeconfig_path), "apply", "-k", str(DEPLOY)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with Cluster(emulator.client_configuration()) as cluster:
        deployment = cluster.get(
            cluster.resource("apps/v1", "Deployment"), namespace=NAMESPACE, name="gitops-vela"
        )
        assert deployment is not None
        role = cluster.get(
            cluster.resource("rbac.authorization.k8s.io/v1", "ClusterRole"),
            namespace="",
            name="gitops-vela",
        )
        assert role is not None


# ----- overlays/multi-tenant -------------------------------------------------------------------


@pytest.fixture(scope="module")
def multi_tenant() -> list[dict[str, Any]]:
    return kustomize(DEPLOY / "overlays" / "multi-tenant")


def named(bundle: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in bundle if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def test_the_multi_tenant_daemon_only_reads_namespaces_cluster_wide(
    multi_tenant: list[dict[str, Any]],
) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in multi_tenant:
        kubernetes_validate.validate(doc, "1.30", strict=True)
    daemon = named(multi_tenant, "ClusterRole", "gitops-vela")["rules"]
    assert daemon == [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}
    ]
    # impersonation is granted per tenant, in the tenant's namespace, for one name
    impersonate = [
        d
        for d in multi_tenant
        if d["kind"] in ("Role", "ClusterRole")
        and any("impersonate" in r.get("verbs", ()) for r in d.get("rules", ()))
    ]
    assert [(d["kind"], d["metadata"].get("namespace")) for d in impersonate] == [
        ("Role", "team-a")
    ]
    assert impersonate[0]["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["serviceaccounts"],
            "resourceNames": ["team-a-deployer"],
            "verbs": ["impersonate"],
        }
    ]
    for binding in (d for d in multi_tenant if d["kind"] == "ClusterRoleBinding"):
        assert binding["roleRef"]["name"] == "gitops-vela"  # tenants get RoleBindings only
    tenant = named(multi_tenant, "ClusterRole", "gitops-vela-tenant")["rules"]
    assert not any("secrets" in r["resources"] or "*" in r["resources"] for r in tenant)
    assert allowed(tenant, "apps", "deployments")


def test_the_multi_tenant_config_names_the_example_tenant(
    multi_tenant: list[dict[str, Any]], tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(named(multi_tenant, "ConfigMap", "gitops-vela-config")["data"]["config.yaml"])
    (repo,) = load_config_file(config, environ={}).repositories
    assert (repo.service_account_name, repo.service_account_namespace) == (
        "team-a-deployer",
        "team-a",
    )
    sa = named(multi_tenant, "ServiceAccount", "team-a-deployer")
    assert sa["metadata"]["namespace"] == "team-a"
    binding = named(multi_tenant, "RoleBinding", "team-a-deployer")
    assert binding["metadata"]["namespace"] == "team-a"
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "gitops-vela-tenant",
    }
