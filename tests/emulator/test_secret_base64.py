"""Secret ``data`` must be base64: every write path refuses other text with a 400, like the apiserver."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from vela_emulator.bytefields import corrupt_offset
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import status_message, to_yaml

_REFUSED = (
    'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4'
)


def _secret(namespace: str, value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": namespace},
        "data": {"password": value},
    }


def _refused(err: pytest.ExceptionInfo[ApiException]) -> str:
    assert err.value.status == 400
    return status_message(err.value)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("aGVsbG8=", None),
        ("aGVs\nbG8=", None),
        ("", None),
        ("billy", 4),  # a lone trailing character
        ("bil", 0),  # padding is required
        ("$abc", 0),
        ("aGVsbA=", 7),  # "==" due, input ends
        ("aGVsbA=x", 6),
        ("aGVsbG8=aGVs", 8),  # data after the padding
    ],
)
def test_offsets_follow_gos_std_encoding(text: str, offset: int | None) -> None:
    assert corrupt_offset(text) == offset


def test_every_client_write_path_refuses_plain_text(kube: KubeTarget) -> None:
    core = client.CoreV1Api(client.ApiClient(kube.client_configuration()))
    ns = kube.namespace
    for dry_run in ("All", None):
        with pytest.raises(ApiException) as err:
            core.create_namespaced_secret(ns, _secret(ns, "hunter"), dry_run=dry_run)
        assert _refused(err) == _REFUSED
    core.create_namespaced_secret(ns, _secret(ns, "aHVudGVy"))
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_secret("db", ns, _secret(ns, "hunter"))
    assert _refused(err) == _REFUSED
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_secret("db", ns, {"data": {"password": "hunter"}})
    assert _refused(err) == _REFUSED
    secrets = kube.dynamic_client().resources.get(api_version="v1", kind="Secret")
    with pytest.raises(ApiException) as err:
        secrets.server_side_apply(body=_secret(ns, "hunter"), namespace=ns, field_manager="t")
    assert _refused(err) == _REFUSED
    live = core.read_namespaced_secret("db", ns)
    assert live.data == {"password": "aHVudGVy"}  # nothing refused was stored


def test_kubectl_apply_refuses_plain_text(kubectl: Kubectl, kube: KubeTarget) -> None:
    manifest = to_yaml(_secret(kube.namespace, "hunter"))
    for mode in ((), ("--server-side",), ("--dry-run=server",)):
        done = kubectl.run("apply", *mode, "-f", "-", stdin=manifest)
        assert done.returncode != 0
        assert _REFUSED in done.stderr
    good = to_yaml(_secret(kube.namespace, "aHVudGVy"))
    assert "created" in kubectl("apply", "-f", "-", stdin=good)
