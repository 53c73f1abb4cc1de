"""A commit plans only the apps it reached; the repository-wide guards still see every app.

With the watch cache in step, the run of a new commit plans the apps whose
render moved (and those the watches saw change or that failed), not every
app. ``planned`` on the report and on the ``reconciled`` log line counts them.
The daemon test runs ``gitops-vela run`` (watch cache on) through a sequence
of commits; the in-process ones use a reconciler whose feed is always in step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.incremental import same_render
from gitops_vela.daemon.live import LiveFeed
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.labels import OWNER, owner_value
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.model.status import Reason
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import (
    DaemonProcess,
    GitRemote,
    StartDaemon,
    appfile,
    get,
    init_remote,
    make_reconciler,
    replicas,
    wait_for,
)


def config_app(name: str, namespace: str, maps: dict[str, str]) -> str:
    """An Appfile of ConfigMaps (name -> the value of their ``data.v``) in ``namespace``."""
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}, "data": {"v": v}}
        for n, v in maps.items()
    ]
    service = {"type": "k8s-objects", "objects": objects}
    doc = {"name": name, "namespace": namespace, "services": {"cfg": service}}
    return yaml.safe_dump(doc, sort_keys=False)


FOUR_APPS = {
    "apps/one/vela.yaml": config_app("one", "team", {"one-a": "1", "flags": "on"}),
    "apps/two/vela.yaml": config_app("two", "team", {"two-a": "1"}),
    "apps/three/vela.yaml": config_app("three", "other", {"three-a": "1"}),
    "apps/four/vela.yaml": config_app("four", "other", {"four-a": "1"}),
}


def config_map(cluster: Cluster, namespace: str, name: str) -> dict[str, Any] | None:
    return get(cluster, "ConfigMap", namespace, name)


def runs_since(daemon: DaemonProcess, count: int) -> Callable[[], bool]:
    """A condition: ``count`` more runs than now have ended."""
    start = daemon.metric("gitops_vela_reconcile_total")
    return lambda: daemon.metric("gitops_vela_reconcile_total") >= start + count


def settled(daemon: DaemonProcess) -> None:
    """Wait for two runs in a row that logged nothing (a quiet poll logs at debug level):
    what the last applies stirred up (status updates the watches report) is done."""

    def logged() -> int:
        return sum(1 for e in daemon.events() if e.get("event") == "reconciled")

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = logged()
        wait_for(runs_since(daemon, 2))
        if logged() == lines:
            return
    raise AssertionError("the daemon never settled")


def commit_run(daemon: DaemonProcess, sha: str) -> dict[str, Any]:
    """The ``reconciled`` line of the run that rendered commit ``sha``."""
    line = wait_for(
        lambda: daemon.event("reconciled", revision=sha[:12], rendered=True),
        what=f"the run of {sha[:12]}",
    )
    assert isinstance(line, dict)
    return line


def test_each_commit_plans_the_apps_it_reached_and_the_guards_still_see_every_app(
    tmp_path: Path, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    remote = init_remote(tmp_path / "remote.git", tmp_path / "work", FOUR_APPS)
    daemon = start_daemon("--repo", remote.url, "--interval", "1s", "--prune")
    wait_for(lambda: config_map(cluster, "other", "four-a"), what="the first apply")
    settled(daemon)

    # One app's commit: that app alone is rendered and planned.
    sha = remote.push({"apps/four/vela.yaml": config_app("four", "other", {"four-a": "2"})})
    line = commit_run(daemon, sha)
    assert (line["planned"], line["rendered_apps"], line["apps"]) == (1, 1, 4), line
    assert (config_map(cluster, "other", "four-a") or {})["data"] == {"v": "2"}

    # An object moves from one app to another in one commit: both are planned, it is
    # handed over (same object, new owner), never deleted.
    flags = config_map(cluster, "team", "flags")
    assert flags is not None
    settled(daemon)
    sha = remote.push(
        {
            "apps/one/vela.yaml": config_app("one", "team", {"one-a": "1"}),
            "apps/two/vela.yaml": config_app("two", "team", {"two-a": "1", "flags": "on"}),
        }
    )
    line = commit_run(daemon, sha)
    assert line["planned"] == 2, line
    moved = config_map(cluster, "team", "flags")
    assert moved is not None and moved["metadata"]["uid"] == flags["metadata"]["uid"]
    assert moved["metadata"]["labels"][OWNER] == owner_value("remote", "two")

    # An app removed from Git is pruned through its inventory; nothing else is planned.
    settled(daemon)
    sha = remote.push({}, remove=("apps/four",))
    line = commit_run(daemon, sha)
    assert line["planned"] == 0, line
    wait_for(lambda: config_map(cluster, "other", "four-a") is None, what="four pruned")
    assert daemon.event("app removed from Git: pruned", app="four")

    # A commit removing most apps trips the prune limit (50%): it counts every app's
    # objects, not only those of the apps planned, and prunes nothing.
    settled(daemon)
    sha = remote.push({}, remove=("apps/two", "apps/three"))
    line = commit_run(daemon, sha)
    assert line["reason"] == str(Reason.PRUNE_FAILED), line
    assert daemon.event("app removed from Git: not pruned", app="two")
    time.sleep(1.5)  # more runs of that commit: still nothing pruned
    for namespace, name in (("team", "two-a"), ("team", "flags"), ("other", "three-a")):
        assert config_map(cluster, namespace, name) is not None, name


def in_step(remote: GitRemote, cluster: Cluster, tmp_path: Path) -> RepositoryReconciler:
    """A reconciler planning as the daemon's does with its watch cache in step."""
    settings = RepositorySettings(name="acme", url=str(remote.bare), prune=True)
    reconciler = make_reconciler(settings, cluster, tmp_path)
    reconciler.live = LiveFeed(lambda: True)
    return reconciler


