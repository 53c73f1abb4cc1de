"""The built-in catalog as a platform engineer reads it: every definition
loads, documents itself, and keeps the Appfile unambiguous."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from gitops_vela.catalog import load_catalog
from gitops_vela.render.program import uses_revision
from tests.builtins.conftest import BUILTIN, SAMPLE, definition_docs

WORKLOADS = {"webservice", "worker", "task", "cron-task", "k8s-objects"}
TRAITS = {
    "scaler", "route", "expose", "autoscale", "sidecar", "environment", "labels",
    "annotations", "storage", "init-container", "resources", "probes", "metrics",
}  # fmt: skip
MAP_TRAITS = {"labels", "annotations"}
# Traits that only patch the workload render no resource of their own to
# name (KubeVela's patch traits have no definitionRef either); k8s-objects
# renders whatever it is given.
PATCH_ONLY = {
    "scaler", "sidecar", "environment", "labels", "annotations", "init-container",
    "resources", "probes", "k8s-objects",
}  # fmt: skip  # the parameters are the map itself
BUILTIN_DOCS = definition_docs(BUILTIN)
SAMPLE_DOCS = definition_docs(SAMPLE / "definitions")
ALL_DOCS = {**BUILTIN_DOCS, **SAMPLE_DOCS}


KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "description",
    "default", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
    "minItems", "uniqueItems", "propertyNames", "x-gitops-vela-files",
}  # fmt: skip


def unknown_keywords(schema: dict[str, Any], path: str = "") -> Iterator[str]:
    """Keys that are no JSON Schema keyword we use: typically a description
    with a comma in a YAML flow mapping, which YAML splits into a new key."""
    for key, value in schema.items():
        if key not in KEYWORDS:
            yield f"{path}: {key!r}"
        elif key == "properties":
            for name, sub in value.items():
                yield from unknown_keywords(sub, f"{path}.{name}")
        elif key in ("items", "additionalProperties", "propertyNames") and isinstance(value, dict):
            yield from unknown_keywords(value, f"{path}.{key}")


def properties(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every named property of a schema, nested ones included."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}{name}", sub
        yield from properties(sub, f"{path}{name}.")
        if isinstance(sub.get("items"), dict):
            yield from properties(sub["items"], f"{path}{name}[].")


def test_the_catalog_has_every_builtin_and_no_problem() -> None:
    catalog = load_catalog(None, origin="builtin")
    assert not catalog.diagnostics, [str(d) for d in catalog.diagnostics]
    assert {d.name for d in catalog.workloads} == WORKLOADS
    assert {d.name for d in catalog.traits} == TRAITS


def test_sample_definitions_load_next_to_the_builtins() -> None:
    catalog = load_catalog(SAMPLE, origin="sample")
    assert not catalog.diagnostics, [str(d) for d in catalog.diagnostics]
    for name in ("cloneset", "canary", "alert"):
        definition = catalog.get(name)
        assert definition is not None and definition.origin == "sample"


@pytest.mark.parametrize("name", sorted(ALL_DOCS))
def test_definition_documents_itself(name: str) -> None:
    doc = ALL_DOCS[name]
    assert doc["apiVersion"] == "core.oam.dev/v1beta1"
    annotations = doc["metadata"]["annotations"]
    assert len(annotations["definition.oam.dev/description"]) > 40
    assert yaml.safe_load(annotations["gitops-vela.dev/example"])
    schema = doc["spec"]["parameters"]
    jsonschema.Draft202012Validator.check_schema(schema)
    if name not in MAP_TRAITS:
        assert schema["additionalProperties"] is False
    assert not list(unknown_keywords(schema)), list(unknown_keywords(schema))
    undocumented = [p for p, sub in properties(schema) if not sub.get("description")]
    assert not undocumented, f"{name}: properties without a description: {undocumented}"
    if doc["kind"] == "TraitDefinition":
        assert doc["spec"]["appliesToWorkloads"]
        assert isinstance(doc["spec"]["conflictsWith"], list)
    if name not in PATCH_ONLY:  # what the definition renders, as <plural>.<group>
        assert doc["spec"]["definitionRef"]["name"]


@pytest.mark.parametrize(
    "name", sorted(n for n, d in ALL_DOCS.items() if d["kind"] == "TraitDefinition")
)
def test_trait_name_is_no_parameter_of_a_workload_it_applies_to(name: str) -> None:
    """A key naming a trait must mean that trait: no workload it applies to has such a parameter."""
    catalog = load_catalog(SAMPLE, origin="sample")
    trait = catalog.get(name)
    assert trait is not None
    for workload in catalog.workloads:
        applies = any(
            pattern in ("*", workload.name, workload.definition_ref)
            or (pattern.startswith("*.") and workload.definition_ref.endswith(pattern[1:]))
            for pattern in trait.applies_to
        )
        if applies:
            assert name not in workload.parameters.get("properties", {}), (name, workload.name)


def test_kubevela_v03_parameters_are_accepted() -> None:
    """The parameter vocabulary of KubeVela v0.3's built-ins, with its defaults."""
    expected = {
        "webservice": {"image": None, "cmd": None, "port": 80, "env": None, "cpu": None},
        "worker": {"image": None, "cmd": None},
        "task": {"image": None, "cmd": None, "count": 1, "restart": "Never"},
        "scaler": {"replicas": 1},
        "route": {"domain": None, "issuer": "", "rules": None, "provider": "nginx"},
        "autoscale": {"min": 1, "max": 10, "cpuPercent": None},
        "metrics": {
            "format": "prometheus", "path": "/metrics", "port": None,
            "scheme": "http", "enabled": True, "selector": None,
        },
    }  # fmt: skip
    for name, params in expected.items():
        props = BUILTIN_DOCS[name]["spec"]["parameters"]["properties"]
        for param, default in params.items():
            assert param in props, f"{name}.{param}"
            assert props[param].get("default") == default, f"{name}.{param}"
    assert BUILTIN_DOCS["webservice"]["spec"]["parameters"]["required"] == ["image"]
    rule = BUILTIN_DOCS["route"]["spec"]["parameters"]["properties"]["rules"]["items"]
    assert set(rule["properties"]) == {"path", "rewriteTarget"}
    env = BUILTIN_DOCS["webservice"]["spec"]["parameters"]["properties"]["env"]["items"]
    assert set(env["properties"]) == {"name", "value", "valueFrom"}
    assert env["properties"]["valueFrom"]["properties"]["secretKeyRef"]["required"] == [
        "name",
        "key",
    ]


def test_k8s_objects_files_parameter_is_marked_for_the_renderer() -> None:
    files = BUILTIN_DOCS["k8s-objects"]["spec"]["parameters"]["properties"]["files"]
    assert files["x-gitops-vela-files"] is True


def test_no_template_depends_on_the_commit() -> None:
    """context.revision in a template would re-render every app on every commit
    (and DESIGN §5 keeps per-commit values out of objects)."""
    catalog = load_catalog(SAMPLE, origin="sample")
    for definition in (*catalog.workloads, *catalog.traits):
        assert not uses_revision(definition), definition.name
