"""The daemon keeps the cluster equal to Git and reports back in Git (subprocess + emulator)."""

from __future__ import annotations

from gitops_vela.cluster import Cluster
from tests.daemon.conftest import GitRemote, StartDaemon, appfile, replicas, wait_for


def run_args(remote: GitRemote, *more: str) -> list[str]:
    return ["--repo", remote.url, "--interval", "1s", "--prune", *more]


def test_a_push_is_applied_and_reported_on_the_status_branch(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    head = remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=2)})
    start_daemon(*run_args(remote))
    wait_for(lambda: replicas(cluster, "shop") == 2, what="shop applied")
    status = wait_for(lambda: remote.status_file("shop"), what="the status file")
    assert status["revision"] == head and status["lastAppliedRevision"] == head
    assert status["sync"] == "Synced"
    deployed = [(r["kind"], r["namespace"], r["name"]) for r in status["resources"]]
    assert ("Deployment", "shop", "web") in deployed
    assert "README.md" in remote.status_files()
    subject = remote.status_commit_subject()
    assert "[skip ci]" in subject


def test_a_change_is_applied_at_the_next_poll(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    start_daemon(*run_args(remote))
    wait_for(lambda: replicas(cluster, "shop") == 1, what="first apply")
    head = remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=3)})
    wait_for(lambda: replicas(cluster, "shop") == 3, what="the change applied")
    wait_for(lambda: (remote.status_file("shop") or {}).get("revision") == head, what="status")


def test_a_broken_push_is_reported_with_file_and_line_and_deletes_nothing(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    daemon = start_daemon(*run_args(remote))
    wait_for(lambda: replicas(cluster, "shop") == 1, what="first apply")
    head = remote.push({"apps/shop/vela.yaml": appfile("shop", port="http")})
    status = wait_for(
        lambda: (s := remote.status_file("shop")) and s["revision"] == head and s,
        what="the failure reported",
    )
    assert status["sync"] == "Failed"
    assert status["errors"] == [
        "apps/shop/vela.yaml:6: services.web.port: 'http' is not of type 'integer'"
    ]
    assert status["lastAppliedRevision"] != head
    polls = daemon.metric("gitops_vela_reconcile_total")
    # Two more polls with prune on: the broken app's objects must stay.
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= polls + 2, what="2 polls")
    assert replicas(cluster, "shop") == 1
    assert replicas(cluster, "blog") == 1
    assert (remote.status_file("blog") or {}).get("sync") == "Synced"


def test_an_app_removed_from_git_is_pruned_and_its_status_file_removed(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    start_daemon(*run_args(remote))
    wait_for(lambda: replicas(cluster, "blog") == 1, what="first apply")
    wait_for(lambda: remote.status_file("blog"), what="blog status")
    remote.push({}, remove=("apps/blog",))
    wait_for(lambda: replicas(cluster, "blog") is None, what="blog pruned")
    wait_for(lambda: remote.status_file("blog") is None, what="blog status removed")
    assert replicas(cluster, "shop") == 1


def test_drift_is_corrected_without_a_new_commit(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    start_daemon(*run_args(remote))
    wait_for(lambda: replicas(cluster, "shop") == 1, what="first apply")
    deployment = cluster.resource("apps/v1", "Deployment")
    cluster.delete(deployment, namespace="shop", name="web")
    wait_for(lambda: replicas(cluster, "shop") == 1, what="the deleted Deployment restored")


def test_quiet_polls_make_no_status_commit(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    daemon = start_daemon(*run_args(remote))
    wait_for(lambda: remote.status_file("shop") and remote.status_file("blog"), what="statuses")
    wait_for(
        lambda: all(
            (remote.status_file(a) or {}).get("health") == "Healthy" for a in ("shop", "blog")
        ),
        what="both apps healthy on the status branch",
    )
    commits = remote.status_commits()
    polls = daemon.metric("gitops_vela_reconcile_total")
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= polls + 2, what="2 polls")
    assert remote.status_commits() == commits
    assert daemon.metric("gitops_vela_git_requests_total", op="push") <= commits
