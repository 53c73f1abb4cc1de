"""HTTP on one port: ``/healthz``, ``/readyz``, ``/metrics``, ``POST /hooks/git``.

The server only routes; what each endpoint answers comes from an
``Endpoints`` object the daemon passes in, so this module knows nothing
about repositories or clusters.

The port faces the network (webhooks come from outside), so every request is
bounded: at most ``MAX_HANDLERS`` connections are served at once (the next
ones get 503 at once, without a thread), a request must arrive within
``READ_TIMEOUT`` (then 408 and the connection is closed), and a body must
declare its size (``Content-Length``, at most ``MAX_BODY``; 400/411/413 otherwise).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from gitops_vela.daemon.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from gitops_vela.logs import get_logger

MAX_BODY = 5 * 1024 * 1024  # GitHub caps payloads at 25 MB; a push is far smaller
MAX_HANDLERS = 32  # probes and hooks are quick: more at once is a flood
READ_TIMEOUT = 10.0  # seconds for a request (line, headers, body) to arrive
_BUSY_BODY = b'{"message": "too many connections: retry later"}\n'
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(_BUSY_BODY), _BUSY_BODY)
)
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


class _BodyError(Exception):
    """The request's body cannot be read; ``reply`` says why."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Per socket read (request line, headers); ``_body`` bounds the whole body too.
        self.connection.settimeout(self.server.read_timeout)

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
        try:
            body = self._body()
        except _BodyError as exc:
            self.close_connection = True  # the rest of the body is unread
            self._json(exc.reply)
            return
        if path != "/hooks/git":
            self._json(Reply(404, {"message": f"no such endpoint: {path}"}))
            return
        headers = {key: value for key, value in self.headers.items()}
        self._json(self.server.endpoints.hook(body=body, headers=headers))

    def _body(self) -> bytes:
        length = self._length()
        deadline = time.monotonic() + self.server.read_timeout
        chunks: list[bytes] = []
        while length > 0:
            if time.monotonic() > deadline:
                raise _BodyError(Reply(408, {"message": "the body did not arrive in time"}))
            try:
                chunk = self.rfile.read1(min(length, 65536))
            except TimeoutError as exc:
                raise _BodyError(
                    Reply(408, {"message": "the body did not arrive in time"})
                ) from exc
            if not chunk:
                raise _BodyError(Reply(400, {"message": "the body is shorter than Content-Length"}))
            chunks.append(chunk)
            length -= len(chunk)
        return b"".join(chunks)

    def _length(self) -> int:
        if self.headers.get("Transfer-Encoding"):
            raise _BodyError(Reply(411, {"message": "send the body with a Content-Length"}))
        text = self.headers.get("Content-Length", "0").strip()
        if not text.isdigit():  # "abc", "-1", "1e3": never guess a length
            raise _BodyError(Reply(400, {"message": f"invalid Content-Length: {text[:20]!r}"}))
        if int(text) > MAX_BODY:
            raise _BodyError(Reply(413, {"message": f"payload over {MAX_BODY} bytes"}))
        return int(text)

    def _json(self, reply: Reply) -> None:
        self._send(reply.status, json.dumps(dict(reply.body)).encode() + b"\n", "application/json")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        # Probes hit every few seconds: request lines are debug noise, not info.
        log.debug("http request", client=self.client_address[0], line=format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # accepted at once, so a flood is told 503 instead of waiting
    endpoints: Endpoints
    slots: threading.BoundedSemaphore
    read_timeout: float

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            _refuse(request)
            self.shutdown_request(request)
            return
        thread = threading.Thread(
            target=self._serve_in_slot, args=(request, client_address), daemon=True
        )
        thread.start()

    def _serve_in_slot(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the client left: nothing to fix
            log.debug("http client disconnected", client=client_address[0])
            return
        # A bug in an endpoint: one JSON log line, the server keeps serving.
        log.exception("http request failed", client=client_address[0])


def _refuse(request: socket.socket) -> None:
    try:
        request.settimeout(1.0)
        request.sendall(_BUSY)
    except OSError:
        return  # the client is gone or not reading: nothing to tell it


class HttpServer:
    """Serves ``endpoints`` on ``host:port`` from a background thread."""

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        host: str,
        port: int,
        max_handlers: int = MAX_HANDLERS,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.endpoints = endpoints
        self._server.slots = threading.BoundedSemaphore(max_handlers)
        self._server.read_timeout = read_timeout
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="http",
            kwargs={"poll_interval": 0.2},
            daemon=True,  # stop() drains it; it must never keep a dying process alive
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
