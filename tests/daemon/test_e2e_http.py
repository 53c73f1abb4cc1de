"""The daemon's one port: probes, metrics, and the push webhook that polls at once."""

from __future__ import annotations

import json
from pathlib import Path

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.pushes import sign
from tests.daemon.conftest import (
    DaemonProcess,
    GitRemote,
    StartDaemon,
    appfile,
    replicas,
    wait_for,
)

SECRET = b"s3cr3t-for-tests"


def push_payload(remote: GitRemote, branch: str = "main") -> bytes:
    return json.dumps(
        {
            "ref": f"refs/heads/{branch}",
            "repository": {"clone_url": remote.bare.as_uri(), "html_url": "https://example/x"},
        }
    ).encode()


def hook(daemon: DaemonProcess, body: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    code, text = daemon.http(
        "/hooks/git",
        body=body,
        headers={"Content-Type": "application/json", "X-GitHub-Event": "push", **headers},
    )
    return code, json.loads(text)


def slow_daemon(start_daemon: StartDaemon, remote: GitRemote, tmp_path: Path) -> DaemonProcess:
    """Polls once an hour: only the webhook can make it notice a push."""
    secret = tmp_path / "webhook-secret"
    secret.write_bytes(SECRET + b"\n")
    return start_daemon(
        "--repo", remote.url, "--interval", "1h", "--webhook-secret-file", str(secret)
    )


def test_a_signed_push_webhook_polls_at_once(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    wait_for(lambda: replicas(cluster) == 1, what="first apply")
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=4)})
    body = push_payload(remote)
    code, reply = hook(daemon, body, **{"X-Hub-Signature-256": sign(SECRET, body)})
    assert (code, reply["triggered"]) == (202, ["remote"])
    wait_for(lambda: replicas(cluster) == 4, what="the pushed change applied")


def test_a_webhook_with_a_bad_or_missing_signature_triggers_nothing(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") == 1, what="the first poll")
    assert replicas(cluster) == 1
    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=4)})
    body = push_payload(remote)
    assert hook(daemon, body)[0] == 401
    assert hook(daemon, body, **{"X-Hub-Signature-256": sign(b"wrong", body)})[0] == 403
    tampered = body.replace(b"main", b"mainx")
    assert hook(daemon, tampered, **{"X-Hub-Signature-256": sign(SECRET, body)})[0] == 403
    wait_for(lambda: daemon.event("webhook rejected: bad signature"), what="the rejection logged")
    assert daemon.metric("gitops_vela_reconcile_total") == 1
    assert replicas(cluster) == 1


def test_a_webhook_for_another_repository_or_branch_polls_nothing(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    other = json.dumps(
        {"ref": "refs/heads/main", "repository": {"clone_url": "https://example/other.git"}}
    ).encode()
    code, reply = hook(daemon, other, **{"X-Hub-Signature-256": sign(SECRET, other)})
    assert code == 404 and reply["triggered"] == []
    feature = push_payload(remote, branch="feature")
    code, reply = hook(daemon, feature, **{"X-Hub-Signature-256": sign(SECRET, feature)})
    assert code == 202 and reply["triggered"] == []
    assert "feature" in str(reply["message"])


def test_probes_and_metrics(remote: GitRemote, start_daemon: StartDaemon) -> None:
    daemon = start_daemon("--repo", remote.url, "--interval", "1s")
    assert daemon.http("/healthz")[0] == 200
    wait_for(lambda: daemon.http("/readyz")[0] == 200, what="ready")
    code, text = daemon.http("/metrics")
    assert code == 200
    for name in (
        "gitops_vela_reconcile_duration_seconds",
        "gitops_vela_reconcile_total",
        "gitops_vela_app_health",
        "gitops_vela_git_requests_total",
        "gitops_vela_kube_requests_total",
        "gitops_vela_render_duration_seconds",
    ):
        assert name in text, name
    assert daemon.metric("gitops_vela_git_requests_total", op="ls-remote") >= 1
    assert daemon.metric("gitops_vela_kube_requests_total") >= 1
    assert daemon.metric("gitops_vela_app_health", repo="remote", app="shop") == 1
    assert daemon.http("/nope")[0] == 404


def test_not_ready_while_the_cluster_is_unreachable(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "nowhere.kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        "clusters: [{name: x, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "users: [{name: x, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: x, user: x}}]\n"
    )
    daemon = start_daemon(
        "--repo", remote.url, "--interval", "1s", "--kubeconfig", str(kubeconfig), cluster=False
    )
    wait_for(lambda: daemon.event("reconcile failed"), what="a failed reconcile")
    # The failure is logged just before the run counts as attempted: poll, briefly.
    code, text = wait_for(
        lambda: (reply := daemon.http("/readyz"))[1].find("notAttempted") < 0 and reply,
        timeout=5,
        what="the failed run to count as attempted",
    )
    assert code == 503 and "cluster" in text
    assert daemon.http("/healthz")[0] == 200
