"""Server-side apply: create, re-apply, removal of dropped fields, shared ownership."""

from __future__ import annotations

from vela_emulator.managedfields import server_side_apply

from .conftest import configmap, managers

T1, T2, T3 = "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"


def test_apply_creates_and_owns_exactly_what_was_sent() -> None:
    obj = server_side_apply(
        None, configmap({"a": "1"}, labels={"x": "y"}), manager="kubectl", force=False, now=T1
    )
    assert obj["data"] == {"a": "1"}
    (entry,) = obj["metadata"]["managedFields"]
    assert entry == {
        "manager": "kubectl",
        "operation": "Apply",
        "apiVersion": "v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {"f:a": {}}, "f:metadata": {"f:labels": {"f:x": {}}}},
    }


def test_reapply_without_a_key_removes_it() -> None:
    first = server_side_apply(
        None, configmap({"a": "1", "b": "2"}), manager="kubectl", force=False, now=T1
    )
    second = server_side_apply(first, configmap({"a": "1"}), manager="kubectl", force=False, now=T2)
    assert second["data"] == {"a": "1"}
    assert managers(second)["kubectl"]["fieldsV1"] == {"f:data": {"f:a": {}}}


def test_reapply_without_any_data_drops_the_emptied_map() -> None:
    first = server_side_apply(None, configmap({"a": "1"}), manager="kubectl", force=False, now=T1)
    second = server_side_apply(first, configmap(), manager="kubectl", force=False, now=T2)
    assert "data" not in second
    assert "managedFields" not in second["metadata"]


def test_dropped_field_stays_when_another_manager_owns_it() -> None:
    first = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    shared = server_side_apply(first, configmap({"a": "1"}), manager="two", force=False, now=T2)
    after = server_side_apply(shared, configmap(), manager="one", force=False, now=T3)
    assert after["data"] == {"a": "1"}
    assert set(managers(after)) == {"two"}


def test_equal_value_is_shared_ownership_not_a_conflict() -> None:
    first = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    shared = server_side_apply(
        first, configmap({"a": "1", "b": "2"}), manager="two", force=False, now=T2
    )
    owners = managers(shared)
    assert owners["one"]["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert owners["two"]["fieldsV1"] == {"f:data": {"f:a": {}, "f:b": {}}}


def test_fields_of_other_managers_are_kept_on_apply() -> None:
    first = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    second = server_side_apply(first, configmap({"b": "2"}), manager="two", force=False, now=T2)
    assert second["data"] == {"a": "1", "b": "2"}


def test_noop_reapply_keeps_the_entry_time() -> None:
    first = server_side_apply(None, configmap({"a": "1"}), manager="kubectl", force=False, now=T1)
    again = server_side_apply(first, configmap({"a": "1"}), manager="kubectl", force=False, now=T2)
    assert managers(again)["kubectl"]["time"] == T1
    assert again["data"] == first["data"]


def test_identity_fields_are_never_owned() -> None:
    obj = server_side_apply(None, configmap({"a": "1"}), manager="kubectl", force=False, now=T1)
    fields = managers(obj)["kubectl"]["fieldsV1"]
    assert "f:apiVersion" not in fields and "f:kind" not in fields
    assert "f:metadata" not in fields


def test_inputs_are_not_modified() -> None:
    live = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    snapshot = repr(live)
    applied = configmap({"b": "2"})
    server_side_apply(live, applied, manager="two", force=False, now=T2)
    assert repr(live) == snapshot
    assert applied == configmap({"b": "2"})


def test_entries_are_ordered_like_the_apiserver() -> None:
    obj = server_side_apply(None, configmap({"a": "1"}), manager="zeta", force=False, now=T2)
    obj = server_side_apply(obj, configmap({"b": "1"}), manager="alpha", force=False, now=T1)
    assert [e["manager"] for e in obj["metadata"]["managedFields"]] == ["alpha", "zeta"]


def test_an_empty_struct_field_owns_nothing() -> None:
    # toFieldSetWalker: a struct field is owned only through its leaves.
    obj = server_side_apply(None, configmap({}), manager="one", force=False, now=T1)
    assert obj["data"] == {}
    assert "managedFields" not in obj["metadata"]


def test_keys_of_untyped_maps_are_members() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    widget["spec"] = {"empty": {}, "nested": {"a": 1}}
    obj = server_side_apply(None, widget, manager="one", force=False, now=T1)
    assert managers(obj)["one"]["fieldsV1"] == {
        "f:spec": {".": {}, "f:empty": {}, "f:nested": {".": {}, "f:a": {}}}
    }
