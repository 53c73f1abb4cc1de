"""HTTP on one port: ``/healthz``, ``/readyz``, ``/metrics``, ``POST /hooks/git``.

The server only routes; what each endpoint answers comes from an
``Endpoints`` object the daemon passes in, so this module knows nothing
about repositories or clusters.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from gitops_vela.daemon.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from gitops_vela.logs import get_logger

MAX_BODY = 5 * 1024 * 1024  # GitHub caps payloads at 25 MB; a push is far smaller
log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Mapping[str, Any] = field(default_factory=dict)


class Endpoints(Protocol):
    def live(self) -> Reply: ...
    def ready(self) -> Reply: ...
    def metrics_text(self) -> bytes: ...
    def hook(self, *, body: bytes, headers: Mapping[str, str]) -> Reply: ...


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._json(self.server.endpoints.live())
        elif path == "/readyz":
            self._json(self.server.endpoints.ready())
        elif path == "/metrics":
            self._send(200, self.server.endpoints.metrics_text(), METRICS_CONTENT_TYPE)
        else:
            self._json(Reply(404, {"message": f"no such endpoint: {path}"}))

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path != "/hooks/git":
            self._json(Reply(404, {"message": f"no such endpoint: {path}"}))
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(Reply(413, {"message": f"payload over {MAX_BODY} bytes"}))
            return
        body = self.rfile.read(length)
        headers = {key: value for key, value in self.headers.items()}
        self._json(self.server.endpoints.hook(body=body, headers=headers))

    def _json(self, reply: Reply) -> None:
        self._send(reply.status, json.dumps(dict(reply.body)).encode() + b"\n", "application/json")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # Probes hit every few seconds: request lines are debug noise, not info.
        log.debug("http request", client=self.client_address[0], line=format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    endpoints: Endpoints


class HttpServer:
    """Serves ``endpoints`` on ``host:port`` from a background thread."""

    def __init__(self, endpoints: Endpoints, *, host: str, port: int) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.endpoints = endpoints
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="http", kwargs={"poll_interval": 0.2}
        )

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
