"""The daemon's watch cache end to end: quiet polls cost nothing, a live edit is fixed at once.

``gitops-vela run`` in a subprocess against the emulator; another client edits
objects as ``kubectl edit`` would.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from tests.daemon.conftest import GitRemote, StartDaemon, replicas, wait_for
from tests.sync.conftest import edit_replicas

READS_AND_WRITES = ("list", "get", "patch", "create", "update", "delete")
SETTINGS_APP = yaml.safe_dump(
    {
        "name": "settings",
        "namespace": "settings",
        "services": {
            "config": {
                "type": "k8s-objects",
                "objects": [
                    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags"}}
                ],
            }
        },
    },
    sort_keys=False,
)


def run_args(remote: GitRemote, *more: str) -> list[str]:
    return ["--repo", remote.url, "--interval", "1s", "--prune", *more]


def test_quiet_polls_send_nothing_and_a_live_edit_is_corrected_for_its_app_alone(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, emulator: Emulator
) -> None:
    # An app nothing but its own apply ever changes: its first run's "created" must not
    # be counted again by the quiet polls that leave it alone.
    remote.push({"apps/settings/vela.yaml": SETTINGS_APP})
    daemon = start_daemon(*run_args(remote))
    wait_for(lambda: replicas(cluster, "shop") == 1 and replicas(cluster, "blog") == 1)
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= 2, what="a second run")
    time.sleep(1.5)  # the status updates the emulator simulates after the first apply settle

    before = {v: daemon.metric("gitops_vela_kube_requests_total", verb=v) for v in READS_AND_WRITES}
    changed = daemon.metric("gitops_vela_objects_changed_total")
    runs = daemon.metric("gitops_vela_reconcile_total")
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= runs + 3, what="3 polls")
    after = {v: daemon.metric("gitops_vela_kube_requests_total", verb=v) for v in READS_AND_WRITES}
    assert after == before, "quiet polls sent requests to the API server"
    # A quiet poll plans no app, so it changed nothing: not the last run's changes again.
    assert daemon.metric("gitops_vela_objects_changed_total") == changed
    quiet = [e for e in daemon.events() if e.get("event") == "reconciled" and e["planned"] == 0]
    assert all(e["changed"] == 0 for e in quiet), quiet
    # 2 apps x 3 objects, 2 inventories, the namespaces: all kept, every watch in step
    assert daemon.metric("gitops_vela_live_cache_objects") >= 8
    assert daemon.metric("gitops_vela_live_cache_in_step") == 1

    emulator.counters.reset()
    edited = time.monotonic()
    edit_replicas(cluster, "shop", "web", 4)
    wait_for(lambda: replicas(cluster, "shop") == 1, timeout=10, what="the edit corrected")
    took = time.monotonic() - edited
    fixed = wait_for(lambda: daemon.event("reconciled", changed=1), what="the correcting run")
    assert fixed["planned"] == 1, fixed  # shop only: blog was not planned again
    assert took < 5.0, f"corrected after {took:.1f} s"
    # The correcting run wrote the one Deployment and listed nothing.
    assert emulator.counters.count("list") == 0, emulator.counters.by_verb()


def test_detect_reports_a_live_edit_and_never_writes(
    remote: GitRemote,
    start_daemon: StartDaemon,
    cluster: Cluster,
    emulator: Emulator,
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    repo = {"url": remote.url, "interval": "1s", "drift": "detect"}
    config.write_text(yaml.safe_dump({"repositories": [repo]}))
    daemon = start_daemon("--config", str(config))
    wait_for(lambda: replicas(cluster, "shop") == 1, what="first apply")
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= 2, what="a second run")
    time.sleep(1.5)

    emulator.counters.reset()
    edit_replicas(cluster, "shop", "web", 4)
    status = wait_for(
        lambda: (s := remote.status_file("shop")) and s["sync"] == "OutOfSync" and s,
        what="shop reported OutOfSync",
    )
    assert "Deployment.apps/shop/web: spec.replicas drifted in the cluster" in status["message"]
    assert "not corrected (drift: detect)" in status["message"]
    wait_for(lambda: daemon.metric("gitops_vela_drift_detected_objects", repo="remote") == 1)
    events = cluster.list_objects(cluster.resource("v1", "Event"), namespace="gitops-vela-system")
    warned = [e for e in events if e["type"] == "Warning" and "spec.replicas" in e["message"]]
    assert warned, [e["message"] for e in events]
    runs = daemon.metric("gitops_vela_reconcile_total")
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= runs + 2, what="2 more polls")
    # still nothing written to the app's objects
    assert replicas(cluster, "shop") == 4
    # the one patch is the edit itself: the daemon sent none (not even a dry run)
    assert emulator.counters.count("patch", "deployments") == 1, emulator.counters.by_verb()