def test_a_one_app_commit_plans_that_app_and_reports_every_app_at_the_commit(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    reconciler = in_step(remote, cluster, tmp_path)
    assert reconciler.run().planned == 2
    sha = remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=3)})
    report = reconciler.run()
    assert report.ok and (report.planned, report.apps) == (1, 2)
    assert replicas(cluster, "shop") == 3 and replicas(cluster, "blog") == 1
    blog = remote.status_file("blog")  # not planned, yet at the commit: its render is the same
    assert blog is not None and blog["revision"] == sha and blog["sync"] == "Synced"
    assert reconciler.run().planned == 0  # then a quiet poll


def test_every_app_is_planned_again_once_the_full_sync_is_due(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    reconciler = in_step(remote, cluster, tmp_path)
    assert reconciler.run().planned == 2
    assert reconciler.run().planned == 0
    reconciler._memory.full_at -= 3600  # the last whole sync was an hour ago
    assert reconciler.run().planned == 2
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=2)})
    assert reconciler.run().planned == 1


def test_a_broken_appfile_is_planned_only_when_its_last_good_render_needs_it(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    reconciler = in_step(remote, cluster, tmp_path)
    assert reconciler.run().ok
    remote.push({"apps/shop/vela.yaml": "name: shop\nservices: [\n"})
    report = reconciler.run()  # its last good render is what was applied: nothing to plan
    assert (report.planned, report.failed_apps) == (0, 1)
    assert replicas(cluster, "shop") == 1
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=2)})
    fixed = reconciler.run()
    assert fixed.ok and fixed.planned == 1 and replicas(cluster, "shop") == 2


def test_every_appfile_removed_is_refused_by_the_empty_render_guard(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    reconciler = in_step(remote, cluster, tmp_path)
    assert reconciler.run().ok
    remote.push({}, remove=("apps",))
    report = reconciler.run()
    assert report.reason is Reason.PRUNE_FAILED and report.planned == 0
    assert replicas(cluster, "shop") == 1 and replicas(cluster, "blog") == 1


def rendered_app(digest: str, **fields: Any) -> RenderedApp:
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    base: dict[str, Any] = {"repo": "acme", "name": "shop", "namespace": "shop", "path": "p"}
    return RenderedApp(objects=(manifest,), digest=digest, **{**base, **fields})


def test_same_render_compares_what_a_sync_reads_not_only_the_digest() -> None:
    app = rendered_app("d1")
    assert same_render(app, app) and same_render(rendered_app("d1"), app)
    assert not same_render(None, app)
    assert not same_render(rendered_app("d2"), app)
    policy = {ObjectRef("", "ConfigMap", "shop", "a"): "isHealth: true"}
    assert not same_render(rendered_app("d1", health_policies=policy), app)
    assert not same_render(rendered_app("d1", namespace="other"), app)
