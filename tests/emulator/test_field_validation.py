"""Fields a built-in kind does not declare: dropped, warned about or refused, like the apiserver."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import deployment, status_message, to_yaml


def _typo(namespace: str) -> dict[str, Any]:
    body = deployment("web", namespace)
    body["spec"]["replica"] = 3
    body["spec"]["template"]["spec"]["containers"][0]["imagee"] = "oops"
    return body


def test_undeclared_fields_are_dropped_without_strict_validation(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    created = deployments.create(body=_typo(kube.namespace), namespace=kube.namespace).to_dict()
    assert "replica" not in created["spec"]
    assert "imagee" not in created["spec"]["template"]["spec"]["containers"][0]


def test_strict_validation_refuses_with_every_unknown_field(kube: KubeTarget) -> None:
    client = kube.dynamic_client()  # its create() has no fieldValidation argument
    path = f"/apis/apps/v1/namespaces/{kube.namespace}/deployments"
    with pytest.raises(ApiException) as err:
        client.request(
            "POST", path, body=_typo(kube.namespace), query_params=[("fieldValidation", "Strict")]
        )
    assert err.value.status == 400
    message = status_message(err.value)
    assert message.startswith(
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:'
    )
    assert 'unknown field "spec.replica"' in message
    assert 'unknown field "spec.template.spec.containers[0].imagee"' in message


def test_server_side_apply_of_an_undeclared_field_fails(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    with pytest.raises(ApiException) as err:
        deployments.server_side_apply(
            body=_typo(kube.namespace), namespace=kube.namespace, field_manager="t"
        )
    assert err.value.status == 500
    assert ".spec.replica: field not declared in schema" in status_message(err.value)


def test_kubectl_strict_by_default_and_warn_on_request(kube: KubeTarget, kubectl: Kubectl) -> None:
    manifest = to_yaml(_typo(kube.namespace))
    refused = kubectl.run("create", "-f", "-", stdin=manifest)
    assert refused.returncode == 1
    assert 'strict decoding error: unknown field "spec.replica"' in refused.stderr
    warned = kubectl.run("create", "--validate=warn", "-f", "-", stdin=manifest)
    assert warned.returncode == 0
    assert 'unknown field "spec.replica"' in warned.stderr
