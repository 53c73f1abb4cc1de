"""A main-resource apply never changes status; a status-subresource apply changes only status."""

from __future__ import annotations

from vela_emulator.managedfields import server_side_apply

from .conftest import deployment, managers

T1, T2 = "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"


def live_with_status() -> dict:  # type: ignore[type-arg]
    obj = server_side_apply(
        None, deployment({"name": "a", "image": "i"}), manager="ci", force=False, now=T1
    )
    obj["status"] = {"replicas": 1}
    return obj


def test_main_apply_ignores_status_in_the_configuration() -> None:
    applied = deployment({"name": "a", "image": "i"})
    applied["status"] = {"replicas": 5}
    obj = server_side_apply(live_with_status(), applied, manager="ci", force=False, now=T2)
    assert obj["status"] == {"replicas": 1}
    assert "f:status" not in managers(obj)["ci"]["fieldsV1"]


def test_status_subresource_apply_changes_only_status() -> None:
    applied = deployment({"name": "a", "image": "changed"}, replicas=9)
    applied["status"] = {"replicas": 3}
    obj = server_side_apply(
        live_with_status(), applied, manager="ctrl", force=False, now=T2, subresource="status"
    )
    assert obj["status"] == {"replicas": 3}
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "i"
    entry = managers(obj)["ctrl"]
    assert entry["subresource"] == "status"
    assert entry["fieldsV1"] == {"f:status": {"f:replicas": {}}}


def test_the_same_manager_on_main_and_status_has_two_entries() -> None:
    live = live_with_status()
    applied = deployment({"name": "a", "image": "i"})
    applied["status"] = {"replicas": 2}
    obj = server_side_apply(live, applied, manager="ci", force=False, now=T2, subresource="status")
    entries = [(e["manager"], e.get("subresource", "")) for e in obj["metadata"]["managedFields"]]
    assert sorted(entries) == [("ci", ""), ("ci", "status")]


def test_without_a_status_subresource_status_is_applied_like_spec() -> None:
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "status": {"ok": True},
    }
    obj = server_side_apply(None, widget, manager="one", force=False, now=T1, reset_status=False)
    assert obj["status"] == {"ok": True}
    assert managers(obj)["one"]["fieldsV1"] == {"f:status": {".": {}, "f:ok": {}}}
