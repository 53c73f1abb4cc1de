"""Daemon benchmark: a big repository, one app changed, quiet polls.

    python bench/daemon_bench.py [--apps 1000] [--json bench/out/daemon.json]

A bare Git repository of ``--apps`` apps (one webservice each) is reconciled
in-process against the emulator by the daemon's own ``RepositoryReconciler``
(status branch on), fed by the daemon's watch cache as ``gitops-vela run``
wires it (``daemon/live.py``). Reported, in seconds:

- ``first``: the first reconcile (render everything, create every object,
  first status commit);
- ``ls_remote``: what a poll costs when the branch did not move and nothing
  needs re-planning (one ``git ls-remote``);
- ``quiet``: a whole quiet poll (ls-remote, render reused, drift re-plan,
  no status commit);
- ``detect_to_applied``: one app's image changed and pushed; from the start
  of the poll that detects it to the Deployment carrying the new image in the
  cluster (target: under 1 s), and ``changed_poll``: that whole poll
  (``changed_rendered_apps``: the Appfiles it rendered, 1 with incremental render;
  ``changed_planned``: the apps it planned, 1 once a commit plans the apps it reached);
- ``drift_to_corrected``: another client edits one app's Deployment (its
  image); from the edit's answer to the Deployment carrying the Git image
  again in the cluster (target: under 2 s), polled like ``detect_to_applied``;
  ``drift_poll``: from the edit's answer to the end of the run its watch event
  starts (status commit included); ``drift_planned``: apps that run planned;
  its writes as the emulator counted them by resource:
  ``drift_object_writes`` to the kinds of the app's objects (target: 1, the
  re-apply), ``drift_other_writes`` to anything else (the Event its status
  change records, inventories), ``drift_writes_by_resource`` both in detail
  (the emulator counts a dry-run apply as a patch: ``drift_dry_runs`` is how
  many of those requests the reconciler's client sent as dry runs);
- ``requests_per_quiet_poll`` and ``quiet_planned``: what a quiet poll sends
  to the API server and how many apps it plans.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from vela_emulator import Emulator
from vela_emulator.faults import WRITE_VERBS

from gitops_vela import logs
from gitops_vela.cluster import Cluster
from gitops_vela.cluster.watchcache import LiveChange, WatchCache
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.live import LiveFeed, scope_for
from gitops_vela.daemon.main import tune_gc
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import RepositorySettings


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def appfile(index: int, image: str = "nginx:1.25") -> str:
    name = f"app{index:04d}"
    return yaml.safe_dump(
        {"name": name, "namespace": "bench", "services": {name: {"image": image, "port": 8080}}}
    )


def make_repository(root: Path, apps: int) -> tuple[Path, Path]:
    bare, work = root / "bench.git", root / "work"
    git("init", "-q", "--bare", "--initial-branch=main", str(bare), cwd=root)
    git("init", "-q", "--initial-branch=main", str(work), cwd=root)
    for index in range(apps):
        target = work / "apps" / f"app{index:04d}" / "vela.yaml"
        target.parent.mkdir(parents=True)
        target.write_text(appfile(index))
    commit_and_push(work, bare)
    return bare, work


def commit_and_push(work: Path, bare: Path) -> None:
    git("add", "-A", cwd=work)
    git("-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "-m", "bench", cwd=work)
    git("push", "-q", str(bare), "HEAD:refs/heads/main", cwd=work)


def watch_image(cluster: Cluster, name: str, image: str, seen: dict[str, float]) -> None:
    """Record when the Deployment first carries ``image`` (polls every 5 ms)."""
    resource = cluster.resource("apps/v1", "Deployment")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        live = cluster.get(resource, namespace="bench", name=name)
        containers = (live or {}).get("spec", {}).get("template", {}).get("spec", {})
        if any(c.get("image") == image for c in containers.get("containers", [])):
            seen["at"] = time.monotonic()
            return
        time.sleep(0.005)


OBJECT_RESOURCES = frozenset({"deployments", "services"})  # what a webservice app renders to


def writes_by_resource(emulator: Emulator) -> dict[str, int]:
    """Write requests the emulator served so far, per resource (plural), dry runs included."""
    counts: dict[str, int] = {}
    for resource in emulator.counters.by_resource():
        n = sum(emulator.counters.count(verb, resource) for verb in WRITE_VERBS)
        if n:
            counts[resource] = n
    return counts


def run(apps: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
        root = Path(tmp)
        bare, work = make_repository(root, apps)
        cluster = Cluster(emulator.client_configuration())
        centers = Centers((), cache_dir=root / "cache")
        edits: list[tuple[str, float]] = []  # (app, when): edits the watch reported
        holder: list[RepositoryReconciler] = []

        def on_change(change: LiveChange) -> None:  # what Daemon._live_changed does
            app = holder[0].app_for(change.labels.get(OWNER, "")) if holder else None
            if app is not None:
                feed.changed(app)
                if not change.status_only:
                    edits.append((app, time.monotonic()))

        watch = WatchCache(
            cluster, scope_for=scope_for("gitops-vela-system"), on_change=on_change
        ).attach()
        feed = LiveFeed(lambda: watch.in_step)
        reconciler = RepositoryReconciler(
            RepositorySettings(name="bench", url=str(bare), prune=True),
            cluster=cluster,
            centers=lambda: centers,
            metrics=Metrics(),
            cache_dir=root / "cache",
            inventory_namespace="gitops-vela-system",
            live=feed,
        )
        holder.append(reconciler)
        results: dict[str, Any] = {"apps": apps}
        first = reconciler.run()
        assert first.ok, first.message
        results["first"] = first.duration

        # Health moves (Progressing -> Healthy) commit once more; then polls are quiet.
        for _ in range(5):
            quiet = reconciler.run()
            if not quiet.status_committed and not quiet.changed:
                break
        started = time.monotonic()
        reconciler.source.ls_remote()
        results["ls_remote"] = time.monotonic() - started
        quiet = reconciler.run()
        results["quiet"] = quiet.duration
        results["quiet_rendered"] = quiet.rendered
        results["quiet_committed"] = quiet.status_committed

        changed = apps // 2
        (work / "apps" / f"app{changed:04d}" / "vela.yaml").write_text(
            appfile(changed, "nginx:1.26")
        )
        commit_and_push(work, bare)
        seen: dict[str, float] = {}
        watcher = threading.Thread(
            target=watch_image,
            args=(
                Cluster(emulator.client_configuration()),
                f"app{changed:04d}",
                "nginx:1.26",
                seen,
            ),
        )
        watcher.start()
        started = time.monotonic()
        report = reconciler.run()
        watcher.join()
        results["detect_to_applied"] = seen["at"] - started
        results["changed_poll"] = report.duration
        results["changed_rendered_apps"] = report.rendered_apps
        results["changed_planned"] = report.planned
        for _ in range(5):  # the status updates of that apply settle
            settle = reconciler.run()
            if not settle.status_committed and not settle.changed:
                break
        before = emulator.counters.snapshot()["total"]
        quiet = reconciler.run()
        results["requests_per_quiet_poll"] = emulator.counters.snapshot()["total"] - before
        results["quiet_planned"] = quiet.planned
        results["quiet_after_change"] = quiet.duration

        other = Cluster(emulator.client_configuration())
        name = f"app{changed:04d}"
        edits.clear()
        edited = time.monotonic()
        other.transport.request(
            "PATCH",
            other.resource("apps/v1", "Deployment").path("bench", name),
            verb="patch",
            query={"fieldManager": "kubectl-edit"},
            body={"spec": {"template": {"spec": {"containers": [{"name": name, "image": "x:1"}]}}}},
            content_type="application/strategic-merge-patch+json",
        )
        edited_at = time.monotonic()
        before_writes = writes_by_resource(emulator)  # the edit itself already counted
        dry_runs = cluster.requests["patch-dry-run"]
        corrected: dict[str, float] = {}
        watcher = threading.Thread(
            target=watch_image,
            args=(Cluster(emulator.client_configuration()), name, "nginx:1.26", corrected),
        )
        watcher.start()
        while not edits and time.monotonic() - edited < 10:
            time.sleep(0.001)
        fixed = reconciler.run()
        results["drift_poll"] = time.monotonic() - edited_at
        watcher.join()
        after_writes = writes_by_resource(emulator)
        spent = {
            resource: n - before_writes.get(resource, 0)
            for resource, n in sorted(after_writes.items())
            if n != before_writes.get(resource, 0)
        }
        results["drift_to_event"] = (edits[0][1] - edited_at) if edits else None
        results["drift_to_corrected"] = corrected["at"] - edited_at if corrected else None
        results["drift_planned"] = fixed.planned
        results["drift_object_writes"] = sum(
            n for resource, n in spent.items() if resource in OBJECT_RESOURCES
        )
        results["drift_other_writes"] = sum(
            n for resource, n in spent.items() if resource not in OBJECT_RESOURCES
        )
        results["drift_writes_by_resource"] = spent
        results["drift_dry_runs"] = cluster.requests["patch-dry-run"] - dry_runs
        watch.stop()
        other.close()
        cluster.close()
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    logs.configure(level="warning")
    tune_gc()  # the collector's thresholds of `gitops-vela run`: what the daemon pays
    results = run(args.apps)
    for key, value in results.items():
        print(f"{key:>24}: {value:.3f}" if isinstance(value, float) else f"{key:>24}: {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
