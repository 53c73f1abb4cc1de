"""Updates (create, PUT, PATCH) take ownership of the fields they change."""

from __future__ import annotations

from vela_emulator.managedfields import record_update, server_side_apply

from .conftest import configmap, deployment, managers

T1, T2, T3 = "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"


def test_create_records_an_update_entry_with_new_maps_marked() -> None:
    obj = record_update(None, configmap({"a": "1"}), manager="kubectl-create", now=T1)
    (entry,) = obj["metadata"]["managedFields"]
    assert entry["operation"] == "Update"
    assert entry["apiVersion"] == "v1"
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:a": {}}}


def test_create_of_a_deployment_marks_only_pointer_structs() -> None:
    obj = record_update(
        None, deployment({"name": "a", "image": "i"}), manager="kubectl-create", now=T1
    )
    spec = managers(obj)["kubectl-create"]["fieldsV1"]["f:spec"]
    assert "." not in spec and "." not in spec["f:template"]["f:spec"]["f:containers"]
    assert spec["f:template"]["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    assert spec["f:selector"] == {}


def test_an_update_takes_changed_fields_from_an_applier() -> None:
    live = server_side_apply(
        None, configmap({"a": "1", "b": "1"}), manager="ci", force=False, now=T1
    )
    edited = record_update(
        live,
        configmap({"a": "2", "b": "1"}, managedFields=live["metadata"]["managedFields"]),
        manager="kubectl-edit",
        now=T2,
    )
    owners = managers(edited)
    assert owners["ci"]["fieldsV1"] == {"f:data": {"f:b": {}}}
    assert owners["kubectl-edit"]["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert owners["kubectl-edit"]["time"] == T2


def test_removed_fields_leave_every_manager() -> None:
    live = server_side_apply(
        None, configmap({"a": "1", "b": "1"}), manager="ci", force=False, now=T1
    )
    edited = record_update(live, configmap({"a": "1"}), manager="kubectl-edit", now=T2)
    assert managers(edited)["ci"]["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert "kubectl-edit" not in managers(edited)


def test_an_update_that_changes_nothing_adds_no_entry() -> None:
    live = record_update(None, configmap({"a": "1"}), manager="one", now=T1)
    same = record_update(live, configmap({"a": "1"}), manager="two", now=T2)
    assert set(managers(same)) == {"one"}
    assert managers(same)["one"]["time"] == T1


def test_repeated_updates_accumulate_in_one_entry() -> None:
    live = record_update(None, configmap({"a": "1"}), manager="one", now=T1)
    more = record_update(live, configmap({"a": "1", "b": "2"}), manager="one", now=T2)
    (entry,) = more["metadata"]["managedFields"]
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:a": {}, "f:b": {}}}
    assert entry["time"] == T2


def test_an_empty_managed_fields_list_in_the_request_resets_them() -> None:
    live = record_update(None, configmap({"a": "1"}), manager="one", now=T1)
    reset = record_update(live, configmap({"a": "1"}, managedFields=[]), manager="two", now=T2)
    assert "managedFields" not in reset["metadata"]


def test_managed_fields_sent_by_a_client_are_taken() -> None:
    live = record_update(None, configmap({"a": "1"}), manager="one", now=T1)
    sent = [dict(live["metadata"]["managedFields"][0], manager="renamed")]
    updated = record_update(live, configmap({"a": "1"}, managedFields=sent), manager="two", now=T2)
    assert set(managers(updated)) == {"renamed"}


def test_a_status_update_is_recorded_under_the_subresource() -> None:
    live = record_update(None, deployment({"name": "a", "image": "i"}), manager="create", now=T1)
    new = dict(live, status={"replicas": 1})
    updated = record_update(
        live, new, manager="kube-controller-manager", now=T2, subresource="status"
    )
    entry = managers(updated)["kube-controller-manager"]
    assert entry["subresource"] == "status"
    assert entry["fieldsV1"] == {"f:status": {"f:replicas": {}}}  # status is a Go struct: no "."


def test_update_entries_of_different_api_versions_are_separate() -> None:
    live = record_update(None, configmap({"a": "1"}), manager="m", now=T1)
    other = dict(configmap({"a": "1", "b": "2"}), apiVersion="v2")
    updated = record_update(live, other, manager="m", now=T2)
    assert sorted(e["apiVersion"] for e in updated["metadata"]["managedFields"]) == ["v1", "v2"]


def test_apply_after_update_removes_only_what_the_applier_owned() -> None:
    live = record_update(None, configmap({"kept": "1"}), manager="kubectl-create", now=T1)
    live = server_side_apply(
        live, configmap({"kept": "1", "mine": "2"}), manager="ci", force=False, now=T2
    )
    after = server_side_apply(live, configmap(), manager="ci", force=False, now=T3)
    assert after["data"] == {"kept": "1"}
