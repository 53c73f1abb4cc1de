"""Incremental render through the daemon: a commit re-renders only the apps it reaches.

The reconciler runs in-process against the emulator and a Git remote in
tmp_path; ``rendered_apps`` of its report (and of the ``reconciled`` log line)
counts the Appfiles rendered by the run. The repository-wide guards still see
every app: the reused renders are part of the render they check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from gitops_vela.cluster import Cluster
from gitops_vela.daemon import reconcile
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.status import Reason
from gitops_vela.render import render_repository
from gitops_vela.review.depindex import DependencyIndex, build_index
from tests.daemon.conftest import GitRemote, StartDaemon, appfile, get, replicas, wait_for

STAMP = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata: {name: stamp}
spec:
  appliesToWorkloads: [webservice]
  parameters: {type: object, properties: {}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {spec+: {template+: {metadata+: {annotations+: {stamp: 'TEXT'}}}}},
          outputs: {},
        }
"""


def stamped(name: str) -> str:
    """An Appfile whose service uses the ``stamp`` trait."""
    doc = yaml.safe_load(appfile(name))
    doc["services"]["web"]["stamp"] = {}
    return yaml.safe_dump(doc, sort_keys=False)


def stamp_of(cluster: Cluster, app: str) -> str | None:
    found = get(cluster, "Deployment", app, "web")
    assert found is not None
    annotations = found["spec"]["template"]["metadata"].get("annotations") or {}
    return annotations.get("stamp")


def rendered(reconciler: RepositoryReconciler) -> dict[str, object]:
    render = reconciler._memory.render
    assert render is not None
    return {a.name: a for a in render.apps}


def test_a_one_app_commit_renders_that_app_alone(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    first = reconciler.run()
    assert first.ok and first.rendered_apps == 2
    before = rendered(reconciler)

    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=3)})
    report = reconciler.run()

    assert report.ok and report.rendered and report.rendered_apps == 1
    assert replicas(cluster, "shop") == 3 and replicas(cluster, "blog") == 1
    after = rendered(reconciler)
    assert after["blog"] is before["blog"]  # reused as it was, not rendered again
    assert after["shop"] is not before["shop"]
    assert report.planned == 2  # without the watch cache every app is planned

    quiet = reconciler.run()  # same commit: nothing rendered at all
    assert quiet.ok and not quiet.rendered and quiet.rendered_apps == 0


def test_a_definition_change_renders_its_users_alone(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    remote.push(
        {
            "definitions/stamp.yaml": STAMP.replace("TEXT", "one"),
            "apps/shop/vela.yaml": stamped("shop"),
            "apps/news/vela.yaml": stamped("news"),
        }
    )
    assert reconciler.run().ok
    assert stamp_of(cluster, "shop") == "one" and stamp_of(cluster, "blog") is None

    remote.push({"definitions/stamp.yaml": STAMP.replace("TEXT", "two")})
    report = reconciler.run()

    assert report.ok and report.rendered_apps == 2  # shop and news; blog does not use it
    assert stamp_of(cluster, "shop") == "two" and stamp_of(cluster, "news") == "two"


def test_a_file_no_rule_attributes_renders_everything(
    reconciler: RepositoryReconciler, remote: GitRemote
) -> None:
    assert reconciler.run().ok
    remote.push({"config/shared-values.yaml": "color: blue\n"})  # an Appfile may read it
    report = reconciler.run()
    assert report.ok and report.rendered_apps == 2


def test_an_app_removed_from_git_is_pruned_beside_the_reused_ones(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    assert reconciler.run().ok
    remote.push({}, remove=("apps/blog",))
    report = reconciler.run()
    assert report.ok and report.rendered_apps == 0
    assert replicas(cluster, "blog") is None and replicas(cluster, "shop") == 1


def test_every_appfile_removed_is_still_an_empty_render_the_guard_refuses(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    assert reconciler.run().ok
    remote.push({}, remove=("apps",))
    report = reconciler.run()
    assert report.reason is Reason.PRUNE_FAILED and report.rendered_apps == 0
    assert replicas(cluster, "shop") == 1 and replicas(cluster, "blog") == 1


def test_a_broken_appfile_keeps_its_last_good_render_and_the_others_are_reused(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    assert reconciler.run().ok
    remote.push({"apps/shop/vela.yaml": "name: shop\nservices: [\n"})
    report = reconciler.run()
    assert report.rendered_apps == 1 and report.failed_apps == 1
    assert replicas(cluster, "shop") == 1  # not pruned: its last good render is kept
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=2)})
    fixed = reconciler.run()
    assert fixed.ok and fixed.rendered_apps == 1 and replicas(cluster, "shop") == 2


def test_the_daemon_logs_how_many_apps_a_commit_rendered(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    daemon = start_daemon("--repo", remote.url, "--interval", "1s", "--prune")
    wait_for(lambda: replicas(cluster, "shop") == 1 and replicas(cluster, "blog") == 1)
    sha = remote.push({"apps/blog/vela.yaml": appfile("blog", replicas=2)})
    wait_for(lambda: replicas(cluster, "blog") == 2, what="the commit applied")
    line = wait_for(
        lambda: daemon.event("reconciled", revision=sha[:12]), what="the commit's log line"
    )
    assert line["rendered_apps"] == 1 and line["rendered"] is True, json.dumps(line)


def test_after_the_first_commit_the_index_is_updated_from_the_diff_not_scanned(
    reconciler: RepositoryReconciler, remote: GitRemote, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each commit reads only the Appfiles it changed; what the merged render holds is
    what a whole render of the commit holds."""
    scans: list[Path] = []

    def scan(root: Path, globs: Sequence[str]) -> DependencyIndex:
        scans.append(root)
        return build_index(root, globs)

    monkeypatch.setattr(reconcile, "build_index", scan)
    assert reconciler.run().ok
    commits: list[tuple[dict[str, str], tuple[str, ...]]] = [
        ({"apps/shop/vela.yaml": appfile("shop", replicas=2)}, ()),
        ({"apps/shop/vela.prod.yaml": "services:\n  web:\n    image: nginx:1.26\n"}, ()),
        ({"apps/news/vela.yaml": appfile("news")}, ()),
        ({}, ("apps/blog",)),
        ({"apps/news/vela.yaml": appfile("news", replicas=4)}, ()),
    ]
    for files, removed in commits:
        remote.push(files, remove=removed)
        report = reconciler.run()
        assert report.ok and report.rendered_apps <= 1, report
        render = reconciler._memory.render
        assert render is not None and reconciler.source.current is not None
        whole = render_repository(
            reconciler.source.current.path(), repo="acme", revision=reconciler.source.current.sha
        )
        assert {a.name: a.digest for a in render.apps} == {a.name: a.digest for a in whole.apps}
    assert len(scans) == 1, scans  # the first (whole) render scans; then the diff does
