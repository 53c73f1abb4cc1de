"""Starting, stopping, reloading, and surviving a Git remote that goes away."""

from __future__ import annotations

import signal
from pathlib import Path

import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, load_configuration
from tests.daemon.conftest import (
    GitRemote,
    StartDaemon,
    appfile,
    git,
    replicas,
    wait_for,
)


def test_sigterm_lets_the_apply_in_flight_finish_then_exits_0(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, emulator: Emulator
) -> None:
    daemon = start_daemon("--repo", remote.url, "--interval", "1s")
    wait_for(lambda: remote.status_file("shop"), what="the first reconcile to finish")
    emulator.faults.add(verb="patch", resource="deployments", latency=1.5)
    applies = emulator.counters.count("apply", "deployments")
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=5)})
    wait_for(lambda: emulator.counters.count("apply", "deployments") > applies, what="an apply")
    assert daemon.stop(signal.SIGTERM) == 0
    emulator.faults.clear()
    assert replicas(cluster) == 5, "\n".join(daemon.lines)
    assert daemon.event("stopped", clean=True)


def test_a_reconcile_that_outlives_the_shutdown_timeout_is_abandoned(
    remote: GitRemote, start_daemon: StartDaemon, emulator: Emulator, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {"shutdownTimeout": "1s", "repositories": [{"url": str(remote.bare), "interval": "1s"}]}
        )
    )
    emulator.faults.add(verb="patch", resource="deployments", latency=5)
    applies = emulator.counters.count("apply", "deployments")
    daemon = start_daemon("--config", str(config))
    wait_for(lambda: emulator.counters.count("apply", "deployments") > applies, what="an apply")
    daemon.expected_exit = 1
    assert daemon.stop(signal.SIGTERM) == 1
    assert daemon.event("shutdown timed out with a reconcile still running")


def test_sigint_stops_too(remote: GitRemote, start_daemon: StartDaemon) -> None:
    daemon = start_daemon("--repo", remote.url, "--interval", "1s")
    assert daemon.stop(signal.SIGINT) == 0


def test_a_remote_that_disappears_keeps_the_cluster_and_recovers(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    daemon = start_daemon("--repo", remote.url, "--interval", "1s", "--prune")
    wait_for(lambda: replicas(cluster) == 1, what="first apply")
    hidden = tmp_path / "hidden.git"
    remote.bare.rename(hidden)
    failed = wait_for(
        lambda: daemon.event("reconcile failed", reason="SourceFailed"), what="SourceFailed"
    )
    assert str(tmp_path) in failed["error"] or "remote" in failed["error"]
    assert replicas(cluster) == 1 and replicas(cluster, "blog") == 1  # nothing pruned
    hidden.rename(remote.bare)
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=2)})
    wait_for(lambda: replicas(cluster) == 2, timeout=30, what="applied after the remote came back")


# Runs once, inside the push of a status commit: someone else's commit lands on the
# status branch first, so the daemon's push loses the race (its expected old value moved).
RACING_HOOK = r"""#!/bin/sh
while read old new ref; do
  case "$old" in *[!0]*) ;; *) continue ;; esac  # the branch's first push: no race
  if [ "$ref" = "refs/heads/gitops-vela/status" ] && [ ! -e "$GIT_DIR/raced" ]; then
    touch "$GIT_DIR/raced"
    unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
    blob=$(echo "kept by people" | git hash-object -w --stdin)
    tree=$( (git ls-tree "$old"; printf '100644 blob %s\tNOTES.md\n' "$blob") | git mktree)
    commit=$(echo "notes" | GIT_AUTHOR_NAME=p GIT_AUTHOR_EMAIL=p@x GIT_COMMITTER_NAME=p \
      GIT_COMMITTER_EMAIL=p@x git commit-tree "$tree" -p "$old")
    git update-ref refs/heads/gitops-vela/status "$commit" "$old"
  fi
done
exit 0
"""


def test_a_status_push_that_loses_a_race_is_redone_and_keeps_the_other_commit(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster
) -> None:
    daemon = start_daemon("--repo", remote.url, "--interval", "1s")
    wait_for(lambda: remote.status_file("shop"), what="first status")
    hook = remote.bare / "hooks" / "pre-receive"
    hook.write_text(RACING_HOOK)
    hook.chmod(0o755)
    pushes = daemon.metric("gitops_vela_git_requests_total", op="push")
    head = remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=3)})
    wait_for(lambda: (remote.status_file("shop") or {}).get("revision") == head, what="status")
    assert (remote.bare / "raced").exists(), "the racing commit was made"
    assert "NOTES.md" in remote.status_files()
    assert daemon.metric("gitops_vela_git_requests_total", op="push") >= pushes + 2


