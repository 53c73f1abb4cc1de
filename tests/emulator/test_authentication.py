"""Authentication's API: ``kubectl create token`` (TokenRequest), TokenReview and
``kubectl auth whoami`` (SelfSubjectReview), through kubectl's protobuf bodies too."""

from __future__ import annotations

import base64
import json
from typing import Any

from kubernetes import client
from vela_emulator.pytest_plugin import Kubectl, KubeTarget


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _review(kube: KubeTarget, token: str) -> Any:
    body = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": token},
    }
    api = client.AuthenticationV1Api(client.ApiClient(kube.client_configuration()))
    return api.create_token_review(body)


def test_create_token_issues_a_service_account_jwt(kube: KubeTarget, kubectl: Kubectl) -> None:
    kubectl("create", "serviceaccount", "bot", "-n", kube.namespace)
    token = kubectl("create", "token", "bot", "-n", kube.namespace, "--duration=1h").strip()
    assert token.count(".") == 2
    claims = _claims(token)
    assert claims["sub"] == f"system:serviceaccount:{kube.namespace}:bot"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["kubernetes.io"]["serviceaccount"]["name"] == "bot"
    review = _review(kube, token)
    assert review.status.authenticated is True
    assert review.status.user.username == f"system:serviceaccount:{kube.namespace}:bot"
    assert f"system:serviceaccounts:{kube.namespace}" in review.status.user.groups


def test_token_request_is_validated(kube: KubeTarget, kubectl: Kubectl) -> None:
    kubectl("create", "serviceaccount", "bot", "-n", kube.namespace)
    short = kubectl.run("create", "token", "bot", "-n", kube.namespace, "--duration=5m")
    assert short.returncode == 1
    assert (
        'TokenRequest.authentication.k8s.io "bot" is invalid: spec.expirationSeconds: '
        "Invalid value: 300: may not specify a duration less than 10 minutes"
    ) in short.stderr
    missing = kubectl.run("create", "token", "nobody", "-n", kube.namespace)
    assert missing.returncode == 1 and 'serviceaccounts "nobody" not found' in missing.stderr


def test_a_token_nobody_issued_is_not_authenticated(kube: KubeTarget) -> None:
    review = _review(kube, "not-a-token")
    assert not review.status.authenticated and review.status.error


def test_whoami_answers_the_caller(kube: KubeTarget, kubectl: Kubectl) -> None:
    review = json.loads(kubectl("auth", "whoami", "-o", "json"))
    assert review["kind"] == "SelfSubjectReview"
    user = review["status"]["userInfo"]
    assert "system:authenticated" in user["groups"]
    if kube.emulator is not None:  # the admin of a kind cluster
        assert user["username"] == "kubernetes-admin"
        table = kubectl("auth", "whoami").split()
        assert table[:4] == ["ATTRIBUTE", "VALUE", "Username", "kubernetes-admin"]


def test_whoami_answers_the_impersonated_user(kube: KubeTarget, kubectl: Kubectl) -> None:
    sa = f"system:serviceaccount:{kube.namespace}:bot"
    review = json.loads(kubectl("auth", "whoami", "-o", "json", f"--as={sa}"))
    user = review["status"]["userInfo"]
    assert user["username"] == sa
    assert f"system:serviceaccounts:{kube.namespace}" in user["groups"]


def test_a_requested_token_acts_as_its_service_account(kube: KubeTarget, kubectl: Kubectl) -> None:
    """RBAC holds for a TokenRequest's token: it may what its ServiceAccount may, no more.
    (The Python client: kubectl sends no bearer token to a plain-HTTP server.)"""
    kubectl("create", "serviceaccount", "bot", "-n", kube.namespace)
    kubectl(
        "create", "role", "reader", "--verb=list", "--resource=configmaps", "-n", kube.namespace
    )
    kubectl(
        "create",
        "rolebinding",
        "bot-reads",
        "--role=reader",
        f"--serviceaccount={kube.namespace}:bot",
        "-n",
        kube.namespace,
    )
    token = kubectl("create", "token", "bot", "-n", kube.namespace).strip()
    config = client.Configuration()
    config.host = kube.client_configuration().host  # only the address: no admin credentials
    config.api_key = {"authorization": f"Bearer {token}"}
    core = client.CoreV1Api(client.ApiClient(config))
    core.list_namespaced_config_map(kube.namespace)
    body = {"metadata": {"name": "x"}}
    try:
        core.create_namespaced_config_map(kube.namespace, body)
    except client.ApiException as denied:
        assert denied.status == 403
        assert (
            f'User "system:serviceaccount:{kube.namespace}:bot" cannot create resource "configmaps"'
        ) in json.loads(denied.body)["message"]
    else:
        raise AssertionError("a reader's token created a ConfigMap")
