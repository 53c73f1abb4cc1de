"""Invalid built-in objects are refused with the apiserver's codes, messages and causes.

Types come from the Kubernetes OpenAPI (400 from decoding, Go's wording), value
rules from the apiserver's validation code (422 Invalid with field paths). Each
case is checked through the path a client takes and then against what is live:
nothing invalid is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, deployment, own, status_message, to_yaml

Obj = dict[str, Any]
_QUANTITY_REGEX = "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',"
    "  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def _deploy(change: Callable[[Obj], None]) -> Callable[[str], Obj]:
    def build(namespace: str) -> Obj:
        body = deployment("web", namespace)
        change(body)
        return body

    return build


def _container(body: Obj) -> Obj:
    container: Obj = body["spec"]["template"]["spec"]["containers"][0]
    return container


def _service(spec: Obj) -> Callable[[str], Obj]:
    def build(namespace: str) -> Obj:
        meta = {"name": "web", "namespace": namespace}
        return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}

    return build


def _cm(data: Any = None, **meta: Any) -> Callable[[str], Obj]:
    def build(namespace: str) -> Obj:
        body = configmap("web", namespace, data if data is not None else {})
        body["metadata"].update(meta)
        return body

    return build


def _pod(restart_policy: str) -> Callable[[str], Obj]:
    def build(namespace: str) -> Obj:
        spec = {"restartPolicy": restart_policy, "containers": [{"name": "a", "image": "busybox"}]}
        meta = {"name": "web", "namespace": namespace}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}

    return build


def _job(restart_policy: str | None) -> Callable[[str], Obj]:
    def build(namespace: str) -> Obj:
        pod: Obj = {"containers": [{"name": "a", "image": "busybox"}]}
        if restart_policy:
            pod["restartPolicy"] = restart_policy
        meta = {"name": "web", "namespace": namespace}
        spec = {"template": {"spec": pod}}
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec}

    return build


_DEPLOY_400 = 'Deployment in version "v1" cannot be handled as a Deployment: '
_DEPLOY_422 = 'Deployment.apps "web" is invalid: '
_C0 = "spec.template.spec.containers[0]"

# (id, body, code, message, cause field, cause reason)
CASES: list[tuple[str, Callable[[str], Obj], int, str, str, str]] = [
    (
        "replicas-string",
        _deploy(lambda d: d["spec"].update(replicas="two")),
        400,
        _DEPLOY_400 + "json: cannot unmarshal string into Go struct field "
        "DeploymentSpec.spec.replicas of type int32",
        "",
        "",
    ),
    (
        "replicas-negative",
        _deploy(lambda d: d["spec"].update(replicas=-1)),
        422,
        _DEPLOY_422 + "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        "spec.replicas",
        "FieldValueInvalid",
    ),
    (
        "container-port-range",
        _deploy(lambda d: _container(d).update(ports=[{"containerPort": 70000}])),
        422,
        _DEPLOY_422 + f"{_C0}.ports[0].containerPort: Invalid value: 70000: "
        "must be between 1 and 65535, inclusive",
        f"{_C0}.ports[0].containerPort",
        "FieldValueInvalid",
    ),
    (
        "container-port-string",
        _deploy(lambda d: _container(d).update(ports=[{"containerPort": "80"}])),
        400,
        _DEPLOY_400 + "json: cannot unmarshal string into Go struct field "
        "ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
        "",
        "",
    ),
    (
        "image-pull-policy",
        _deploy(lambda d: _container(d).update(imagePullPolicy="Sometimes")),
        422,
        _DEPLOY_422 + f'{_C0}.imagePullPolicy: Unsupported value: "Sometimes": '
        'supported values: "Always", "IfNotPresent", "Never"',
        f"{_C0}.imagePullPolicy",
        "FieldValueNotSupported",
    ),
    (
        "quantity-unparsable",
        _deploy(lambda d: _container(d).update(resources={"requests": {"cpu": "lots"}})),
        400,
        _DEPLOY_400 + f"quantities must match the regular expression {_QUANTITY_REGEX}",
        "",
        "",
    ),
    (
        "requests-above-limits",
        _deploy(
            lambda d: _container(d).update(
                resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
            )
        ),
        422,
        _DEPLOY_422 + f'{_C0}.resources.requests: Invalid value: "2": '
        "must be less than or equal to cpu limit of 1",
        f"{_C0}.resources.requests",
        "FieldValueInvalid",
    ),
    (
        "duplicate-container-names",
        _deploy(
            lambda d: d["spec"]["template"]["spec"]["containers"].append(
                {"name": "web", "image": "busybox"}
            )
        ),
        422,
        _DEPLOY_422 + 'spec.template.spec.containers[1].name: Duplicate value: "web"',
        "spec.template.spec.containers[1].name",
        "FieldValueDuplicate",
    ),
    (
        "deployment-restart-never",
        _deploy(lambda d: d["spec"]["template"]["spec"].update(restartPolicy="Never")),
        422,
        _DEPLOY_422 + 'spec.template.spec.restartPolicy: Unsupported value: "Never": '
        'supported values: "Always"',
        "spec.template.spec.restartPolicy",
        "FieldValueNotSupported",
    ),
    (
        "container-name",
        _deploy(lambda d: _container(d).update(name="Web_1")),
        422,
        _DEPLOY_422 + f'{_C0}.name: Invalid value: "Web_1": a lowercase RFC 1123 label must '
        "consist of lower case alphanumeric characters or '-', and must start and end with an "
        "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        f"{_C0}.name",
        "FieldValueInvalid",
    ),
    (
        "paused-string",
        _deploy(lambda d: d["spec"].update(paused="yes")),
        400,
        _DEPLOY_400 + "json: cannot unmarshal string into Go struct field "
        "DeploymentSpec.spec.paused of type bool",
        "",
        "",
    ),
    (
        "volume-mount-without-volume",
        _deploy(lambda d: _container(d).update(volumeMounts=[{"name": "data", "mountPath": "/d"}])),
        422,
        _DEPLOY_422 + f'{_C0}.volumeMounts[0].name: Not found: "data"',
        f"{_C0}.volumeMounts[0].name",
        "FieldValueNotFound",
    ),
    (
        "duplicate-volume-names",
        _deploy(
            lambda d: d["spec"]["template"]["spec"].update(
                volumes=[{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]
            )
        ),
        422,
        _DEPLOY_422 + 'spec.template.spec.volumes[1].name: Duplicate value: "v"',
        "spec.template.spec.volumes[1].name",
        "FieldValueDuplicate",
    ),
    (
        "recreate-with-rolling-update",
        _deploy(
            lambda d: d["spec"].update(
                strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}
            )
        ),
        422,
        _DEPLOY_422 + "spec.strategy.rollingUpdate: Forbidden: may not be specified when "
        "strategy `type` is 'Recreate'",
        "spec.strategy.rollingUpdate",
        "FieldValueForbidden",
    ),
    (
        "rolling-update-that-cannot-move",
        _deploy(
            lambda d: d["spec"].update(
                strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}
            )
        ),
        422,
        _DEPLOY_422 + "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: "
        "may not be 0 when `maxSurge` is 0",
        "spec.strategy.rollingUpdate.maxUnavailable",
        "FieldValueInvalid",
    ),
    (
        "hpa-max-below-min",
        lambda ns: {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 5,
                "maxReplicas": 3,
            },
        },
        422,
        'HorizontalPodAutoscaler.autoscaling "web" is invalid: spec.maxReplicas: Invalid value: '
        "3: must be greater than or equal to `minReplicas`",
        "spec.maxReplicas",
        "FieldValueInvalid",
    ),
    (
        "env-name-with-equals",
        _deploy(lambda d: _container(d).update(env=[{"name": "A=B", "value": "x"}])),
        422,
        _DEPLOY_422 + f'{_C0}.env[0].name: Invalid value: "A=B": a valid environment variable '
        "name must consist only of printable ASCII characters other than '='",
        f"{_C0}.env[0].name",
        "FieldValueInvalid",
    ),
    (
        "env-value-and-value-from",
        _deploy(
            lambda d: _container(d).update(
                env=[
                    {
                        "name": "A",
                        "value": "x",
                        "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                    }
                ]
            )
        ),
        422,
        _DEPLOY_422 + f'{_C0}.env[0].valueFrom: Invalid value: "": may not be specified when '
        "`value` is not empty",
        f"{_C0}.env[0].valueFrom",
        "FieldValueInvalid",
    ),
    (
        "service-type",
        _service({"type": "Magic", "ports": [{"port": 80}]}),
        422,
        'Service "web" is invalid: spec.type: Unsupported value: "Magic": '
        'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        "spec.type",
        "FieldValueNotSupported",
    ),
    (
        "service-port-range",
        _service({"ports": [{"port": 70000}]}),
        422,
        'Service "web" is invalid: spec.ports[0].port: Invalid value: 70000: '
        "must be between 1 and 65535, inclusive",
        "spec.ports[0].port",
        "FieldValueInvalid",
    ),
    (
        "label-value",
        _cm(labels={"tier": "bad value!"}),
        422,
        f'ConfigMap "web" is invalid: metadata.labels: Invalid value: "bad value!": '
        f"{_LABEL_VALUE_RULE}",
        "metadata.labels",
        "FieldValueInvalid",
    ),
    (
        "label-key",
        _cm(labels={"a/b/c": "x"}),
        422,
        'ConfigMap "web" is invalid: metadata.labels: Invalid value: "a/b/c": a qualified name '
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
        "subdomain prefix and '/' (e.g. 'example.com/MyName')",
        "metadata.labels",
        "FieldValueInvalid",
    ),
    (
        "configmap-key",
        _cm({"bad key": "x"}),
        422,
        'ConfigMap "web" is invalid: data[bad key]: Invalid value: "bad key": a valid config key '
        "must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
        "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        "data[bad key]",
        "FieldValueInvalid",
    ),
    (
        "configmap-value-number",
        _cm({"replicas": 3}),
        400,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "number into Go struct field ConfigMap.data of type string",
        "",
        "",
    ),
    (
        "annotations-too-large",
        _cm(annotations={"big": "x" * 300_000}),
        422,
        'ConfigMap "web" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
        "metadata.annotations",
        "FieldValueTooLong",
    ),
    (
        "pod-restart-policy",
        _pod("Sometimes"),
        422,
        'Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": '
        'supported values: "Always", "OnFailure", "Never"',
        "spec.restartPolicy",
        "FieldValueNotSupported",
    ),
    (
        "job-restart-always",
        _job(None),
        422,
        'Job.batch "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: '
        '"Always": supported values: "OnFailure", "Never"',
        "spec.template.spec.restartPolicy",
        "FieldValueNotSupported",
    ),
]


def _path(body: Obj, namespace: str) -> str:
    api = body["apiVersion"]
    base = f"/api/{api}" if "/" not in api else f"/apis/{api}"
    return f"{base}/namespaces/{namespace}/{body['kind'].lower()}s"


@pytest.mark.parametrize(
    ("build", "code", "message", "field", "reason"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_invalid_object_is_refused_and_not_stored(
    kube: KubeTarget, build: Callable[[str], Obj], code: int, message: str, field: str, reason: str
) -> None:
    client = kube.dynamic_client()
    body = build(kube.namespace)
    with pytest.raises(ApiException) as err:
        client.request("POST", _path(body, kube.namespace), body=body)
    assert err.value.status == code
    status = json.loads(str(err.value.body))
    assert status["message"] == message
    assert status["reason"] == ("Invalid" if code == 422 else "BadRequest")
    if code == 422:
        causes = status["details"]["causes"]
        assert causes[0]["field"] == field and causes[0]["reason"] == reason
        assert message.endswith(causes[0]["message"])
    resource = client.resources.get(api_version=body["apiVersion"], kind=body["kind"])
    assert not own(resource.get(namespace=kube.namespace).items)


def test_invalid_status_body_has_the_apiserver_field_order(kube: KubeTarget) -> None:
    body = deployment("web", kube.namespace, replicas=-1)
    with pytest.raises(ApiException) as err:
        kube.dynamic_client().request("POST", _path(body, kube.namespace), body=body)
    assert list(json.loads(str(err.value.body))) == [
        "kind",
        "apiVersion",
        "metadata",
        "status",
        "message",
        "reason",
        "details",
        "code",
    ]
    details = json.loads(str(err.value.body))["details"]
    assert list(details) == ["name", "group", "kind", "causes"]
    assert list(details["causes"][0]) == ["reason", "message", "field"]


def test_every_error_is_reported_together(kube: KubeTarget) -> None:
    body = deployment("web", kube.namespace, replicas=-1)
    _container(body)["imagePullPolicy"] = "Sometimes"
    with pytest.raises(ApiException) as err:
        kube.dynamic_client().request("POST", _path(body, kube.namespace), body=body)
    message = status_message(err.value)
    assert message.startswith(_DEPLOY_422 + "[spec.replicas: Invalid value: -1:")
    assert f'{_C0}.imagePullPolicy: Unsupported value: "Sometimes"' in message
    assert len(json.loads(str(err.value.body))["details"]["causes"]) == 2


def test_valid_objects_with_the_same_fields_are_stored(kube: KubeTarget) -> None:
    body = deployment("web", kube.namespace, replicas=0)
    container = _container(body)
    container["ports"] = [{"containerPort": 65535, "name": "http"}]
    container["resources"] = {"requests": {"cpu": "500m"}, "limits": {"cpu": 1}}
    container["imagePullPolicy"] = "Never"
    body["metadata"]["labels"] = {"example.com/tier": "front_end.1", "empty": ""}
    client = kube.dynamic_client()
    client.request("POST", _path(body, kube.namespace), body=body)
    live = client.resources.get(api_version="apps/v1", kind="Deployment").get(
        name="web", namespace=kube.namespace
    )
    assert live.spec.replicas == 0
    assert live.spec.template.spec.containers[0].resources.limits.cpu == "1"


def test_updates_are_validated_too(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    deployments.create(body=deployment("web", kube.namespace), namespace=kube.namespace)
    with pytest.raises(ApiException) as err:
        deployments.patch(
            name="web",
            namespace=kube.namespace,
            body={"spec": {"replicas": -3}},
            content_type="application/merge-patch+json",
        )
    assert err.value.status == 422
    assert "spec.replicas: Invalid value: -3" in status_message(err.value)
    live = deployments.get(name="web", namespace=kube.namespace)
    assert live.spec.replicas == 1


def test_server_side_apply_of_a_wrongly_typed_scalar_fails_the_typed_patch(
    kube: KubeTarget,
) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("web", kube.namespace)
    body["spec"]["replicas"] = "two"
    with pytest.raises(ApiException) as err:
        deployments.server_side_apply(body=body, namespace=kube.namespace, field_manager="t")
    assert err.value.status == 500
    assert status_message(err.value) == (
        f"failed to create typed patch object ({kube.namespace}/web; apps/v1, Kind=Deployment): "
        ".spec.replicas: expected numeric (int or float), got string"
    )
    assert not deployments.get(namespace=kube.namespace).items


def test_server_side_apply_of_an_invalid_value_is_422(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("web", kube.namespace)
    _container(body)["ports"] = [{"containerPort": 70000}]
    with pytest.raises(ApiException) as err:
        deployments.server_side_apply(body=body, namespace=kube.namespace, field_manager="t")
    assert err.value.status == 422
    assert "containers[0].ports[0].containerPort: Invalid value: 70000" in status_message(err.value)


def test_changing_to_recreate_by_apply_keeps_the_defaulted_rolling_update(
    kube: KubeTarget,
) -> None:
    """As on a cluster: the defaulted rollingUpdate has no owner, so it stays and is refused."""
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("web", kube.namespace)
    deployments.server_side_apply(body=body, namespace=kube.namespace, field_manager="t")
    body["spec"]["strategy"] = {"type": "Recreate"}
    with pytest.raises(ApiException) as err:
        deployments.server_side_apply(body=body, namespace=kube.namespace, field_manager="t")
    assert err.value.status == 422
    assert "spec.strategy.rollingUpdate: Forbidden" in status_message(err.value)
    body["spec"]["strategy"] = {"type": "Recreate", "rollingUpdate": None}
    deployments.server_side_apply(body=body, namespace=kube.namespace, field_manager="t")
    live = deployments.get(name="web", namespace=kube.namespace).to_dict()
    assert live["spec"]["strategy"] == {"type": "Recreate"}


def test_kubectl_shows_the_apiserver_messages(kube: KubeTarget, kubectl: Kubectl) -> None:
    body = deployment("web", kube.namespace, replicas=-1)
    refused = kubectl.run("apply", "-f", "-", stdin=to_yaml(body))
    assert refused.returncode == 1
    assert (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    ) in refused.stderr
    typed = deployment("web", kube.namespace)
    typed["spec"]["replicas"] = "two"
    refused = kubectl.run("create", "--validate=false", "-f", "-", stdin=to_yaml(typed))
    assert "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas" in (
        refused.stderr
    )
    assert kubectl.run("get", "deployments", "-o", "name").stdout == ""
