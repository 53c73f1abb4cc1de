"""Loading definitions: built-ins, centers, repository overrides, checks across definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.catalog import BUILTIN_DIR, applies_to, load_catalog
from gitops_vela.catalog.describe import parameter_rows
from gitops_vela.model.definitions import Definition, DefinitionKind
from tests.foundation.conftest import repo_catalog

BUILTIN_WORKLOADS = {"webservice", "worker", "task", "cron-task", "k8s-objects"}


def definition(name: str, *, ref: str = "", applies: tuple[str, ...] = ("*",)) -> Definition:
    kind = DefinitionKind.TRAIT if ref == "" and applies != ("-",) else DefinitionKind.WORKLOAD
    return Definition(kind, name, "", "", "", "", applies_to=applies, definition_ref=ref)


def test_builtins_are_loaded_without_problems() -> None:
    catalog = load_catalog(None, origin="x")

    assert catalog.diagnostics == ()
    assert {d.name for d in catalog.workloads} >= BUILTIN_WORKLOADS
    assert {"scaler", "route", "sidecar"} <= {d.name for d in catalog.traits}
    assert all(d.origin == "builtin" and d.root == str(BUILTIN_DIR) for d in catalog)


def test_repository_definitions_override_builtins_and_say_so(repo: Path) -> None:
    catalog = load_catalog(repo, origin="acme")

    webservice = catalog.get("webservice")
    assert webservice is not None and webservice.origin == "acme" and webservice.overrides_builtin
    route = catalog.get("route")
    assert route is not None and route.origin == "builtin" and not route.overrides_builtin


def test_a_center_sits_between_builtins_and_the_repository(repo: Path, tmp_path: Path) -> None:
    center = tmp_path / "center"
    center.mkdir()
    (center / "scaler.yaml").write_text(
        (repo / "definitions/traits.yaml").read_text().split("---")[0]
    )

    catalog = load_catalog(None, origin="acme", centers=[("platform", center)])

    scaler = catalog.get("scaler")
    assert scaler is not None
    assert scaler.origin == "center:platform" and scaler.overrides_builtin
    assert scaler.entry == "<center:platform>/scaler.yaml[scaler]"


def test_definition_fields_are_read(repo: Path) -> None:
    catalog = repo_catalog(repo)

    webservice = catalog.get("webservice")
    assert webservice is not None
    assert webservice.description == "A long-running service: Deployment + Service"
    assert webservice.definition_ref == "deployments.apps"
    assert webservice.health_policy is not None and "healthy" in webservice.health_policy
    assert webservice.entry == "definitions/webservice.jsonnet"
    assert webservice.imports == ("definitions/lib/common.libsonnet",)
    scaler = catalog.get("scaler")
    assert scaler is not None and scaler.conflicts_with == ("autoscale",)
    assert (scaler.path, scaler.line) == ("definitions/traits.yaml", 1)


def test_digest_changes_when_an_imported_file_changes(repo: Path) -> None:
    before = repo_catalog(repo)
    (repo / "definitions/lib/common.libsonnet").write_text("{ selector(context):: {} }\n")
    after = repo_catalog(repo)

    assert before.get("webservice").digest != after.get("webservice").digest  # type: ignore[union-attr]
    assert before.get("scaler").digest == after.get("scaler").digest  # type: ignore[union-attr]
    assert before.digest != after.digest


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*", True),
        ("webservice", True),
        ("worker", False),
        ("deployments.apps", True),
        ("*.apps", True),
        ("*.batch", False),
        ("jobs.batch", False),
    ],
)
def test_applies_to_matches_names_wildcards_and_resource_names(
    pattern: str, expected: bool
) -> None:
    workload = Definition(
        DefinitionKind.WORKLOAD, "webservice", "", "", "", "", definition_ref="deployments.apps"
    )
    trait = Definition(DefinitionKind.TRAIT, "t", "", "", "", "", applies_to=(pattern,))

    assert applies_to(trait, workload) is expected


def test_a_trait_named_like_a_parameter_of_its_workload_is_an_error(repo: Path) -> None:
    text = (repo / "definitions/traits.yaml").read_text()
    (repo / "definitions/traits.yaml").write_text(text.replace("name: sidecar", "name: port", 1))

    (problem,) = repo_catalog(repo).diagnostics

    assert str(problem) == (
        "definitions/traits.yaml:47: trait 'port' applies to workload 'webservice', "
        "which has a parameter of the same name: an Appfile key 'port' would be ambiguous "
        "(rename the parameter or narrow the trait's appliesToWorkloads)"
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "  schematic: {cue: {template: x}}\n",
            "definitions/bad.yaml:5: spec.schematic: needs jsonnet.template or jsonnet.file "
            "(found cue; only jsonnet is supported)",
        ),
        (
            "  schematic: {jsonnet: {file: ../../etc/passwd}}\n",
            "definitions/bad.yaml:5: spec.schematic.jsonnet.file: template file "
            "'../../etc/passwd' points outside the repository",
        ),
        (
            "  schematic: {jsonnet: {file: missing.jsonnet}}\n",
            "definitions/bad.yaml:5: spec.schematic.jsonnet.file: template file "
            "'definitions/missing.jsonnet' does not exist",
        ),
        (
            "  parameters: {type: array}\n  schematic: {jsonnet: {template: x}}\n",
            "definitions/bad.yaml:5: spec.parameters.type: must be 'object'",
        ),
    ],
)
def test_broken_definitions_are_diagnosed_and_remembered(
    repo: Path, spec: str, expected: str
) -> None:
    (repo / "definitions/bad.yaml").write_text(
        "apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata: {name: bad}\nspec:\n"
        + spec
    )

    catalog = repo_catalog(repo)

    assert [str(d) for d in catalog.diagnostics] == [expected]
    assert catalog.get("bad") is None and str(catalog.broken["bad"]) == expected
    assert catalog.get("webservice") is not None


def test_wrong_api_version_and_kind_are_reported(repo: Path) -> None:
    (repo / "definitions/bad.yaml").write_text(
        "apiVersion: core.oam.dev/v1alpha2\nkind: ComponentDefinition\nmetadata: {name: bad}\nspec: {}\n"
    )

    messages = [str(d) for d in repo_catalog(repo).diagnostics]

    assert messages[:2] == [
        "definitions/bad.yaml:1: apiVersion: expected 'core.oam.dev/v1beta1', got 'core.oam.dev/v1alpha2'",
        "definitions/bad.yaml:2: kind: unsupported kind 'ComponentDefinition' "
        "(expected WorkloadDefinition or TraitDefinition)",
    ]


def test_parameter_rows_flatten_nested_objects_and_arrays(repo: Path) -> None:
    webservice = repo_catalog(repo).get("webservice")
    assert webservice is not None

    rows = {row.name: row for row in parameter_rows(webservice.parameters)}

    assert list(rows) == ["image", "port", "cmd", "env", "env[].name", "env[].value"]
    assert rows["image"].required and rows["image"].description == "container image"
    assert rows["port"].default == "80" and rows["port"].type == "integer"
    assert rows["cmd"].type == "array of string"


def test_lists_and_health_policy_of_the_wrong_type_are_errors(repo: Path) -> None:
    (repo / "definitions/bad.yaml").write_text(
        "apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata: {name: bad}\nspec:\n"
        "  appliesToWorkloads: webservice\n  status: {healthPolicy: [1]}\n"
        "  schematic: {jsonnet: {template: 'function(p, c) {}'}}\n"
    )

    catalog = repo_catalog(repo)

    assert [str(d) for d in catalog.diagnostics] == [
        "definitions/bad.yaml:5: spec.appliesToWorkloads: must be a list of strings",
        "definitions/bad.yaml:6: spec.status.healthPolicy: must be a string",
    ]
    assert catalog.get("bad") is None
