"""The daemon's port under floods and malformed requests: bounded work, clear replies."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.pushes import sign
from tests.daemon.conftest import DaemonProcess, GitRemote, StartDaemon, replicas, wait_for
from tests.daemon.test_e2e_http import SECRET, hook, push_payload, slow_daemon

pytestmark = pytest.mark.reliability


def reconciles(daemon: DaemonProcess) -> float:
    return daemon.metric("gitops_vela_reconcile_total", repo="remote")


def settled(daemon: DaemonProcess, cluster: Cluster) -> float:
    """Reconciles so far, once the first one is done and counted."""
    wait_for(lambda: replicas(cluster) == 1, what="first apply")
    return wait_for(lambda: reconciles(daemon), what="the first reconcile counted")


def signed(body: bytes, delivery: str) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(SECRET, body), "X-GitHub-Delivery": delivery}


@pytest.mark.slow
def test_one_delivery_sent_200_times_reconciles_once(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    before = settled(daemon, cluster)
    body = push_payload(remote)
    replies = [hook(daemon, body, **signed(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958"))]
    with ThreadPoolExecutor(8) as pool:
        replies += pool.map(
            lambda _: hook(daemon, body, **signed(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958")),
            range(199),
        )
    assert replies[0] == (202, {"message": "polling remote", "triggered": ["remote"]})
    assert {code for code, _ in replies[1:]} == {200}
    assert all("handled already" in str(reply["message"]) for _, reply in replies[1:])
    wait_for(lambda: reconciles(daemon) == before + 1, what="the triggered reconcile")
    time.sleep(1.5)  # past the trigger spacing: nothing else may run
    assert reconciles(daemon) == before + 1


@pytest.mark.slow
def test_200_distinct_deliveries_coalesce_into_one_or_two_reconciles(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    before = settled(daemon, cluster)
    body = push_payload(remote)
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(lambda i: hook(daemon, body, **signed(body, f"d-{i}"))[0], range(200))
        )
    assert codes == [202] * 200
    wait_for(lambda: reconciles(daemon) > before, what="a triggered reconcile")
    time.sleep(2.5)  # two trigger spacings: a third run would have started
    assert reconciles(daemon) - before in (1, 2, 3)  # one per spacing while the burst lasts


def test_a_signed_body_nested_100000_levels_is_400(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    body = b'{"repository": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    code, reply = hook(daemon, body, **{"X-Hub-Signature-256": sign(SECRET, body)})
    assert code == 400 and "nests deeper than 64 levels" in str(reply["message"])
    assert daemon.http("/healthz")[0] == 200
    assert not [line for line in daemon.lines if "Traceback" in line or "exception" in line]


@pytest.mark.parametrize("length", ["abc", "-1"])
def test_an_invalid_content_length_is_400_from_the_daemon(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path, length: str
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    request = f"POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}"
    with socket.create_connection(("127.0.0.1", daemon.port), timeout=5) as conn:
        conn.sendall(request.encode())
        reply = conn.makefile("rb").read()  # the server closes: the body was not read
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split()[1] == b"400" and b"Content-Length" in body
    assert daemon.http("/healthz")[0] == 200


@pytest.mark.slow
def test_500_slow_connections_do_not_make_500_threads(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    daemon = slow_daemon(start_daemon, remote, tmp_path)
    settled(daemon, cluster)  # the scheduler's and the status writer's threads exist now
    idle = threads_of(daemon)
    slow = [socket.create_connection(("127.0.0.1", daemon.port)) for _ in range(500)]
    try:
        for conn in slow:
            conn.sendall(b"POST /hooks/git HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.5)
        busy = threads_of(daemon)
    finally:
        for conn in slow:
            conn.close()
    assert busy <= idle + 32, (idle, busy)
    wait_for(lambda: daemon.http("/healthz")[0] == 200, what="the port to serve again")


def threads_of(daemon: DaemonProcess) -> int:
    status = Path(f"/proc/{daemon.proc.pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])
