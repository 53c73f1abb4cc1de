"""Custom resources are checked against their CRD: schema rules, pruning, defaults, CEL rules.

Material: the real MySQL InnoDBCluster and Flagger Canary CRDs (tests/testdata/crds) and
the InnoDBCluster its project ships as a sample; a small CRD for transition rules.
Every refusal is checked against what is live afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client.exceptions import ApiException
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.test_crds import _establish

TESTDATA = Path(__file__).parent.parent / "testdata"
Obj = dict[str, Any]


def _crds(filename: str) -> list[Obj]:
    return [d for d in yaml.safe_load_all((TESTDATA / "crds" / filename).read_text()) if d]


@pytest.fixture
def clusters(emulator: Emulator) -> Any:
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    _establish(target, _crds("mysql.oracle.com_crds.yaml")[0])
    return target.dynamic_client().resources.get(
        api_version="mysql.oracle.com/v2", kind="InnoDBCluster"
    )


def _sample() -> Obj:
    sample: Obj = yaml.safe_load((TESTDATA / "samples" / "mysql-innodbcluster.yaml").read_text())
    sample["metadata"]["namespace"] = "default"
    return sample


def _refusal(err: pytest.ExceptionInfo[ApiException]) -> Obj:
    assert err.value.status == 422
    status: Obj = json.loads(str(err.value.body))
    assert status["reason"] == "Invalid"
    return status


def test_the_projects_sample_is_stored_with_defaults(clusters: Any) -> None:
    created = clusters.create(body=_sample(), namespace="default").to_dict()
    assert created["spec"]["instances"] == 3
    assert created["spec"]["baseServerId"] == 1000  # the schema's default
    live = clusters.get(name="mycluster", namespace="default").to_dict()
    assert live["spec"]["router"] == {"instances": 1}


@pytest.mark.parametrize(
    ("change", "message", "field", "reason"),
    [
        (
            {"instances": 12},
            "spec.instances: Invalid value: 12: spec.instances in body should be less than "
            "or equal to 9",
            "spec.instances",
            "FieldValueInvalid",
        ),
        (
            {"instances": 0},
            "spec.instances: Invalid value: 0: spec.instances in body should be greater than "
            "or equal to 1",
            "spec.instances",
            "FieldValueInvalid",
        ),
        (
            {"instances": "three"},
            'spec.instances: Invalid value: "string": spec.instances in body must be of type '
            'integer: "string"',
            "spec.instances",
            "FieldValueTypeInvalid",
        ),
        (
            {"edition": "free"},
            'spec.edition: Invalid value: "free": spec.edition in body should match '
            "'^(community|enterprise)$'",
            "spec.edition",
            "FieldValueInvalid",
        ),
        (
            {"secretName": None},
            "spec.secretName: Required value",
            "spec.secretName",
            "FieldValueRequired",
        ),
        (
            {"tlsUseSelfSigned": "yes"},
            'spec.tlsUseSelfSigned: Invalid value: "string": spec.tlsUseSelfSigned in body must '
            'be of type boolean: "string"',
            "spec.tlsUseSelfSigned",
            "FieldValueTypeInvalid",
        ),
    ],
    ids=["maximum", "minimum", "type", "pattern", "required", "boolean"],
)
def test_schema_rules_refuse_with_the_apiextensions_wording(
    clusters: Any, change: Obj, message: str, field: str, reason: str
) -> None:
    body = _sample()
    body["spec"].update(change)
    body["spec"] = {k: v for k, v in body["spec"].items() if v is not None}
    with pytest.raises(ApiException) as err:
        clusters.create(body=body, namespace="default")
    status = _refusal(err)
    assert status["message"] == f'InnoDBCluster.mysql.oracle.com "mycluster" is invalid: {message}'
    assert status["details"]["causes"][0]["field"] == field
    assert status["details"]["causes"][0]["reason"] == reason
    assert clusters.get(namespace="default").items == []


def test_updates_are_checked_and_leave_the_stored_object(clusters: Any) -> None:
    clusters.create(body=_sample(), namespace="default")
    with pytest.raises(ApiException) as err:
        clusters.patch(
            name="mycluster",
            namespace="default",
            body={"spec": {"instances": 10}},
            content_type="application/merge-patch+json",
        )
    assert "spec.instances in body should be less than or equal to 9" in _refusal(err)["message"]
    assert clusters.get(name="mycluster", namespace="default").spec.instances == 3


def test_unknown_fields_are_pruned_where_the_schema_does_not_preserve_them(clusters: Any) -> None:
    body = _sample()
    body["spec"]["typo"] = 1
    body["spec"]["podSpec"] = {"anything": {"goes": True}}  # x-kubernetes-preserve-unknown-fields
    clusters.create(body=body, namespace="default")
    live = clusters.get(name="mycluster", namespace="default").to_dict()
    assert "typo" not in live["spec"]
    assert live["spec"]["podSpec"] == {"anything": {"goes": True}}


def test_a_root_schema_that_keeps_unknown_fields_keeps_the_whole_object(emulator: Emulator) -> None:
    """A CRD whose whole schema is ``x-kubernetes-preserve-unknown-fields`` stores the
    object as sent (metadata included), as the apiserver does."""
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    free = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    _establish(
        target,
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "things.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"kind": "Thing", "plural": "things"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {"openAPIV3Schema": free},
                    }
                ],
            },
        },
    )
    things = target.dynamic_client().resources.get(api_version="example.com/v1", kind="Thing")
    body = {
        "apiVersion": "example.com/v1",
        "kind": "Thing",
        "metadata": {"name": "a", "labels": {"tier": "1"}},
        "spec": {"anything": {"goes": [1, "two"]}},
    }
    things.create(body=body, namespace="default")
    live = things.get(name="a", namespace="default").to_dict()
    assert live["metadata"]["labels"] == {"tier": "1"}
    assert live["spec"] == {"anything": {"goes": [1, "two"]}}


@pytest.fixture
def canaries(emulator: Emulator) -> Any:
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    _establish(target, _crds("flagger.app_crds.yaml")[0])
    return target.dynamic_client().resources.get(api_version="flagger.app/v1beta1", kind="Canary")


def _canary(backend_ref: Obj) -> Obj:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "service": {"port": 80, "mirror": [{"backendRef": backend_ref}]},
            "analysis": {"interval": "1m"},
        },
    }


def test_a_real_cel_rule_refuses_with_its_message(canaries: Any) -> None:
    with pytest.raises(ApiException) as err:
        canaries.create(body=_canary({"name": "mirror"}), namespace="default")
    status = _refusal(err)
    assert status["message"] == (
        'Canary.flagger.app "web" is invalid: spec.service.mirror[0].backendRef: '
        'Invalid value: "object": Must have port for Service reference'
    )
    assert canaries.get(namespace="default").items == []
    created = canaries.create(body=_canary({"name": "mirror", "port": 8080}), namespace="default")
    assert created.spec.service.mirror[0].backendRef.kind == "Service"  # defaulted, then judged


def _replicas_crd() -> Obj:
    spec_schema = {
        "type": "object",
        "properties": {
            "replicas": {"type": "integer"},
            "maxReplicas": {"type": "integer"},
            "mode": {"type": "string", "enum": ["fast", "safe"]},
            "tags": {
                "type": "array",
                "items": {"type": "string"},
                "x-kubernetes-validations": [
                    {"rule": "self.isSorted()", "message": "tags must be sorted"},
                    {"rule": "self.all(t, t.lowerAscii() == t && t.split('/').size() <= 2)"},
                ],
            },
            "storage": {
                "type": "string",
                "x-kubernetes-validations": [
                    {"rule": "self == oldSelf", "message": "storage is immutable"}
                ],
            },
        },
        "x-kubernetes-validations": [
            {"rule": "self.replicas <= self.maxReplicas"},
            {
                "rule": "!has(self.mode) || self.mode != 'fast' || self.replicas >= 2",
                "messageExpression": "'fast mode needs 2 replicas, not ' + string(self.replicas)",
                "reason": "FieldValueForbidden",
                "fieldPath": ".mode",
            },
        ],
    }
    schema = {"type": "object", "properties": {"spec": spec_schema}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "pools.cel.example.com"},
        "spec": {
            "group": "cel.example.com",
            "scope": "Namespaced",
            "names": {"plural": "pools", "singular": "pool", "kind": "Pool"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


@pytest.fixture
def pools(emulator: Emulator) -> Any:
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    _establish(target, _replicas_crd())
    return target.dynamic_client().resources.get(api_version="cel.example.com/v1", kind="Pool")


def _pool(**spec: Any) -> Obj:
    meta = {"name": "p", "namespace": "default"}
    return {"apiVersion": "cel.example.com/v1", "kind": "Pool", "metadata": meta, "spec": spec}


def test_cel_rules_default_message_enum_and_reasons(pools: Any) -> None:
    with pytest.raises(ApiException) as err:
        pools.create(body=_pool(replicas=5, maxReplicas=3, mode="fast"), namespace="default")
    causes = _refusal(err)["details"]["causes"]
    assert causes == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "object": failed rule: self.replicas <= self.maxReplicas',
            "field": "spec",
        }
    ]
    with pytest.raises(ApiException) as err:
        pools.create(body=_pool(replicas=1, maxReplicas=3, mode="fast"), namespace="default")
    assert _refusal(err)["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: fast mode needs 2 replicas, not 1",
            "field": "spec.mode",
        }
    ]
    with pytest.raises(ApiException) as err:
        pools.create(body=_pool(replicas=1, maxReplicas=3, mode="slow"), namespace="default")
    assert _refusal(err)["details"]["causes"][0]["message"] == (
        'Unsupported value: "slow": supported values: "fast", "safe"'
    )
    assert pools.get(namespace="default").items == []


def test_cel_transition_rule_compares_with_the_stored_object(pools: Any) -> None:
    pools.create(body=_pool(replicas=1, maxReplicas=3, storage="10Gi"), namespace="default")
    pools.patch(  # oldSelf only judges changes: an unchanged value and other fields pass
        name="p",
        namespace="default",
        body={"spec": {"replicas": 2}},
        content_type="application/merge-patch+json",
    )
    with pytest.raises(ApiException) as err:
        pools.patch(
            name="p",
            namespace="default",
            body={"spec": {"storage": "20Gi"}},
            content_type="application/merge-patch+json",
        )
    assert _refusal(err)["details"]["causes"][0] == {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: "string": storage is immutable',
        "field": "spec.storage",
    }
    live = pools.get(name="p", namespace="default").spec
    assert (live.storage, live.replicas) == ("10Gi", 2)


def test_cel_evaluation_errors_name_the_rule(pools: Any) -> None:
    with pytest.raises(ApiException) as err:
        pools.create(body=_pool(replicas=1), namespace="default")
    message = _refusal(err)["details"]["causes"][0]["message"]
    assert message == (
        'Invalid value: "object": no such key: maxReplicas evaluating rule: '
        "self.replicas <= self.maxReplicas"
    )


def test_kubectl_apply_of_an_invalid_custom_resource(kube: KubeTarget, kubectl: Kubectl) -> None:
    crd = _crds("mysql.oracle.com_crds.yaml")[0]
    _establish(kube, crd)
    body = _sample()
    body["metadata"]["namespace"] = kube.namespace
    body["spec"]["instances"] = 12
    refused = kubectl.run("apply", "--server-side", "-f", "-", stdin=yaml.safe_dump(body))
    assert refused.returncode == 1
    assert (
        'The InnoDBCluster "mycluster" is invalid: spec.instances: Invalid value: 12: '
        "spec.instances in body should be less than or equal to 9"
    ) in refused.stderr
    assert kubectl.run("get", "innodbclusters", "-o", "name").stdout == ""


def test_server_side_apply_of_a_wrongly_typed_field_fails_the_typed_patch(clusters: Any) -> None:
    body = _sample()
    body["spec"]["instances"] = "three"
    with pytest.raises(ApiException) as err:
        clusters.server_side_apply(body=body, namespace="default", field_manager="t")
    assert err.value.status == 500
    assert json.loads(str(err.value.body))["message"] == (
        "failed to create typed patch object (default/mycluster; mysql.oracle.com/v2, "
        "Kind=InnoDBCluster): .spec.instances: expected numeric (int or float), got string"
    )
    body["spec"]["instances"] = 12  # well typed, out of range: the schema's 422
    with pytest.raises(ApiException) as err:
        clusters.server_side_apply(body=body, namespace="default", field_manager="t")
    assert err.value.status == 422
    assert clusters.get(namespace="default").items == []


def test_kubernetes_cel_library_functions(pools: Any) -> None:
    with pytest.raises(ApiException) as err:
        pools.create(body=_pool(replicas=1, maxReplicas=2, tags=["b", "A"]), namespace="default")
    assert [c["message"] for c in _refusal(err)["details"]["causes"]] == [
        'Invalid value: "array": tags must be sorted',
        'Invalid value: "array": failed rule: '
        "self.all(t, t.lowerAscii() == t && t.split('/').size() <= 2)",
    ]
    created = pools.create(
        body=_pool(replicas=1, maxReplicas=2, tags=["a", "b/c"]), namespace="default"
    )
    assert created.spec.tags == ["a", "b/c"]


def _endpoints_crd() -> Obj:
    """Rules over the typed-value libraries: quantity, URL, IP and CIDR."""
    spec_schema = {
        "type": "object",
        "properties": {
            "memory": {
                "type": "string",
                "x-kubernetes-validations": [
                    {"rule": "isQuantity(self)", "message": "memory must be a quantity"},
                    {
                        "rule": "!isQuantity(self) || quantity(self).isLessThan(quantity('4Gi'))",
                        "message": "memory must be below 4Gi",
                    },
                ],
            },
            "endpoint": {
                "type": "string",
                "x-kubernetes-validations": [
                    {
                        "rule": "isURL(self) && url(self).getScheme() == 'https'",
                        "messageExpression": "'endpoint must be an https URL, not ' + self",
                    }
                ],
            },
            "address": {"type": "string"},
            "range": {
                "type": "string",
                "x-kubernetes-validations": [
                    {"rule": "isCIDR(self) && cidr(self).prefixLength() >= 16"}
                ],
            },
        },
        "x-kubernetes-validations": [
            {
                "rule": "!has(self.address) || cidr(self.range).containsIP(self.address)",
                "message": "address must lie in range",
            }
        ],
    }
    crd = _replicas_crd()
    crd["metadata"]["name"] = "endpoints.cel.example.com"
    crd["spec"]["names"] = {"plural": "endpoints", "singular": "endpoint", "kind": "Endpoint"}
    crd["spec"]["versions"][0]["schema"] = {
        "openAPIV3Schema": {"type": "object", "properties": {"spec": spec_schema}}
    }
    return crd


def test_cel_quantity_url_and_ip_libraries(emulator: Emulator) -> None:
    target = KubeTarget("emulator", emulator.kubeconfig_path, "default", emulator)
    _establish(target, _endpoints_crd())
    endpoints = target.dynamic_client().resources.get(
        api_version="cel.example.com/v1", kind="Endpoint"
    )

    def body(**spec: Any) -> Obj:
        meta = {"name": "e", "namespace": "default"}
        return {
            "apiVersion": "cel.example.com/v1",
            "kind": "Endpoint",
            "metadata": meta,
            "spec": spec,
        }

    with pytest.raises(ApiException) as err:
        endpoints.create(
            body=body(
                memory="8Gi", endpoint="http://x.example", range="10.0.0.0/8", address="10.1.1.1"
            ),
            namespace="default",
        )
    assert [c["message"] for c in _refusal(err)["details"]["causes"]] == [
        'Invalid value: "string": memory must be below 4Gi',
        'Invalid value: "string": endpoint must be an https URL, not http://x.example',
        'Invalid value: "string": failed rule: isCIDR(self) && cidr(self).prefixLength() >= 16',
    ]
    with pytest.raises(ApiException) as err:
        endpoints.create(
            body=body(memory="lots", range="10.1.0.0/16", address="10.2.0.1"), namespace="default"
        )
    assert [c["message"] for c in _refusal(err)["details"]["causes"]] == [
        'Invalid value: "object": address must lie in range',  # the object's rules come first
        'Invalid value: "string": memory must be a quantity',
    ]
    created = endpoints.create(
        body=body(
            memory="3584Mi",
            endpoint="https://api.example:8443/v1",
            range="10.1.0.0/16",
            address="10.1.2.3",
        ),
        namespace="default",
    )
    assert created.spec.memory == "3584Mi"
