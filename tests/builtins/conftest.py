"""Fixtures for the built-in definitions and sample-repo tests: throwaway
repositories rendered through the real renderer, and the real schemas the
rendered objects must satisfy."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_vela.model.objects import Manifest
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render import render_repository
from tests.builtins import schemas

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "gitops_vela" / "catalog" / "builtin"
SAMPLE = ROOT / "sample-repo"
CRDS = SAMPLE / "platform" / "crds"

RenderApps = Callable[..., dict[str, list[Manifest]]]


def definition_docs(directory: Path) -> dict[str, dict[str, Any]]:
    """name -> definition document of every ``*.yaml`` in ``directory``."""
    docs = (yaml.safe_load(f.read_text()) for f in sorted(directory.glob("*.yaml")))
    return {d["metadata"]["name"]: d for d in docs}


def failure_text(result: RepositoryRender) -> str:
    lines = [str(d) for f in result.failures for d in f.diagnostics]
    return "\n".join([*lines, *(str(d) for d in result.catalog_diagnostics)])


@pytest.fixture
def render_apps(tmp_path: Path) -> RenderApps:
    """Render Appfiles (app name -> services) in a fresh repository.

    ``sample_definitions`` copies sample-repo's definitions in; ``files``
    adds other repository files. Returns app name -> rendered objects and
    fails the test with the diagnostics when anything did not render.
    """

    def render(
        apps: Mapping[str, Mapping[str, Any]],
        *,
        sample_definitions: bool = False,
        files: Mapping[str, str] | None = None,
    ) -> dict[str, list[Manifest]]:
        for app, services in apps.items():
            appfile = tmp_path / "apps" / app / "vela.yaml"
            appfile.parent.mkdir(parents=True, exist_ok=True)
            appfile.write_text(
                yaml.safe_dump({"name": app, "services": dict(services)}, sort_keys=False)
            )
        if sample_definitions:
            shutil.copytree(SAMPLE / "definitions", tmp_path / "definitions", dirs_exist_ok=True)
        for path, text in (files or {}).items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
        result = render_repository(tmp_path, repo="test")
        assert result.ok, failure_text(result)
        return {app.name: list(app.objects) for app in result.apps}

    return render


@pytest.fixture(scope="session")
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    return schemas.load_crd_schemas(CRDS)


@pytest.fixture(scope="session")
def check_schema(
    crd_schemas: dict[tuple[str, str], dict[str, Any]],
) -> Callable[[Manifest], None]:
    """Assert an object fits its real schema: the CRD's, or the core model's."""

    def check(obj: Manifest) -> None:
        key = (obj["apiVersion"], obj["kind"])
        errors = (
            schemas.crd_errors(obj, crd_schemas) if key in crd_schemas else schemas.core_errors(obj)
        )
        assert not errors, f"{obj['kind']}/{obj['metadata']['name']}: {errors}"

    return check


def find(objects: list[Manifest], kind: str, name: str | None = None) -> Manifest:
    """The one object of ``kind`` (and ``name``) among ``objects``."""
    found = [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''} in {[o['kind'] for o in objects]}"
    return found[0]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    result: dict[str, Any] = spec["template"]["spec"]
    return result


def container(workload: Manifest, name: str) -> dict[str, Any]:
    found = [c for c in pod_spec(workload)["containers"] if c["name"] == name]
    assert found, f"no container {name} in {workload['metadata']['name']}"
    result: dict[str, Any] = found[0]
    return result


def empty_fields(value: Any, path: str = "$") -> list[str]:
    """Paths of nulls and of empty maps or lists, which a reviewer would not
    accept in a manifest (``emptyDir: {}`` is how Kubernetes spells it)."""
    found: list[str] = []
    if value is None:
        return [path]
    if isinstance(value, dict):
        if not value and not path.endswith(".emptyDir"):
            found.append(path)
        for key, item in value.items():
            found += empty_fields(item, f"{path}.{key}")
    elif isinstance(value, list):
        if not value:
            found.append(path)
        for i, item in enumerate(value):
            found += empty_fields(item, f"{path}[{i}]")
    return found
