"""Lists: the label-selector grammar, field selectors, cluster-wide lists, limit/continue paging."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, status_message

LABELS = {
    "a": {"tier": "web", "env": "prod"},
    "b": {"tier": "db", "env": "prod"},
    "c": {"tier": "cache"},
    "d": {"env": "dev", "size": "3"},
}


@pytest.fixture
def labelled(kube: KubeTarget) -> KubeTarget:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    for name, labels in LABELS.items():
        cms.create(body=configmap(name, kube.namespace, {}, labels), namespace=kube.namespace)
    return kube


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", {"a"}),
        ("tier==web", {"a"}),
        ("tier!=web", {"b", "c", "d"}),
        ("tier in (web,db)", {"a", "b"}),
        ("tier notin (web,db)", {"c", "d"}),
        ("env", {"a", "b", "d"}),
        ("!env", {"c"}),
        ("env=prod,tier!=db", {"a"}),
        ("size>2", {"d"}),
        ("size<2", set()),
        ("", {"a", "b", "c", "d"}),
    ],
)
def test_label_selector_grammar(labelled: KubeTarget, selector: str, expected: set[str]) -> None:
    cms = labelled.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    items = cms.get(namespace=labelled.namespace, label_selector=selector).items
    assert {i.metadata.name for i in items} - {"kube-root-ca.crt"} == expected


def test_bad_selector_is_400(labelled: KubeTarget) -> None:
    cms = labelled.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(ApiException) as err:
        cms.get(namespace=labelled.namespace, label_selector="tier in (a")
    assert err.value.status == 400
    assert "unable to parse requirement" in status_message(err.value)


def test_field_selectors_on_name_and_namespace(labelled: KubeTarget) -> None:
    cms = labelled.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    by_name = cms.get(namespace=labelled.namespace, field_selector="metadata.name=b").items
    assert [i.metadata.name for i in by_name] == ["b"]
    cluster = cms.get(
        field_selector=f"metadata.namespace={labelled.namespace},metadata.name!=a"
    ).items
    assert {i.metadata.name for i in cluster} - {"kube-root-ca.crt"} == {"b", "c", "d"}


def test_unsupported_field_selector_is_400(labelled: KubeTarget) -> None:
    cms = labelled.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(ApiException) as err:
        cms.get(namespace=labelled.namespace, field_selector="data.x=1")
    assert err.value.status == 400
    assert "field label not supported: data.x" in status_message(err.value)


def test_list_kind_and_resource_version(labelled: KubeTarget) -> None:
    cms = labelled.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    listed = cms.get(namespace=labelled.namespace)
    assert listed.kind == "ConfigMapList"
    assert int(listed.metadata.resourceVersion) > 0


def test_limit_and_continue_page_through_everything(labelled: KubeTarget) -> None:
    cms = labelled.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    names, token, pages = [], None, 0
    while True:
        page = cms.get(
            namespace=labelled.namespace, label_selector="tier", limit=2, _continue=token
        )
        names += [i.metadata.name for i in page.items]
        pages += 1
        token = page.metadata["continue"]
        if not token:
            break
        assert page.metadata.remainingItemCount >= 1
    assert names == ["a", "b", "c"]
    assert pages == 2


def test_kubectl_selectors_and_chunked_list(labelled: KubeTarget, kubectl: Kubectl) -> None:
    ns = labelled.namespace
    out = kubectl("get", "cm", "-n", ns, "-l", "tier in (web,db)", "-o", "name")
    assert out.split() == ["configmap/a", "configmap/b"]
    listed = json.loads(kubectl("get", "cm", "-n", ns, "-l", "env", "--chunk-size=1", "-o", "json"))
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a", "b", "d"]
    table = kubectl("get", "cm", "-A", "-l", "tier=cache")
    assert ns in table and " c " in table


def test_cluster_wide_paging_keeps_namespace_order(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    namespaces = kube.dynamic_client().resources.get(api_version="v1", kind="Namespace")
    other = f"{kube.namespace}-x"  # sorts after kube.namespace as a string, before it as a tuple
    namespaces.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other}})
    try:
        for ns in (kube.namespace, other):
            for name in ("p1", "p2"):
                cms.create(body=configmap(name, ns, {}, {"page": "me"}), namespace=ns)
        seen, token = [], None
        while True:
            page = cms.get(label_selector="page=me", limit=1, _continue=token)
            seen += [(i.metadata.namespace, i.metadata.name) for i in page.items]
            token = page.metadata["continue"]
            if not token:
                break
        assert sorted(seen) == sorted(
            (ns, n) for ns in (kube.namespace, other) for n in ("p1", "p2")
        )
        assert len(seen) == 4
    finally:
        namespaces.delete(name=other)


def test_bad_limit_is_400(kube: KubeTarget) -> None:
    client = kube.dynamic_client()
    with pytest.raises(ApiException) as err:
        client.request(
            "GET",
            f"/api/v1/namespaces/{kube.namespace}/configmaps",
            query_params=[("limit", "abc")],
        )
    assert err.value.status == 400


def test_kubectl_sort_by_uses_whole_objects_from_the_table(
    labelled: KubeTarget, kubectl: Kubectl
) -> None:
    out = kubectl(
        "get",
        "cm",
        "-n",
        labelled.namespace,
        "-l",
        "tier",
        "--sort-by=.metadata.name",
        "-o",
        "name",
    )
    assert out.split() == ["configmap/a", "configmap/b", "configmap/c"]
    table = kubectl("get", "cm", "-n", labelled.namespace, "-l", "tier", "--sort-by=.metadata.name")
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["a", "b", "c"]
