"""Field paths and managedFields ownership: the small pure parts of provenance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_vela.provenance.causes import AppfileValues, changed_fields
from gitops_vela.provenance.fields import (
    FieldPathError,
    Named,
    flatten,
    format_path,
    parse_path,
    resolve,
)
from gitops_vela.provenance.live import owners
from gitops_vela.provenance.origins import FieldOrigin, ObjectOrigin, Source, SourceKind

POD: dict[str, Any] = {
    "metadata": {"labels": {"app.oam.dev/name": "shop"}},
    "spec": {
        "containers": [
            {"name": "web", "image": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
            {"name": "log", "image": "b"},
        ],
        "args": ["x", "y"],
    },
}


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("spec.replicas", ("spec", "replicas")),
        ("spec.containers[name=web].image", ("spec", "containers", Named("web"), "image")),
        ("spec.ports[0].port", ("spec", "ports", 0, "port")),
        ("metadata.labels['app.oam.dev/name']", ("metadata", "labels", "app.oam.dev/name")),
        (
            "metadata.annotations.cert-manager\\.io/issuer",
            ("metadata", "annotations", "cert-manager.io/issuer"),
        ),
    ],
)
def test_paths_parse_as_people_write_them(text: str, path: tuple[Any, ...]) -> None:
    assert parse_path(text) == path


def test_a_bad_path_says_where() -> None:
    with pytest.raises(FieldPathError, match="not a field path at"):
        parse_path("spec..[x")


def test_leaves_use_names_where_the_list_allows_and_format_back() -> None:
    flat = flatten(POD)
    assert flat[("spec", "containers", Named("web"), "image")] == "a"
    assert flat[("spec", "args", 1)] == "y"
    names = [format_path(p) for p in flat]
    assert "metadata.labels['app.oam.dev/name']" in names
    assert "spec.containers[name=web].ports[0].containerPort" in names
    assert all(parse_path(n) == p for n, p in zip(names, flat, strict=True))


def test_an_index_resolves_to_the_named_item() -> None:
    assert resolve(POD, ("spec", "containers", 1)) == ("spec", "containers", Named("log"))
    assert resolve(POD, ("spec", "containers", Named("nope"))) is None


def test_owners_walk_managed_fields_by_keys_and_set_values() -> None:
    live = {
        **POD,
        "metadata": {
            **POD["metadata"],
            "managedFields": [
                {
                    "manager": "gitops-vela",
                    "operation": "Apply",
                    "time": "2026-01-01T00:00:00Z",
                    "fieldsV1": {
                        "f:spec": {
                            "f:containers": {
                                'k:{"name":"web"}': {
                                    "f:image": {},
                                    "f:ports": {
                                        'k:{"containerPort":80,"protocol":"TCP"}': {
                                            "f:containerPort": {}
                                        }
                                    },
                                }
                            },
                            "f:args": {'v:"x"': {}, 'v:"y"': {}},
                        }
                    },
                },
                {
                    "manager": "kubectl-edit",
                    "operation": "Update",
                    "time": "2026-01-02T00:00:00Z",
                    "fieldsV1": {"f:spec": {"f:containers": {'k:{"name":"log"}': {"f:image": {}}}}},
                },
            ],
        },
    }
    web = owners(live, ("spec", "containers", Named("web"), "image"))
    assert [o.manager for o in web] == ["gitops-vela"]
    port = owners(live, ("spec", "containers", Named("web"), "ports", 0, "containerPort"))
    assert [o.manager for o in port] == ["gitops-vela"]
    assert [o.manager for o in owners(live, ("spec", "args", 1))] == ["gitops-vela"]
    (log,) = owners(live, ("spec", "containers", Named("log"), "image"))
    assert str(log) == "kubectl-edit (Update) at 2026-01-02T00:00:00Z"
    assert owners(live, ("spec", "containers", Named("web"), "name")) == ()


def test_changed_secret_fields_never_show_their_values(tmp_path: Path) -> None:
    def secret(value: str) -> ObjectOrigin:
        obj = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db"},
            "stringData": {"password": value},
        }
        source = Source(SourceKind.APPFILE, "services.db.password", "apps/a/vela.yaml", 7)
        fields = (FieldOrigin(("stringData", "password"), value, (), (source,)),)
        return ObjectOrigin("a", "apps/a/vela.yaml", "db", "w", "workload", obj, fields)

    docs = AppfileValues(tmp_path, tmp_path)
    (line,) = changed_fields(secret("hunter2"), secret("hunter3"), docs=docs, changed=set())
    assert "hunter" not in line
    assert line.startswith("stringData.password: *** -> ***")
