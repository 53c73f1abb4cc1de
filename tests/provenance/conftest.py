"""Fixtures for provenance: ``why`` run as a user runs it (the CLI entry point), JSON out."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_vela.cli import main

SAMPLE = Path(__file__).parents[2] / "sample-repo"

# One more app over sample-repo's catalog: a workload parameter that a trait overrides
# (cpu, then resources) and two traits writing the same mount in turn (storage, then
# init-container, whose shared volume has the same name).
DEMO_APP = """\
name: why-demo
namespace: shop
services:
  cache:
    image: redis:7.2
    port: 6379
    cpu: "0.5"
    resources:
      cpu: "1"
    storage:
      emptyDir:
        - name: workdir
          mountPath: /cache
    init-container:
      name: warm
      image: busybox:1.36
      initMountPath: /seed
      appMountPath: /data
"""

Why = Callable[..., dict[str, Any]]


@pytest.fixture
def why(capsys: pytest.CaptureFixture[str]) -> Why:
    """``why(REF, [FIELD], path=..., *flags)``: the command's JSON document (exit code 0)."""

    def run(*args: str, path: Path = SAMPLE, offline: bool = True) -> dict[str, Any]:
        flags = ["--offline"] if offline else []
        code = main(["why", *args, str(path), "--repo", "sample", *flags, "-o", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        document: dict[str, Any] = json.loads(out)
        assert isinstance(document, dict)
        return document

    return run


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    """sample-repo with the ``why-demo`` app added."""
    root = tmp_path / "sample-repo"
    shutil.copytree(SAMPLE, root)
    (root / "apps" / "why-demo").mkdir()
    (root / "apps" / "why-demo" / "vela.yaml").write_text(DEMO_APP)
    return root


def field(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in document["fields"] if f["field"] == name]
    assert found, f"no field {name} in {[f['field'] for f in document['fields']]}"
    return found[0]


def sources(entry: dict[str, Any]) -> list[str]:
    return [s["text"] for s in entry["sources"]]


def steps(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["role"], s["definition"]) for s in entry["steps"]]
