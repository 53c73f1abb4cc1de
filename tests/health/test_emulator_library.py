"""The emulator drives every simulated library kind Healthy, Progressing and Degraded.

Each object is created through the API, put in a state with the simulation
controls, read back with a client, and judged by the same ``assess`` that
sync and ``apply --wait`` use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, dynamic
from vela_emulator import Emulator

from gitops_vela.model.status import Health
from gitops_vela.sync.health import assess

CRDS = Path(__file__).resolve().parents[1] / "testdata" / "crds"

# kind -> (apiVersion, plural, CRD file or None for a schemaless CRD, spec, scope)
KINDS: dict[str, tuple[str, str, str | None, dict[str, Any]]] = {
    "CloneSet": (
        "apps.kruise.io/v1alpha1",
        "clonesets",
        "apps.kruise.io_clonesets.yaml",
        {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "x"}},
            "template": {
                "metadata": {"labels": {"app": "x"}},
                "spec": {"containers": [{"name": "x", "image": "x:1"}]},
            },
        },
    ),
    "Canary": (
        "flagger.app/v1beta1",
        "canaries",
        "flagger.app_crds.yaml",
        {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"},
            "service": {"port": 8080},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10},
        },
    ),
    "ServiceMonitor": (
        "monitoring.coreos.com/v1",
        "servicemonitors",
        "monitoring.coreos.com_servicemonitors.yaml",
        {"selector": {"matchLabels": {"app": "x"}}, "endpoints": [{"port": "metrics"}]},
    ),
    "InnoDBCluster": (
        "mysql.oracle.com/v2",
        "innodbclusters",
        "mysql.oracle.com_crds.yaml",
        {"secretName": "pwds", "tlsUseSelfSigned": True, "instances": 3},
    ),
    "Rollout": ("argoproj.io/v1alpha1", "rollouts", None, {"replicas": 3}),
    "Certificate": (
        "cert-manager.io/v1",
        "certificates",
        None,
        {"secretName": "x-tls", "issuerRef": {"name": "letsencrypt"}},
    ),
    "Issuer": ("cert-manager.io/v1", "issuers", None, {"selfSigned": {}}),
    "Kustomization": (
        "kustomize.toolkit.fluxcd.io/v1",
        "kustomizations",
        None,
        {"interval": "10m", "path": "./apps", "prune": True},
    ),
    "HelmRelease": ("helm.toolkit.fluxcd.io/v2", "helmreleases", None, {"interval": "5m"}),
    "GitRepository": (
        "source.toolkit.fluxcd.io/v1",
        "gitrepositories",
        None,
        {"url": "https://github.com/acme/x"},
    ),
    "OCIRepository": (
        "source.toolkit.fluxcd.io/v1beta2",
        "ocirepositories",
        None,
        {"url": "oci://ghcr.io/acme/x"},
    ),
    "ScaledObject": ("keda.sh/v1alpha1", "scaledobjects", None, {"scaleTargetRef": {"name": "x"}}),
    "ExternalSecret": (
        "external-secrets.io/v1beta1",
        "externalsecrets",
        None,
        {"secretStoreRef": {"name": "vault", "kind": "ClusterSecretStore"}},
    ),
}


def _schemaless_crd(api_version: str, kind: str, plural: str) -> dict[str, Any]:
    group, version = api_version.split("/")
    free = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = {"type": "object", "properties": {"spec": free, "status": free}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                    "subresources": {"status": {}},
                }
            ],
        },
    }


def _install(dyn: Any, kind: str) -> None:
    api_version, plural, file, _ = KINDS[kind]
    crds = dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    if file is None:
        crds.create(body=_schemaless_crd(api_version, kind, plural))
        return
    for doc in yaml.safe_load_all((CRDS / file).read_text()):
        if doc:
            crds.create(body=doc)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_library_kind_follows_the_simulation_controls(emulator: Emulator, kind: str) -> None:
    dyn = dynamic.DynamicClient(client.ApiClient(emulator.client_configuration()))
    _install(dyn, kind)
    api_version, _, _, spec = KINDS[kind]
    resource = dyn.resources.get(api_version=api_version, kind=kind)
    body = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    resource.create(body=body, namespace="default")
    seen = {}
    for control, health in (
        ("progressing", Health.PROGRESSING),
        ("fail", Health.DEGRADED),
        ("healthy", Health.HEALTHY),
    ):
        getattr(emulator.simulation, control)(kind, "x")
        live = resource.get(name="x", namespace="default").to_dict()
        verdict = assess(live)
        seen[control] = verdict.health
        assert verdict.health is health, f"{control}: {verdict.message}"
        assert verdict.health is Health.HEALTHY or verdict.message
    assert len(set(seen.values())) == 3
