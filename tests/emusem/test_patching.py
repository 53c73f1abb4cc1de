"""Merge patch (RFC 7386), strategic merge patch, JSON patch (RFC 6902)."""

from __future__ import annotations

import pytest
from vela_emulator.patching import PatchError, json_patch, merge_patch, strategic_merge_patch

from .conftest import configmap, deployment


def containers(obj: dict) -> list[dict]:  # type: ignore[type-arg]
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


# ----------------------------------------------------------------- merge patch


def test_merge_patch_sets_and_deletes_labels_like_kubectl_label() -> None:
    obj = configmap({"a": "1"}, labels={"old": "x", "keep": "y"})
    patched = merge_patch(obj, {"metadata": {"labels": {"old": None, "new": "z"}}})
    assert patched["metadata"]["labels"] == {"keep": "y", "new": "z"}
    assert obj["metadata"]["labels"] == {"old": "x", "keep": "y"}  # input untouched


def test_merge_patch_replaces_lists() -> None:
    obj = deployment({"name": "a", "image": "i"}, {"name": "b", "image": "j"})
    patched = merge_patch(obj, {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}})
    assert containers(patched) == [{"name": "c"}]


def test_merge_patch_scale() -> None:
    patched = merge_patch(deployment({"name": "a"}, replicas=1), {"spec": {"replicas": 4}})
    assert patched["spec"]["replicas"] == 4


def test_merge_patch_must_be_an_object() -> None:
    with pytest.raises(PatchError):
        merge_patch(configmap(), [1])  # type: ignore[arg-type]


# -------------------------------------------------------- strategic merge patch


def test_strategic_patch_merges_containers_by_name() -> None:
    obj = deployment({"name": "a", "image": "i"}, {"name": "b", "image": "j"})
    patched = strategic_merge_patch(
        obj, {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "k"}]}}}}
    )
    assert containers(patched) == [{"name": "a", "image": "i"}, {"name": "b", "image": "k"}]


def test_strategic_patch_appends_new_items_after_the_last_patched_one() -> None:
    obj = deployment({"name": "a"}, {"name": "b"}, {"name": "c"})
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "x"}, {"name": "d"}]}}}
    }
    assert [c["name"] for c in containers(strategic_merge_patch(obj, patch))] == [
        "a",
        "b",
        "d",
        "c",
    ]


def test_strategic_patch_merges_ports_by_container_port_and_env_by_name() -> None:
    obj = deployment(
        {"name": "a", "ports": [{"containerPort": 80}], "env": [{"name": "X", "value": "1"}]}
    )
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "a",
                            "ports": [{"containerPort": 80, "name": "http"}],
                            "env": [{"name": "Y", "value": "2"}],
                        }
                    ]
                }
            }
        }
    }
    (container,) = containers(strategic_merge_patch(obj, patch))
    assert container["ports"] == [{"containerPort": 80, "name": "http"}]
    # apimachinery's mergeSortedSlice puts a patch item the server does not know first.
    assert container["env"] == [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}]


def test_strategic_patch_replaces_lists_without_merge_strategy() -> None:
    obj = deployment({"name": "a", "args": ["x", "y"]})
    patched = strategic_merge_patch(
        obj, {"spec": {"template": {"spec": {"containers": [{"name": "a", "args": ["z"]}]}}}}
    )
    assert containers(patched)[0]["args"] == ["z"]


def test_strategic_patch_delete_directive_removes_an_item() -> None:
    obj = deployment({"name": "a"}, {"name": "b"})
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}}}
    assert [c["name"] for c in containers(strategic_merge_patch(obj, patch))] == ["b"]


