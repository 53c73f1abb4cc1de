"""What ``gitops-vela render`` prints: kubectl's key order, literal blocks, quiet under ``head``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.render import render_repository, yamltext
from gitops_vela.render.finalize import canonical, digest

SAMPLE = Path(__file__).resolve().parents[2] / "sample-repo"


def test_every_rendered_object_has_kubectl_key_order() -> None:
    result = render_repository(SAMPLE, repo="sample-repo")

    for app in result.apps:
        for obj in app.objects:
            assert list(obj)[:3] == ["apiVersion", "kind", "metadata"]
            first = [k for k in obj["metadata"] if k in ("name", "namespace", "labels")]
            assert list(obj["metadata"])[: len(first)] == first
            assert first[0] == "name"


def test_canonical_keeps_the_rest_in_order_and_the_digest() -> None:
    obj = {
        "data": {"b": "1", "a": "2"},
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"uid": "x", "annotations": {"a": "b"}, "labels": {}, "name": "c"},
        "binaryData": {},
    }

    ordered = canonical(obj)

    assert list(ordered) == ["apiVersion", "kind", "metadata", "data", "binaryData"]
    assert list(ordered["metadata"]) == ["name", "labels", "annotations", "uid"]
    assert list(ordered["data"]) == ["b", "a"]
    assert ordered == obj
    assert digest([ordered]) == digest([obj])


def test_multi_line_strings_print_as_literal_blocks() -> None:
    text = yamltext.dump({"data": {"conf": "a: 1\nb: 2\n", "one": "x", "odd": "trail \nx"}})

    assert "conf: |\n    a: 1\n    b: 2\n" in text
    assert yaml.safe_load(text)["data"] == {"conf": "a: 1\nb: 2\n", "one": "x", "odd": "trail \nx"}


def test_render_prints_kind_right_after_api_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(SAMPLE), "--app", "payments"]) == 0

    documents = capsys.readouterr().out.split("---\n")[1:]
    assert documents
    for document in documents:
        lines = document.splitlines()
        assert lines[1].startswith("apiVersion: ") and lines[2].startswith("kind: ")
        assert lines[3:5] == ["metadata:", lines[4]] and lines[4].startswith("  name: ")


def test_render_into_a_reader_that_leaves_early_exits_quietly() -> None:
    """``gitops-vela render sample-repo | head -1``: no BrokenPipe traceback, exit 0."""
    # The sample repository renders to far more than a pipe buffer, so the writer
    # is still writing when the reader goes away, as with head.
    writer = subprocess.Popen(
        [sys.executable, "-m", "gitops_vela", "render", str(SAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None and writer.stderr is not None
    first = writer.stdout.readline()
    writer.stdout.close()
    errors = writer.stderr.read()
    writer.stderr.close()
    status = writer.wait(timeout=60)

    assert first == b"---\n"
    assert errors == b""
    assert status == 0
