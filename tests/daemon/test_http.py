"""The HTTP server routes to its endpoints; what they answer is the daemon's business."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping

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