def test_strategic_patch_replace_directive_in_a_list() -> None:
    obj = deployment({"name": "a"}, {"name": "b"})
    patch = {"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "c"}]}}}}
    assert containers(strategic_merge_patch(obj, patch)) == [{"name": "c"}]


def test_strategic_patch_replace_and_delete_directives_on_maps() -> None:
    obj = configmap({"a": "1", "b": "2"}, labels={"x": "y"})
    assert strategic_merge_patch(obj, {"data": {"$patch": "replace", "c": "3"}})["data"] == {
        "c": "3"
    }
    assert "data" not in strategic_merge_patch(obj, {"data": {"$patch": "delete"}})


def test_strategic_patch_retain_keys() -> None:
    obj = deployment({"name": "a"})
    obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert strategic_merge_patch(obj, patch)["spec"]["strategy"] == {"type": "Recreate"}


def test_strategic_patch_finalizers_merge_and_delete_from_primitive_list() -> None:
    obj = configmap(finalizers=["a", "b"])
    merged = strategic_merge_patch(obj, {"metadata": {"finalizers": ["c"]}})
    assert merged["metadata"]["finalizers"] == ["c", "a", "b"]
    deleted = strategic_merge_patch(
        obj, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    )
    assert deleted["metadata"]["finalizers"] == ["b"]


def test_strategic_patch_set_element_order() -> None:
    obj = deployment({"name": "a"}, {"name": "b"})
    patch = {
        "spec": {
            "template": {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}
        }
    }
    assert [c["name"] for c in containers(strategic_merge_patch(obj, patch))] == ["b", "a"]


def test_strategic_patch_null_deletes_a_key() -> None:
    obj = configmap({"a": "1", "b": "2"})
    assert strategic_merge_patch(obj, {"data": {"a": None}})["data"] == {"b": "2"}


def test_strategic_patch_item_without_merge_key_is_an_error() -> None:
    obj = deployment({"name": "a"})
    with pytest.raises(PatchError, match="does not contain declared merge key: name"):
        strategic_merge_patch(
            obj, {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}
        )


def test_strategic_patch_unknown_directive_is_an_error() -> None:
    with pytest.raises(PatchError, match="unknown \\$patch directive"):
        strategic_merge_patch(configmap({"a": "1"}), {"data": {"$patch": "explode"}})


# ------------------------------------------------------------------ JSON patch


def test_json_patch_operations() -> None:
    obj = configmap({"a": "1"}, labels={"x/y": "1"})
    patched = json_patch(
        obj,
        [
            {"op": "add", "path": "/data/b", "value": "2"},
            {"op": "replace", "path": "/data/a", "value": "3"},
            {"op": "remove", "path": "/metadata/labels/x~1y"},
            {"op": "copy", "from": "/data/b", "path": "/data/c"},
            {"op": "move", "from": "/data/c", "path": "/data/d"},
            {"op": "test", "path": "/data/d", "value": "2"},
        ],
    )
    assert patched["data"] == {"a": "3", "b": "2", "d": "2"}
    assert patched["metadata"]["labels"] == {}
    assert obj["data"] == {"a": "1"}


def test_json_patch_list_positions() -> None:
    obj = deployment({"name": "a"})
    ops = [
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "c"}},
        {"op": "add", "path": "/spec/template/spec/containers/1", "value": {"name": "b"}},
    ]
    assert [c["name"] for c in containers(json_patch(obj, ops))] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (
            [{"op": "replace", "path": "/data/missing", "value": 1}],
            'replace operation does not apply: doc is missing path: "/data/missing": missing value',
        ),
        ([{"op": "remove", "path": "/nothing/here"}], "doc is missing path"),
        (
            [{"op": "test", "path": "/data/a", "value": "2"}],
            "testing value /data/a failed: test failed",
        ),
        ([{"op": "test", "path": "/spec/replicas", "value": True}], "doc is missing path"),
        ([{"op": "jump", "path": "/data"}], "unknown op"),
        ([{"op": "add", "path": "data/a", "value": 1}], "must start with '/'"),
        ([{"op": "add", "path": "/data/a"}], "missing 'value'"),
        ([{"path": "/data"}], "must be an object with an 'op'"),
    ],
)
def test_json_patch_errors(ops: list, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(PatchError, match=message):
        json_patch(configmap({"a": "1"}), ops)


def test_json_patch_test_distinguishes_booleans_from_numbers() -> None:
    obj = deployment({"name": "a"}, replicas=1)
    with pytest.raises(PatchError, match="test failed"):
        json_patch(obj, [{"op": "test", "path": "/spec/replicas", "value": True}])
    json_patch(obj, [{"op": "test", "path": "/spec/replicas", "value": 1.0}])


def test_json_patch_index_out_of_range() -> None:
    with pytest.raises(PatchError, match="out of range"):
        json_patch(
            deployment({"name": "a"}),
            [{"op": "remove", "path": "/spec/template/spec/containers/3"}],
        )


def test_json_patch_is_all_or_nothing() -> None:
    obj = configmap({"a": "1"})
    with pytest.raises(PatchError):
        json_patch(
            obj,
            [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/zz"}],
        )
    assert obj["data"] == {"a": "1"}
