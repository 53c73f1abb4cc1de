"""One HTTP request to the API server: auth, retries with backoff, counting.

Uses the official client's configuration (kubeconfig, exec plugins, in-cluster
tokens, TLS) and its urllib3 pool, but not its generated models: objects stay
plain JSON dicts, which is what sync compares and what the hot path needs.
"""

from __future__ import annotations

import contextlib
import copy
import random
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
import urllib3

from gitops_vela.cluster.identity import Identity, forbidden
from gitops_vela.cluster.translate import status_error, unreachable
from gitops_vela.errors import ApiError, ClusterError

if TYPE_CHECKING:
    from kubernetes import client as k8s

RequestHook = Callable[[str], None]
"""Called once per request sent, with its Kubernetes verb (get, list, patch...)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for 5xx, 429 and timeouts: ``base * 2**n`` with jitter, capped.

    A server's ``Retry-After`` wins over the computed delay.
    """

    attempts: int = 5
    base: float = 0.2
    cap: float = 5.0
    timeout: float = 30.0  # per request

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return float(retry_after)
        backoff = min(self.cap, self.base * 2.0**attempt)
        return backoff * (0.5 + random.random() / 2)  # jitter, not crypto


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: Any


class Transport:
    """Sends requests; every failure leaves as a ``ClusterError``."""

    def __init__(
        self,
        configuration: k8s.Configuration,
        *,
        retry: RetryPolicy,
        on_request: RequestHook | None = None,
        pool_size: int = 16,
    ) -> None:
        # Imported here, not at module level: the official client costs every command
        # ~0.3 CPU-s to import, and offline ones (render, validate, why --offline) never
        # connect.
        from kubernetes import client as k8s

        configuration.retries = False  # we retry, with backoff, here
        configuration.connection_pool_maxsize = pool_size
        self._api = k8s.ApiClient(configuration)
        self._host = configuration.host.rstrip("/")
        self._retry = retry
        self._on_request = on_request
        self.identity: Identity | None = None
        self.sleep: Callable[[float], None] = time.sleep

    @property
    def host(self) -> str:
        return self._host

    def impersonating(self, identity: Identity) -> Transport:
        """The same connection pool, every request acting as ``identity``."""
        view = copy.copy(self)
        view.identity = identity
        return view

    def close(self) -> None:
        self._api.rest_client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        verb: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        what: str = "",
    ) -> Response:
        """Send with retries; ``what`` names the object in error messages."""
        attempt = 0
        while True:
            try:
                return self._once(
                    method,
                    path,
                    verb=verb,
                    query=query,
                    body=body,
                    content_type=content_type,
                    what=what,
                )
            except ClusterError as exc:
                if not exc.retryable or attempt + 1 >= self._retry.attempts:
                    raise
                retry_after = exc.retry_after if isinstance(exc, ApiError) else None
                self.sleep(self._retry.delay(attempt, retry_after))
                attempt += 1

    def _once(
        self,
        method: str,
        path: str,
        *,
        verb: str,
        query: dict[str, str] | None,
        body: Any,
        content_type: str,
        what: str,
    ) -> Response:
        url = self._host + path + (f"?{urlencode(query)}" if query else "")
        headers = self._headers(content_type)
        payload = None if body is None else orjson.dumps(body)
        if self._on_request is not None:
            self._on_request(verb)
        try:
            raw = self._api.rest_client.pool_manager.request(
                method,
                url,
                body=payload,
                headers=headers,
                timeout=urllib3.Timeout(total=self._retry.timeout),
                preload_content=True,
                retries=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise unreachable(exc, host=self._host) from exc
        if raw.status == 403 and self.identity is not None:
            raise forbidden(self.identity, body=raw.data, method=method, path=path)
        if raw.status >= 400:
            raise status_error(status=raw.status, body=raw.data, headers=raw.headers, what=what)
        # orjson: list responses of thousands of objects are the hot path of a quiet poll
        return Response(raw.status, orjson.loads(raw.data) if raw.data else None)

    def stream(self, path: str, *, verb: str, query: dict[str, str], timeout: float) -> Stream:
        """Open a long request whose body is one JSON document per line (a watch).

        Not retried: the caller (the watch cache) decides how to resume.
        """
        url = self._host + path + f"?{urlencode(query)}"
        if self._on_request is not None:
            self._on_request(verb)
        try:
            raw = self._api.rest_client.pool_manager.request(
                "GET",
                url,
                headers=self._headers("application/json"),
                timeout=urllib3.Timeout(connect=self._retry.timeout, read=timeout),
                preload_content=False,
                retries=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise unreachable(exc, host=self._host) from exc
        if raw.status >= 400:
            data = raw.read()
            raw.release_conn()
            raise status_error(status=raw.status, body=data, headers=raw.headers, what=path)
        return Stream(raw, host=self._host)

    def _headers(self, content_type: str) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Content-Type": content_type,
            "User-Agent": "gitops-vela",
        }
        queries: list[tuple[str, str]] = []
        self._api.update_params_for_auth(headers, queries, ["BearerToken"], "", "", None)
        if self.identity is not None:
            headers.update(self.identity.headers)
        return headers


class Stream:
    """The body of a watch, line by line; ``close`` (from any thread) ends it."""

    def __init__(self, raw: urllib3.BaseHTTPResponse, *, host: str) -> None:
        self._raw, self._host = raw, host
        self.closed = False

    def __iter__(self) -> Iterator[Any]:
        pending = b""
        try:
            for chunk in self._raw.stream(65536):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield orjson.loads(line)
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            if not self.closed:
                raise unreachable(exc, host=self._host) from exc
        finally:
            if self.closed:
                self._raw.close()  # a shut socket must not go back to the pool
            else:
                self._raw.release_conn()

    def close(self) -> None:
        """Shut the socket: a read blocked on it (on the watch thread) returns at once."""
        self.closed = True
        sock = getattr(getattr(self._raw, "connection", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
