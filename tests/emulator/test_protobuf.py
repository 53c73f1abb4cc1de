"""The protobuf bodies kubectl's typed clients send are read like their JSON equivalents."""

from __future__ import annotations

import base64

import pytest
from vela_emulator import protobuf
from vela_emulator.pytest_plugin import Kubectl


def _field(number: int, payload: bytes) -> bytes:
    return bytes([(number << 3) | 2, len(payload)]) + payload


def _envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _field(1, api_version.encode()) + _field(2, kind.encode())
    return protobuf.MAGIC + _field(1, type_meta) + _field(2, raw)


def test_configmap_with_labels_and_data() -> None:
    meta = _field(1, b"cfg") + _field(3, b"") + _field(11, _field(1, b"app") + _field(2, b"web"))
    raw = _field(1, meta) + _field(2, _field(1, b"k") + _field(2, b"v"))
    obj = protobuf.decode(_envelope("v1", "ConfigMap", raw))
    assert obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "labels": {"app": "web"}},
        "data": {"k": "v"},
    }


def test_secret_bytes_become_base64() -> None:
    raw = (
        _field(1, _field(1, b"s"))
        + _field(2, _field(1, b"p") + _field(2, b"pw"))
        + _field(3, b"Opaque")
    )
    obj = protobuf.decode(_envelope("v1", "Secret", raw))
    assert obj["data"] == {"p": base64.b64encode(b"pw").decode()}
    assert obj["type"] == "Opaque"


def test_unsupported_kind_is_refused() -> None:
    with pytest.raises(protobuf.ProtobufError, match="NetworkPolicy"):
        protobuf.decode(_envelope("networking.k8s.io/v1", "NetworkPolicy", b""))
    with pytest.raises(protobuf.ProtobufError, match="magic"):
        protobuf.decode(b"{}")


def test_a_negative_int32_is_negative(kubectl: Kubectl) -> None:
    """``kubectl create deployment --replicas=-1`` sends -1 as a 10-byte varint: the
    apiserver refuses it by its value (422), not as an unreadable number."""
    result = kubectl.run("create", "deployment", "bad", "--image=nginx", "--replicas=-1")
    assert result.returncode == 1
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in result.stderr
