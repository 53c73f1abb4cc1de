"""The HTTP server routes to its endpoints; what they answer is the daemon's business."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping

import pytest

from gitops_vela.daemon.http import MAX_BODY, HttpServer, Reply


class Endpoints:
    def __init__(self) -> None:
        self.hooks: list[tuple[bytes, Mapping[str, str]]] = []

    def live(self) -> Reply:
        return Reply(200, {"status": "ok"})

    def ready(self) -> Reply:
        return Reply(503, {"status": "waiting"})

    def metrics_text(self) -> bytes:
        return b"gitops_vela_up 1\n"

    def hook(self, *, body: bytes, headers: Mapping[str, str]) -> Reply:
        self.hooks.append((body, headers))
        return Reply(202, {"triggered": []})


@pytest.fixture
def served() -> Iterator[tuple[str, Endpoints]]:
    endpoints = Endpoints()
    server = HttpServer(endpoints, host="127.0.0.1", port=0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", endpoints
    finally:
        server.stop()


def call(url: str, *, body: bytes | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_probes_answer_json(served: tuple[str, Endpoints]) -> None:
    base, _ = served
    assert call(base + "/healthz")[0] == 200
    code, kind, text = call(base + "/readyz")
    assert (code, kind, json.loads(text)) == (503, "application/json", {"status": "waiting"})


def test_metrics_use_the_prometheus_content_type(served: tuple[str, Endpoints]) -> None:
    base, _ = served
    code, kind, text = call(base + "/metrics")
    assert code == 200 and kind.startswith("text/plain; version=") and "gitops_vela_up" in text


def test_hooks_receive_the_raw_body_and_headers(served: tuple[str, Endpoints]) -> None:
    base, endpoints = served
    assert call(base + "/hooks/git", body=b'{"x": 1}')[0] == 202
    ((body, headers),) = endpoints.hooks
    assert body == b'{"x": 1}' and headers["Content-Length"] == "8"


def test_unknown_paths_are_404(served: tuple[str, Endpoints]) -> None:
    base, endpoints = served
    assert call(base + "/nope")[0] == 404
    assert call(base + "/hooks/other", body=b"{}")[0] == 404
    assert endpoints.hooks == []


def test_oversized_payloads_are_refused_unread(served: tuple[str, Endpoints]) -> None:
    base, endpoints = served
    request = urllib.request.Request(
        base + "/hooks/git",
        data=b"",
        method="POST",
        headers={"Content-Length": str(MAX_BODY + 1)},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 413
    caught.value.close()
    assert endpoints.hooks == []


@pytest.fixture
def strict() -> Iterator[tuple[HttpServer, Endpoints]]:
    """A server with a short read timeout and room for 4 connections at once."""
    endpoints = Endpoints()
    server = HttpServer(endpoints, host="127.0.0.1", port=0, max_handlers=4, read_timeout=0.5)
    server.start()
    try:
        yield server, endpoints
    finally:
        server.stop()


def raw(port: int, request: bytes, *, timeout: float = 5.0) -> tuple[int, str]:
    """Send ``request`` as is; the status code and the body of the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        reader = conn.makefile("rb")
        status = int(reader.readline().split()[1])
        headers = dict(
            line.decode().split(":", 1) for line in iter(reader.readline, b"\r\n") if b":" in line
        )
        body = reader.read(int(headers.get("Content-Length", "0")))
    return status, body.decode()


def post(length: str, body: bytes = b"") -> bytes:
    return (
        f"POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode() + body
    )


@pytest.mark.reliability
@pytest.mark.parametrize("length", ["abc", "-1", "1e3", " "])
def test_an_invalid_content_length_is_400(
    strict: tuple[HttpServer, Endpoints], length: str
) -> None:
    server, endpoints = strict
    code, body = raw(server.port, post(length, b"{}"))
    assert code == 400 and "Content-Length" in json.loads(body)["message"]
    assert endpoints.hooks == []


@pytest.mark.reliability
def test_a_body_shorter_than_announced_times_out_and_frees_its_thread(
    strict: tuple[HttpServer, Endpoints],
) -> None:
    server, endpoints = strict
    before = threading.active_count()
    started = time.monotonic()
    code, body = raw(server.port, post("100", b'{"short": true}'))
    assert code == 408 and "in time" in json.loads(body)["message"]
    assert time.monotonic() - started < 3
    assert endpoints.hooks == []
    wait_until(lambda: threading.active_count() <= before)


@pytest.mark.reliability
def test_chunked_bodies_are_refused(strict: tuple[HttpServer, Endpoints]) -> None:
    server, _ = strict
    request = (
        b"POST /hooks/git HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"
    )
    assert raw(server.port, request)[0] == 411


@pytest.mark.reliability
def test_slow_connections_get_a_bounded_number_of_threads(
    strict: tuple[HttpServer, Endpoints],
) -> None:
    server, _ = strict
    before = threading.active_count()
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
    try:
        for conn in slow:
            conn.sendall(b"GET /healthz HTTP/1.1\r\n")  # and never the rest
        most = before
        for _ in range(40):  # 1 s: the read timeout (0.5 s) frees each slot once
            most = max(most, threading.active_count())
            time.sleep(0.025)
        answers = [reply_to(conn) for conn in slow]
    finally:
        for conn in slow:
            conn.close()
    assert most <= before + 4
    assert "503" in answers and set(answers) <= {"503", "closed"}  # the rest timed out
    wait_until(lambda: threading.active_count() <= before)
    assert raw(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")[0] == 200


def reply_to(conn: socket.socket) -> str:
    """``"503"`` when the server refused the connection, ``"closed"`` when it gave up on it."""
    conn.settimeout(5)
    first = conn.recv(64)
    return first.split()[1].decode() if first else "closed"


def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
