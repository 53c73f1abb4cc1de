"""Server-side apply over lists: associative lists by key, sets, atomic lists, CRD schemas."""

from __future__ import annotations

import pytest
from vela_emulator.managedfields import (
    ApplyInvalid,
    ListKeys,
    field_path_str,
    fields_of,
    server_side_apply,
)

from .conftest import deployment, managers

T1, T2 = "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"


def containers(obj: dict) -> list[dict]:  # type: ignore[type-arg]
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def test_containers_merge_by_name_across_managers() -> None:
    live = server_side_apply(
        None, deployment({"name": "app", "image": "a"}), manager="one", force=False, now=T1
    )
    both = server_side_apply(
        live, deployment({"name": "side", "image": "s"}), manager="two", force=False, now=T2
    )
    assert [c["name"] for c in containers(both)] == ["app", "side"]


def test_container_items_are_owned_with_a_dot_and_keyed_path() -> None:
    obj = server_side_apply(
        None, deployment({"name": "app", "image": "a"}), manager="one", force=False, now=T1
    )
    fields = managers(obj)["one"]["fieldsV1"]
    item = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert item == {".": {}, "f:image": {}, "f:name": {}}
    assert fields["f:spec"]["f:selector"] == {}  # a label selector is atomic


def test_container_port_key_includes_the_default_protocol() -> None:
    app = {"name": "app", "image": "a", "ports": [{"containerPort": 80}]}
    obj = server_side_apply(None, deployment(app), manager="one", force=False, now=T1)
    item = managers(obj)["one"]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"][
        'k:{"name":"app"}'
    ]
    assert item["f:ports"] == {
        'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}
    }


def test_a_dropped_container_is_removed() -> None:
    two = deployment({"name": "app", "image": "a"}, {"name": "side", "image": "s"})
    live = server_side_apply(None, two, manager="one", force=False, now=T1)
    after = server_side_apply(
        live, deployment({"name": "app", "image": "a"}), manager="one", force=False, now=T2
    )
    assert [c["name"] for c in containers(after)] == ["app"]


def test_env_merges_by_name_inside_a_container() -> None:
    live = server_side_apply(
        None,
        deployment({"name": "app", "image": "a", "env": [{"name": "A", "value": "1"}]}),
        manager="one",
        force=False,
        now=T1,
    )
    merged = server_side_apply(
        live,
        deployment({"name": "app", "env": [{"name": "B", "value": "2"}]}),
        manager="two",
        force=False,
        now=T2,
    )
    assert containers(merged)[0]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "2"},
    ]


def test_args_are_atomic_and_replaced_whole() -> None:
    live = server_side_apply(
        None,
        deployment({"name": "app", "image": "a", "args": ["x", "y"]}),
        manager="one",
        force=False,
        now=T1,
    )
    after = server_side_apply(
        live,
        deployment({"name": "app", "image": "a", "args": ["z"]}),
        manager="one",
        force=False,
        now=T2,
    )
    assert containers(after)[0]["args"] == ["z"]
    item = managers(after)["one"]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"][
        'k:{"name":"app"}'
    ]
    assert item["f:args"] == {}


def test_tolerations_are_atomic_so_a_second_manager_conflicts() -> None:
    first = deployment({"name": "app", "image": "a"})
    first["spec"]["template"]["spec"]["tolerations"] = [{"key": "a", "operator": "Exists"}]
    live = server_side_apply(None, first, manager="one", force=False, now=T1)
    second = deployment({"name": "app", "image": "a"})
    second["spec"]["template"]["spec"]["tolerations"] = [{"key": "b", "operator": "Exists"}]
    forced = server_side_apply(live, second, manager="two", force=True, now=T2)
    assert forced["spec"]["template"]["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]


def test_finalizers_are_a_set_with_value_paths() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["a/b"]},
    }
    paths = fields_of(obj)
    assert ("f:metadata", "f:finalizers", 'v:"a/b"') in paths
    assert (
        field_path_str(("f:metadata", "f:finalizers", 'v:"a/b"')) == '.metadata.finalizers[="a/b"]'
    )


def test_finalizers_from_two_managers_are_unioned() -> None:
    def cm(finalizer: str) -> dict:  # type: ignore[type-arg]
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "c", "finalizers": [finalizer]},
        }

    live = server_side_apply(None, cm("x"), manager="one", force=False, now=T1)
    both = server_side_apply(live, cm("y"), manager="two", force=False, now=T2)
    assert both["metadata"]["finalizers"] == ["x", "y"]


def test_service_ports_merge_by_port_and_protocol() -> None:
    def svc(*ports: dict) -> dict:  # type: ignore[type-arg]
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s"},
            "spec": {"ports": list(ports)},
        }

    live = server_side_apply(
        None, svc({"port": 80, "name": "http"}), manager="one", force=False, now=T1
    )
    both = server_side_apply(
        live, svc({"port": 443, "name": "https"}), manager="two", force=False, now=T2
    )
    assert [p["port"] for p in both["spec"]["ports"]] == [80, 443]


