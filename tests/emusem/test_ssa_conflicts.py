"""Server-side apply conflicts: detection, the apiserver's wording, forced transfer."""

from __future__ import annotations

import pytest
from vela_emulator.managedfields import ApplyConflict, record_update, server_side_apply

from .conftest import configmap, deployment, managers

T1, T2, T3 = "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:03Z"


def test_changing_a_field_another_applier_owns_conflicts() -> None:
    live = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(live, configmap({"a": "2"}), manager="two", force=False, now=T2)
    assert str(caught.value) == 'Apply failed with 1 conflict: conflict with "one": .data.a'
    assert caught.value.conflicts == [(".data.a", "one")]
    assert caught.value.causes == [
        {"type": "FieldManagerConflict", "message": 'conflict with "one"', "field": ".data.a"}
    ]


def test_conflict_with_an_update_manager_names_its_api_version() -> None:
    live = record_update(None, configmap({"key": "v"}), manager="kubectl-client-side-apply", now=T1)
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(live, configmap({"key": "w"}), manager="kubectl", force=False, now=T2)
    assert str(caught.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key'
    )


def test_several_conflicts_are_grouped_by_sorted_manager() -> None:
    live = server_side_apply(
        None, configmap({"a": "1", "b": "1"}), manager="zed", force=False, now=T1
    )
    live = server_side_apply(live, configmap({"c": "1"}), manager="amy", force=False, now=T2)
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(
            live, configmap({"a": "2", "b": "2", "c": "2"}), manager="me", force=False, now=T3
        )
    assert str(caught.value) == (
        'Apply failed with 3 conflicts: conflicts with "amy":\n- .data.c\n'
        'conflicts with "zed":\n- .data.a\n- .data.b'
    )


def test_a_conflicting_apply_changes_nothing() -> None:
    live = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    snapshot = repr(live)
    with pytest.raises(ApplyConflict):
        server_side_apply(live, configmap({"a": "2"}), manager="two", force=False, now=T2)
    assert repr(live) == snapshot


def test_force_moves_ownership_to_the_applier() -> None:
    live = server_side_apply(
        None, configmap({"a": "1", "b": "1"}), manager="one", force=False, now=T1
    )
    forced = server_side_apply(live, configmap({"a": "2"}), manager="two", force=True, now=T2)
    assert forced["data"] == {"a": "2", "b": "1"}
    owners = managers(forced)
    assert owners["one"]["fieldsV1"] == {"f:data": {"f:b": {}}}
    assert owners["two"]["fieldsV1"] == {"f:data": {"f:a": {}}}


def test_force_takes_every_field_so_the_loser_entry_disappears() -> None:
    live = server_side_apply(None, configmap({"a": "1"}), manager="one", force=False, now=T1)
    forced = server_side_apply(live, configmap({"a": "2"}), manager="two", force=True, now=T2)
    assert set(managers(forced)) == {"two"}


def test_conflict_path_inside_a_keyed_list() -> None:
    app = {"name": "app", "image": "nginx:1"}
    live = server_side_apply(None, deployment(app), manager="one", force=False, now=T1)
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(
            live,
            deployment({"name": "app", "image": "nginx:2"}),
            manager="two",
            force=False,
            now=T2,
        )
    assert caught.value.conflicts == [('.spec.template.spec.containers[name="app"].image', "one")]


def test_replicas_conflict_with_a_scale_update() -> None:
    live = server_side_apply(
        None, deployment({"name": "a", "image": "i"}, replicas=1), manager="ci", force=False, now=T1
    )
    scaled = dict(live, spec=dict(live["spec"], replicas=3))
    live = record_update(live, scaled, manager="kubectl", now=T2)
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(
            live,
            deployment({"name": "a", "image": "i"}, replicas=1),
            manager="ci",
            force=False,
            now=T3,
        )
    assert (
        str(caught.value)
        == 'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas'
    )


def test_conflict_with_a_scale_subresource_update_names_the_subresource() -> None:
    live = server_side_apply(
        None, deployment({"name": "a", "image": "i"}, replicas=1), manager="ci", force=False, now=T1
    )
    scaled = dict(live, spec=dict(live["spec"], replicas=3))
    live = record_update(live, scaled, manager="kubectl", now=T2, subresource="scale")
    assert managers(live)["kubectl"]["subresource"] == "scale"
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(
            live,
            deployment({"name": "a", "image": "i"}, replicas=1),
            manager="ci",
            force=False,
            now=T3,
        )
    assert str(caught.value) == (
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas'
    )
