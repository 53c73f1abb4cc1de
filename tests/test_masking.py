"""Secret masking and server-field stripping (``model.masking``), shared by sync and review."""

import base64
from typing import Any

from gitops_vela.model.masking import (
    CHANGED,
    MASK,
    mask,
    mask_pair,
    redact,
    secret_values,
    strip_server_fields,
)

PASSWORD = "hunter2-very-secret"


def deployment(replicas: int, name: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"replicas": replicas},
    }


def secret(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "shop"},
        "data": dict(data),
    }


def test_mask_pair_and_inputs_untouched() -> None:
    before = secret(a="1", b="2")
    after = {**secret(a="1", b="3"), "stringData": {"c": "plain"}}
    masked_before, masked_after = mask_pair(before, after)
    assert masked_before is not None and masked_after is not None
    assert masked_before["data"] == {"a": MASK, "b": MASK}
    assert masked_after["data"] == {"a": MASK, "b": CHANGED}
    assert masked_after["stringData"] == {"c": MASK}
    assert before["data"] == {"a": "1", "b": "2"}
    assert mask(deployment(1)) == deployment(1)


def test_string_data_compares_with_data_as_the_server_stores_it() -> None:
    live = secret(token="c2VjcmV0")  # base64("secret")
    desired = {**secret(), "stringData": {"token": "secret"}}
    desired.pop("data")
    assert mask_pair(live, desired)[1] == {**desired, "stringData": {"token": MASK}}
    changed = {**desired, "stringData": {"token": "other"}}
    assert mask_pair(live, changed)[1] == {**desired, "stringData": {"token": CHANGED}}


def test_secret_values_are_redacted_from_text_in_both_forms() -> None:
    values = secret_values([secret(password="czNjcjN0"), deployment(1), None])
    assert (
        redact("apply failed: password s3cr3t (czNjcjN0)", values)
        == "apply failed: password *** (***)"
    )


def test_last_applied_annotation_of_a_secret_is_masked() -> None:
    live = secret(a="1")
    live["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"a":"1"}}'
    }
    masked = mask(live)
    assert masked["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/last-applied-configuration": MASK
    }


def test_strip_server_fields() -> None:
    live = deployment(1)
    live["metadata"].update(resourceVersion="7", uid="u", managedFields=[{}], annotations={})
    live["metadata"].update(deletionTimestamp="2026-01-01T00:00:00Z", deletionGracePeriodSeconds=0)
    live["status"] = {"readyReplicas": 1}
    assert strip_server_fields(live) == deployment(1)
    assert live["status"] == {"readyReplicas": 1}


def test_strip_server_fields_drops_kubectls_last_applied_copy_only() -> None:
    live = deployment(1)
    live["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"spec":{"replicas":1}}',
        "team": "shop",
    }
    assert strip_server_fields(live)["metadata"]["annotations"] == {"team": "shop"}


def test_error_text_is_redacted_in_every_form_of_the_value() -> None:
    secret_obj = secret(password=base64.b64encode(PASSWORD.encode()).decode())
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    message = f'Secret "db" is invalid: data[password]: Invalid value: "{PASSWORD}" ({encoded})'
    clean = redact(message, secret_values([secret_obj]))
    assert PASSWORD not in clean and encoded not in clean and "data[password]" in clean