def test_an_item_without_its_key_is_refused() -> None:
    with pytest.raises(ApplyInvalid, match='omits key field "name"'):
        server_side_apply(None, deployment({"image": "a"}), manager="one", force=False, now=T1)


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ApplyInvalid, match="duplicate entries"):
        server_side_apply(
            None, deployment({"name": "a"}, {"name": "a"}), manager="one", force=False, now=T1
        )


def test_managed_fields_in_the_configuration_are_refused() -> None:
    applied = deployment({"name": "a"})
    applied["metadata"]["managedFields"] = [{"manager": "x"}]
    with pytest.raises(ApplyInvalid, match=r"metadata\.managedFields must be nil"):
        server_side_apply(None, applied, manager="one", force=False, now=T1)


CRD_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "routes": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["host"],
                    "items": {"type": "object", "properties": {"host": {"type": "string"}}},
                },
                "tags": {
                    "type": "array",
                    "x-kubernetes-list-type": "set",
                    "items": {"type": "string"},
                },
                "args": {"type": "array", "items": {"type": "string"}},
                "selector": {"type": "object", "x-kubernetes-map-type": "atomic"},
            },
        }
    },
}


def widget(**spec: object) -> dict:  # type: ignore[type-arg]
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": spec,
    }


def test_crd_list_map_keys_merge_items() -> None:
    keys = ListKeys.from_openapi_schema(CRD_SCHEMA)
    live = server_side_apply(
        None,
        widget(routes=[{"host": "a", "port": 1}]),
        manager="one",
        force=False,
        now=T1,
        list_keys=keys,
    )
    both = server_side_apply(
        live, widget(routes=[{"host": "b"}]), manager="two", force=False, now=T2, list_keys=keys
    )
    assert both["spec"]["routes"] == [{"host": "a", "port": 1}, {"host": "b"}]
    assert 'k:{"host":"b"}' in managers(both)["two"]["fieldsV1"]["f:spec"]["f:routes"]


def test_crd_sets_and_atomic_lists_and_maps() -> None:
    keys = ListKeys.from_openapi_schema(CRD_SCHEMA)
    obj = widget(tags=["x"], args=["a"], selector={"k": "v"})
    paths = {field_path_str(p) for p in fields_of(obj, keys)}
    assert {'.spec.tags[="x"]', ".spec.args", ".spec.selector"} <= paths
    live = server_side_apply(None, obj, manager="one", force=False, now=T1, list_keys=keys)
    both = server_side_apply(
        live, widget(tags=["y"]), manager="two", force=False, now=T2, list_keys=keys
    )
    assert both["spec"]["tags"] == ["x", "y"]


def test_lists_of_an_unknown_kind_are_atomic() -> None:
    obj = widget(routes=[{"host": "a"}])
    assert ("f:spec", "f:routes") in fields_of(obj)


def test_a_crd_reusing_a_builtin_kind_name_is_not_typed_as_the_builtin() -> None:
    foreign = {"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    foreign["spec"] = {"template": {"spec": {"containers": [{"name": "a"}]}}}
    assert ("f:spec", "f:template", "f:spec", "f:containers") in fields_of(foreign)


def test_schema_properties_are_struct_fields_and_unknown_keys_members() -> None:
    keys = ListKeys.from_openapi_schema(CRD_SCHEMA)
    obj = server_side_apply(
        None, widget(args=["a"]), manager="one", force=False, now=T1, list_keys=keys
    )
    assert managers(obj)["one"]["fieldsV1"] == {"f:spec": {"f:args": {}}}


def test_dropping_an_untyped_subtree_removes_it_whole() -> None:
    live = server_side_apply(
        None, widget(nested={"a": 1, "b": {"c": 2}}, kept=1), manager="one", force=False, now=T1
    )
    after = server_side_apply(live, widget(kept=1), manager="one", force=False, now=T2)
    assert after["spec"] == {"kept": 1}


def test_merged_list_order_follows_the_configuration_for_shared_items() -> None:
    three = deployment({"name": "a"}, {"name": "c"}, {"name": "b"})
    live = server_side_apply(None, three, manager="one", force=False, now=T1)
    merged = server_side_apply(
        live, deployment({"name": "b"}, {"name": "a"}), manager="two", force=False, now=T2
    )
    assert [c["name"] for c in containers(merged)] == ["c", "b", "a"]
    appended = server_side_apply(
        live, deployment({"name": "b"}, {"name": "d"}), manager="two", force=False, now=T2
    )
    assert [c["name"] for c in containers(appended)] == ["a", "c", "b", "d"]


def test_builtin_list_keys_by_kind_alone_or_with_the_api_version() -> None:
    deploy = deployment({"name": "a", "image": "i"})
    path = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"a"}')
    assert path in fields_of(deploy, ListKeys.builtin("Deployment"))
    assert path in fields_of(deploy, ListKeys.builtin("Deployment", "apps/v1"))
    assert path not in fields_of(deploy, ListKeys.builtin("Deployment", "example.com/v1"))
