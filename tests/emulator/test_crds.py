"""CRDs: registering a kind (discovery, Established), scopes, versions, pruning, deletion."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import to_yaml

TESTDATA = Path(__file__).parent.parent / "testdata" / "crds"


def widget_crd(group: str, *, scope: str = "Namespaced") -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "size": {"type": "string", "default": "small"},
                    "replicas": {"type": "integer"},
                },
            },
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    }
    version = {
        "served": True,
        "schema": {"openAPIV3Schema": schema},
        "subresources": {
            "status": {},
            "scale": {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.replicas",
            },
        },
        "additionalPrinterColumns": [{"name": "Size", "type": "string", "jsonPath": ".spec.size"}],
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "kind": "Widget",
                "shortNames": ["wdg"],
            },
            "versions": [
                {**version, "name": "v1", "storage": True},
                {**version, "name": "v1beta1", "storage": False},
            ],
        },
    }


@pytest.fixture
def group(kube: KubeTarget) -> Iterator[str]:
    name = f"{kube.namespace}.example.com"
    yield name
    if kube.emulator is None:
        crds = kube.dynamic_client().resources.get(
            api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
        )
        crds.delete(name=f"widgets.{name}")


def _establish(kube: KubeTarget, crd: dict[str, Any]) -> dict[str, Any]:
    client = kube.dynamic_client()
    crds = client.resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    crds.server_side_apply(body=crd, field_manager="test")
    for _ in range(50):
        live = crds.get(name=crd["metadata"]["name"]).to_dict()
        conditions = {
            c["type"]: c["status"] for c in (live.get("status") or {}).get("conditions") or []
        }
        if conditions.get("Established") == "True":
            return live
        time.sleep(0.1)
    raise AssertionError("CRD never became Established")


def test_crd_becomes_established_and_its_kind_is_served(kube: KubeTarget, group: str) -> None:
    live = _establish(kube, widget_crd(group))
    assert live["status"]["acceptedNames"]["kind"] == "Widget"
    client = kube.dynamic_client()
    client.resources.invalidate_cache()
    widgets = client.resources.get(api_version=f"{group}/v1", kind="Widget")
    created = widgets.create(
        body={
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"replicas": 2, "junk": True},
        },
        namespace=kube.namespace,
    )
    assert created.metadata.generation == 1
    assert created.spec.to_dict() == {"replicas": 2, "size": "small"}  # pruned and defaulted


def test_custom_resource_reads_through_every_served_version(kube: KubeTarget, group: str) -> None:
    _establish(kube, widget_crd(group))
    client = kube.dynamic_client()
    client.resources.invalidate_cache()
    v1 = client.resources.get(api_version=f"{group}/v1", kind="Widget")
    v1.create(
        body={"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"}},
        namespace=kube.namespace,
    )
    beta = client.resources.get(api_version=f"{group}/v1beta1", kind="Widget")
    assert beta.get(name="w", namespace=kube.namespace).apiVersion == f"{group}/v1beta1"


def test_deleting_the_crd_deletes_its_resources(emulator: Emulator) -> None:
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    _establish(target, widget_crd("shop.example.com"))
    client = target.dynamic_client()
    client.resources.invalidate_cache()
    widgets = client.resources.get(api_version="shop.example.com/v1", kind="Widget")
    widgets.create(
        body={"apiVersion": "shop.example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        namespace="default",
    )
    crds = client.resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    crds.delete(name="widgets.shop.example.com")
    with pytest.raises(ApiException) as err:
        client.request("GET", "/apis/shop.example.com/v1/namespaces/default/widgets/w")
    assert err.value.status == 404
    assert emulator.registry.get("shop.example.com", "v1", "widgets") is None


def test_cluster_scoped_crd(kube: KubeTarget, group: str) -> None:
    _establish(kube, widget_crd(group, scope="Cluster"))
    client = kube.dynamic_client()
    client.resources.invalidate_cache()
    widgets = client.resources.get(api_version=f"{group}/v1", kind="Widget")
    assert not widgets.namespaced
    widgets.create(
        body={"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "global"}}
    )
    assert widgets.get(name="global").metadata.get("namespace") is None


def test_crd_name_must_match_plural_and_group(kube: KubeTarget) -> None:
    crd = widget_crd("x.example.com")
    crd["metadata"]["name"] = "wrong.x.example.com"
    crds = kube.dynamic_client().resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    with pytest.raises(ApiException) as err:
        crds.create(body=crd)
    assert err.value.status == 422


@pytest.mark.parametrize("filename", sorted(p.name for p in TESTDATA.glob("*.yaml")))
def test_real_world_crds_register(emulator: Emulator, filename: str) -> None:
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    for crd in yaml.safe_load_all((TESTDATA / filename).read_text()):
        live = _establish(target, crd)
        spec = crd["spec"]
        storage = [v["name"] for v in spec["versions"] if v.get("storage")]
        assert live["status"]["storedVersions"] == storage
        for version in spec["versions"]:
            assert (
                emulator.registry.get(spec["group"], version["name"], spec["names"]["plural"])
                is not None
            )


def test_kubectl_crd_then_custom_resource_with_printer_columns_and_scale(
    kube: KubeTarget, kubectl: Kubectl, group: str
) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=to_yaml(widget_crd(group)))
    kubectl("wait", "--for=condition=Established", f"crd/widgets.{group}", "--timeout=20s")
    widget = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": kube.namespace},
        "spec": {"replicas": 1, "size": "large"},
    }
    kubectl("apply", "--server-side", "-f", "-", stdin=to_yaml(widget))
    table = kubectl("get", f"widgets.{group}", "-n", kube.namespace)
    # the CRD declares its columns, so no Age is added (only a CRD without any gets one)
    assert table.split("\n")[0].split() == ["NAME", "SIZE"]
    assert "large" in table
    kubectl("scale", f"widgets.{group}/w", "-n", kube.namespace, "--replicas=4")
    live = json.loads(kubectl("get", f"widgets.{group}", "w", "-n", kube.namespace, "-o", "json"))
    assert live["spec"]["replicas"] == 4


def test_unknown_fields_of_custom_resources(kube: KubeTarget, kubectl: Kubectl, group: str) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=to_yaml(widget_crd(group)))
    kubectl("wait", "--for=condition=Established", f"crd/widgets.{group}", "--timeout=20s")
    widget = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": kube.namespace},
        "spec": {"junk": 1},
    }
    strict = kubectl.run("create", "-f", "-", stdin=to_yaml(widget))
    assert strict.returncode == 1
    assert 'strict decoding error: unknown field "spec.junk"' in strict.stderr
    warned = kubectl.run("create", "--validate=warn", "-f", "-", stdin=to_yaml(widget))
    assert warned.returncode == 0
    assert 'unknown field "spec.junk"' in warned.stderr
    applied = kubectl.run("apply", "--server-side", "-f", "-", stdin=to_yaml(widget))
    assert applied.returncode == 1
    assert ".spec.junk: field not declared in schema" in applied.stderr


def test_changing_a_crd_schema_changes_pruning(kube: KubeTarget, group: str) -> None:
    crd = widget_crd(group)
    _establish(kube, crd)
    client = kube.dynamic_client()
    client.resources.invalidate_cache()
    widgets = client.resources.get(api_version=f"{group}/v1", kind="Widget")
    body = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"color": "red"},
    }
    assert "color" not in widgets.create(body=body, namespace=kube.namespace).spec
    for version in crd["spec"]["versions"]:
        version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["color"] = {
            "type": "string"
        }
    _establish(kube, crd)
    body["metadata"]["name"] = "w2"
    created = widgets.create(body=body, namespace=kube.namespace)
    assert created.spec.color == "red"
