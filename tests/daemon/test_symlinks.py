"""Symlinks leading outside the repository: the same clear error in the daemon as in a checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from tests.daemon.conftest import GitRemote, appfile, replicas

pytestmark = pytest.mark.reliability
APPFILE = "'apps/evil/vela.yaml' is a symlink leading outside the repository"


def push_links(remote: GitRemote, outside: Path) -> None:
    """``apps/evil/vela.yaml`` and a template both link to files outside the repository."""
    outside.mkdir()
    (outside / "vela.yaml").write_text(appfile("evil"))
    (outside / "probe.jsonnet").write_text("{}")
    work = remote.work
    (work / "apps/evil").mkdir(parents=True)
    os.symlink(outside / "vela.yaml", work / "apps/evil/vela.yaml")
    (work / "definitions").mkdir()
    os.symlink(outside / "probe.jsonnet", work / "definitions/probe.jsonnet")
    blog = yaml.safe_load(appfile("blog"))
    blog["services"]["web"]["probe"] = {}
    remote.push({"definitions/probe.yaml": PROBE, "apps/blog/vela.yaml": yaml.safe_dump(blog)})


PROBE = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata: {name: probe}
spec:
  appliesToWorkloads: ["*"]
  schematic: {jsonnet: {file: probe.jsonnet}}
"""
TEMPLATE = "template file 'definitions/probe.jsonnet' is a symlink leading outside the repository"


def test_the_daemon_reports_symlinks_leading_outside_and_applies_the_rest(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    assert reconciler.run().ok
    push_links(remote, tmp_path / "outside")
    report = reconciler.run()
    assert report.failed_apps == 2
    assert replicas(cluster, "evil") is None  # nothing was read through the link
    evil, blog = remote.status_file("evil"), remote.status_file("blog")
    assert evil is not None and blog is not None
    assert evil["errors"] == [f"apps/evil/vela.yaml: {APPFILE}"]
    assert any(TEMPLATE in error for error in blog["errors"]), blog["errors"]
    assert remote.status_file("shop")["sync"] == "Synced"  # type: ignore[index]
    assert replicas(cluster, "shop") == 1 and replicas(cluster, "blog") == 1


def test_validate_and_render_say_the_same_on_a_checkout(
    remote: GitRemote, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    push_links(remote, tmp_path / "outside")
    assert main(["validate", str(remote.work)]) != 0
    out = capsys.readouterr()
    assert f"apps/evil/vela.yaml: {APPFILE}" in out.out + out.err
    assert TEMPLATE in out.out + out.err
    assert main(["render", str(remote.work), "--app", "blog"]) != 0
    assert TEMPLATE in capsys.readouterr().err
