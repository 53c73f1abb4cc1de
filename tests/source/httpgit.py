"""A Git smart-HTTP server for tests: ``git http-backend`` behind HTTP basic auth."""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

_CGI_KEYS = ("PATH_INFO", "QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "REMOTE_ADDR")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Backend:
    def __init__(self, root: Path, *, user: str, token: str) -> None:
        self.root = root
        self.expected = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        self.authorizations: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        self.authorizations.append(auth)
        if auth != self.expected:
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"')])
            return [b"unauthorized\n"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        env = {key: str(environ.get(key, "")) for key in _CGI_KEYS}
        env.update(
            GIT_PROJECT_ROOT=str(self.root),
            GIT_HTTP_EXPORT_ALL="1",
            REMOTE_USER="tester",
            CONTENT_LENGTH=str(len(body)),
            HTTP_CONTENT_ENCODING=str(environ.get("HTTP_CONTENT_ENCODING", "")),
            GIT_PROTOCOL=str(environ.get("HTTP_GIT_PROTOCOL", "")),
        )
        out = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=True
        ).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = "200 OK", []
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(": ")
            if key.lower() == "status":
                status = value
            elif key:
                headers.append((key, value))
        start_response(status, headers)
        return [payload]


@contextmanager
def serve_git(root: Path, *, user: str, token: str) -> Iterator[tuple[str, _Backend]]:
    """Serve the repositories under ``root`` at ``http://127.0.0.1:<port>/``."""
    backend = _Backend(root, user=user, token=token)
    server: WSGIServer = make_server("127.0.0.1", 0, backend, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", backend
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
