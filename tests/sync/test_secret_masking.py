"""Secret values never appear in a diff or an error; keys and the fact of a change do."""

import base64

from gitops_vela.model.objects import ObjectRef
from gitops_vela.sync.diff import render_diff

PASSWORD = "hunter2-very-secret"
NEW_PASSWORD = "correct-horse-battery"


def _secret(**data: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db",
            "namespace": "shop",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": f'{{"data":"{PASSWORD}"}}'
            },
        },
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


REF = ObjectRef("", "Secret", "shop", "db")


def test_a_changed_value_is_marked_but_never_shown() -> None:
    text = render_diff(
        REF, _secret(password=PASSWORD, user="app"), _secret(password=NEW_PASSWORD, user="app")
    )
    assert "password: '*** (changed)'" in text
    assert "user: '***'" in text and "+  user" not in text  # unchanged keys do not show as changed
    for value in (PASSWORD, NEW_PASSWORD, "app"):
        assert value not in text
        assert base64.b64encode(value.encode()).decode() not in text


def test_a_new_secret_and_an_added_key_show_keys_only() -> None:
    created = render_diff(REF, None, _secret(token=PASSWORD))
    assert "token: '***'" in created and PASSWORD not in created
    added = render_diff(REF, _secret(a="x-value"), _secret(a="x-value", b=NEW_PASSWORD))
    assert "+  b: '***'" in added and NEW_PASSWORD not in added


def test_string_data_is_masked_too() -> None:
    desired = _secret()
    desired["stringData"] = {"password": PASSWORD}
    text = render_diff(REF, None, desired)
    assert PASSWORD not in text and "password: '***'" in text