def test_the_embedded_cluster_writes_a_kubeconfig_and_keeps_its_state(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    cache = tmp_path / "embedded-cache"
    daemon = start_daemon(
        "--repo",
        remote.url,
        "--interval",
        "1s",
        "--embedded-cluster",
        "--cache-dir",
        str(cache),
        cluster=False,
    )
    kubeconfig = cache / "embedded" / "kubeconfig"
    assert daemon.event("embedded cluster started (an emulator: nothing runs containers)")
    with Cluster(load_configuration(str(kubeconfig))) as embedded:
        wait_for(lambda: replicas(embedded) == 1, what="applied to the embedded cluster")
    wait_for(lambda: remote.status_file("shop"), what="status")
    assert daemon.stop() == 0
    state = (cache / "embedded" / "state.json").read_text()
    assert '"shop"' in state


def test_a_config_file_is_reloaded_on_sighup(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    second = GitRemote(bare=tmp_path / "second.git", work=tmp_path / "second")
    git("init", "-q", "--bare", "--initial-branch=main", str(second.bare))
    git("clone", "-q", str(second.bare), str(second.work))
    git("config", "user.name", "T", cwd=second.work)
    git("config", "user.email", "t@x", cwd=second.work)
    second.push({"apps/wiki/vela.yaml": appfile("wiki")})
    config = tmp_path / "config.yaml"
    one = {"repositories": [{"url": str(remote.bare), "interval": "1s"}]}
    config.write_text(yaml.safe_dump(one))
    daemon = start_daemon("--config", str(config))
    wait_for(lambda: replicas(cluster) == 1, what="first repository applied")

    config.write_text("repositories: [{url: 1}]\n")  # broken: the running config stays
    daemon.proc.send_signal(signal.SIGHUP)
    failed = wait_for(lambda: daemon.event("config reload failed: keeping the running config"))
    assert f"{config}:1: repositories[0].url: 1 is not of type 'string'" in failed["errors"]

    two = {"repositories": [*one["repositories"], {"url": str(second.bare), "interval": "1s"}]}
    config.write_text(yaml.safe_dump(two))
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: replicas(cluster, "wiki") == 1, what="the added repository applied")
    assert replicas(cluster) == 1


def test_the_sample_repository_lands_like_the_readme_says(
    start_daemon: StartDaemon, tmp_path: Path
) -> None:
    """What ``scripts/try.sh`` runs: sample-repo pushed to a bare repository, embedded cluster."""
    sample = Path(__file__).resolve().parents[2] / "sample-repo"
    repo = GitRemote(bare=tmp_path / "sample.git", work=tmp_path / "sample")
    git("init", "-q", "--bare", "--initial-branch=main", str(repo.bare))
    git("clone", "-q", str(repo.bare), str(repo.work))
    git("config", "user.name", "T", cwd=repo.work)
    git("config", "user.email", "t@x", cwd=repo.work)
    files = {str(p.relative_to(sample)): p.read_text() for p in sample.rglob("*") if p.is_file()}
    repo.push(files)
    cache = tmp_path / "cache-sample"
    start_daemon(
        "--repo",
        repo.url,
        "--interval",
        "2s",
        "--prune",
        "--embedded-cluster",
        "--cache-dir",
        str(cache),
        cluster=False,
    )
    apps = sorted(p.name for p in (sample / "apps").iterdir() if (p / "vela.yaml").exists())
    statuses = wait_for(
        lambda: all(repo.status_file(a) for a in apps) and {a: repo.status_file(a) for a in apps},
        timeout=60,
        what="a status file for every sample app",
    )
    assert {a: s["sync"] for a, s in statuses.items()} == dict.fromkeys(apps, "Synced")
    with Cluster(load_configuration(str(cache / "embedded" / "kubeconfig"))) as embedded:
        shop = embedded.list_objects(embedded.resource("apps/v1", "Deployment"), namespace="shop")
        assert shop, "the shop app's Deployments are in the embedded cluster"
