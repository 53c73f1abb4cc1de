"""HTTP/1.1 front of the emulator: routing, content negotiation, faults, counters, watch streams.

Paths follow the apiserver: ``/api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]]`` and
``/apis/GROUP/VERSION/...``; discovery at ``/api``, ``/apis``, ``/apis/G[/V]``;
OpenAPI at ``/openapi/v2`` and ``/openapi/v3``. Answers are JSON; ``kubectl get``
gets ``Table`` when it asks for one.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from vela_emulator import discovery, openapi, partial, protobuf, rbac, rbac_access, tables, watching
from vela_emulator.api import Api
from vela_emulator.apistatus import (
    ApiStatus,
    method_not_allowed,
    path_not_found,
    unsupported_media_type,
)
from vela_emulator.calls import Call
from vela_emulator.deletion import Deleter
from vela_emulator.faults import Counters, Faults
from vela_emulator.registry import ResourceType
from vela_emulator.user import UserInfo

JSON = "application/json"
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
_BODY_TYPES = ("application/json", "application/yaml", "*/*", "")


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threading server holding the API objects the handler needs."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's 5 drops bursts of new connections (1 s SYN retries)

    def __init__(
        self,
        address: tuple[str, int],
        *,
        api: Api,
        deleter: Deleter,
        faults: Faults,
        counters: Counters,
    ) -> None:
        super().__init__(address, Handler)
        self.api = api
        self.deleter = deleter
        self.faults = faults
        self.counters = counters
        self.stopping = threading.Event()

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"


def parse_resource_path(parts: list[str], api: Api) -> tuple[ResourceType, str, str, str]:
    """(type, namespace, name, subresource) of a resource path, or a 404."""
    if parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    else:
        group, version, rest = parts[1], parts[2], parts[3:]
    namespace = name = sub = ""
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise path_not_found()
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    rtype = api.registry.get(group, version, resource)
    if rtype is None or (namespace and not rtype.namespaced):
        raise path_not_found()
    allowed_subs = {"status"} if rtype.status else set()
    if rtype.scale is not None:
        allowed_subs.add("scale")
    if rtype.kind == "Namespace" and not group:
        allowed_subs.add("finalize")
    if rtype.key == ("", "serviceaccounts"):
        allowed_subs.add("token")  # TokenRequest
    if sub and sub not in allowed_subs:
        raise path_not_found()
    return rtype, namespace, name, sub


def request_attributes(
    user: UserInfo,
    rtype: ResourceType,
    verb: str,
    namespace: str,
    name: str,
    sub: str,
    query: dict[str, str],
) -> rbac.Attributes:
    """What the authorizer is asked, framed as the apiserver's RequestInfo frames it."""
    if rtype.kind == "Namespace" and not rtype.group and name:
        namespace = name  # /api/v1/namespaces/NAME is "in" the namespace NAME
    if verb in ("list", "watch") and not name:
        # a list or watch of one name (fieldSelector metadata.name=X) may be allowed by resourceNames
        for term in query.get("fieldSelector", "").split(","):
            key, _, value = term.partition("=")
            if key.strip() == "metadata.name" and value and not value.startswith("="):
                name = value.strip()
    return rbac.Attributes(
        user,
        verb,
        group=rtype.group,
        resource=rtype.resource,
        subresource=sub,
        namespace=namespace,
        name=name,
    )


def _from_protobuf(body: bytes, content_type: str) -> tuple[bytes, str]:
    try:
        return json.dumps(protobuf.decode(body)).encode(), JSON
    except protobuf.ProtobufError as exc:
        raise unsupported_media_type(
            f"{content_type}: {exc}", ("application/json", "application/yaml")
        ) from exc


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per answer (flushed by handle_one_request) and no Nagle delay:
    # header and body in separate segments cost ~40 ms per keep-alive request otherwise.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer
    server_version = "gitops-vela-emulator"

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (a stopped watch, a timeout)

    def parse_request(self) -> bool:
        if self.server.stopping.is_set():  # stopped: no answer on a kept-alive connection either
            self.close_connection = True
            return False
        return super().parse_request()

    def finish(self) -> None:
        try:
            super().finish()
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: tests and the CLI have their own output

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    # ----- plumbing ----------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        code: int,
        payload: Any,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = JSON,
        warnings: list[str] | None = None,
    ) -> None:
        data = (
            payload
            if isinstance(payload, bytes)
            else json.dumps(payload, separators=(",", ":")).encode()
        )
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        for warning in warnings or ():
            escaped = warning.replace("\\", "\\\\").replace('"', '\\"')
            self.send_header("Warning", f'299 - "{escaped}"')
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _serve(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        parts = [p for p in url.path.split("/") if p]
        body = self._body()
        try:
            user = self._user()
            if self._non_resource(parts, query, user, url.path):
                return
            self._resource(parts, query, body, user)
        except ApiStatus as status:
            self._send(status.code, status.body(), headers=status.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        # The server boundary: a bug answers 500 with a Status, never a dropped connection.
        except Exception as exc:
            message = f"Internal error occurred: {type(exc).__name__}: {exc}"
            self._send(500, ApiStatus(500, "InternalError", message).body())

    def _user(self) -> UserInfo:
        """Who the request acts as: its bearer token, then its ``Impersonate-*`` headers."""
        caller = self.server.api.users.authenticate(self.headers.get("Authorization", ""))
        headers = self.headers
        return rbac_access.impersonate(
            self.server.api.store,
            caller,
            lambda name: headers.get_all(name) or [],
            list(headers.keys()),
        )

    def _authorize(self, attrs: rbac.Attributes) -> None:
        if attrs.user.privileged:
            return
        with self.server.api.store.lock:
            decision = rbac.authorize(self.server.api.store, attrs)
        if not decision.allowed:
            raise rbac.forbidden(attrs, decision.reason)

    def _non_resource(
        self, parts: list[str], query: dict[str, str], user: UserInfo, path: str
    ) -> bool:
        """Discovery, OpenAPI, version and health; False when the path names resources."""
        accept = self.headers.get("Accept", "")
        is_api = parts[:1] == ["api"] and len(parts) >= 3
        is_apis = parts[:1] == ["apis"] and len(parts) >= 4
        if is_api or is_apis:
            return False
        self._authorize(
            rbac.Attributes(user, self.command.lower(), path=path, resource_request=False)
        )
        self.server.counters.record_discovery()
        if self.command != "GET":
            raise method_not_allowed()
        doc = self._document(parts, accept)
        if doc is None:
            raise path_not_found()
        if isinstance(doc, str):
            self._send(200, doc.encode(), content_type="text/plain; charset=utf-8")
        else:
            content_type = JSON
            if discovery.wants_aggregated(accept) and parts in (["api"], ["apis"]):
                content_type = (
                    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
                )
            self._send(200, doc, content_type=content_type)
        return True

    def _document(self, parts: list[str], accept: str) -> dict[str, Any] | str | None:
        registry = self.server.api.registry
        with self.server.api.store.lock:
            if parts in (["healthz"], ["livez"], ["readyz"]):
                return "ok"
            if parts == ["version"]:
                return discovery.VERSION_INFO
            if parts == ["api"]:
                if discovery.wants_aggregated(accept):
                    return discovery.aggregated(registry, legacy=True)
                return discovery.api_versions(self.server.address)
            if parts == ["apis"]:
                if discovery.wants_aggregated(accept):
                    return discovery.aggregated(registry, legacy=False)
                return discovery.api_group_list(registry)
            if parts[:1] == ["api"] and len(parts) == 2:
                return discovery.resource_list(registry, "", parts[1])
            if parts[:1] == ["apis"] and len(parts) == 2:
                return discovery.api_group(registry, parts[1])
            if parts[:1] == ["apis"] and len(parts) == 3:
                return discovery.resource_list(registry, parts[1], parts[2])
            if parts[:1] == ["openapi"]:
                return openapi.document(registry, parts[1:])
        return None

    def _resource(
        self, parts: list[str], query: dict[str, str], body: bytes, user: UserInfo
    ) -> None:
        api = self.server.api
        with api.store.lock:
            rtype, namespace, name, sub = parse_resource_path(parts, api)
        verb = self._verb(name, query, sub)
        self._authorize(request_attributes(user, rtype, verb, namespace, name, sub, query))
        if rtype.review and verb != "create":
            raise method_not_allowed()
        content_type = self.headers.get("Content-Type", "") or ""
        apply = verb == "patch" and content_type.startswith("application/apply-patch")
        self.server.counters.record(verb, rtype.resource, apply=apply)
        fault = self.server.faults.pick(
            verb=verb,
            apply=apply,
            resource=rtype.resource,
            group=rtype.group,
            namespace=namespace,
            name=name,
        )
        if fault is not None:
            if fault.latency > 0:
                time.sleep(fault.latency)
            if fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            if fault.status is not None:
                code, status_body, headers = fault.status_body()
                self._send(code, status_body, headers=headers)
                return
        if content_type.startswith(protobuf.CONTENT_TYPE) and verb in ("create", "update"):
            body, content_type = _from_protobuf(body, content_type)
        if verb in ("create", "update") and content_type.split(";")[0].strip() not in _BODY_TYPES:
            raise unsupported_media_type(content_type, ("application/json", "application/yaml"))
        call = Call(
            verb,
            rtype,
            namespace,
            name,
            sub,
            query,
            body,
            content_type,
            self.headers.get("User-Agent", ""),
            user=user,
        )
        if verb == "watch":
            self._watch(call)
            return
        code, result = self._dispatch(call)
        accept = self.headers.get("Accept", "")
        if verb in ("get", "list") and not sub and tables.wants_table(accept):
            result = self._as_table(rtype, verb, result, query)
        elif verb in ("get", "list") and not sub and (wanted := partial.requested(accept)):
            result = partial.transform(rtype, result, wanted, is_list=verb == "list")
        self._send(code, result, warnings=call.warnings)

    def _verb(self, name: str, query: dict[str, str], sub: str = "") -> str:
        method = self.command
        if method == "GET":
            if name:
                return "get"
            return "watch" if query.get("watch") in ("true", "1") else "list"
        if method == "DELETE":
            return "delete" if name else "deletecollection"
        if method in _METHOD_VERBS:
            if (method == "POST") == bool(name) and not (method == "POST" and sub == "token"):
                raise method_not_allowed()
            return _METHOD_VERBS[method]
        raise method_not_allowed()

    def _dispatch(self, call: Call) -> tuple[int, dict[str, Any]]:
        api, deleter = self.server.api, self.server.deleter
        if call.verb == "get":
            return 200, api.get(call)
        if call.verb == "list":
            return 200, api.list(call)
        if call.verb == "create":
            return api.create(call)
        if call.verb == "update":
            return 200, api.update(call)
        if call.verb == "patch":
            return api.patch(call)
        if call.verb == "delete":
            return 200, deleter.delete(call)
        return 200, deleter.delete_collection(call)

    def _as_table(
        self, rtype: ResourceType, verb: str, result: dict[str, Any], query: dict[str, str]
    ) -> dict[str, Any]:
        include = query.get("includeObject", "Metadata")
        if verb == "get":
            return tables.table(rtype, [result], include=include)
        meta = dict(result["metadata"])
        typed = [
            {"apiVersion": rtype.api_version, "kind": rtype.kind, **item}
            for item in result["items"]
        ]
        return tables.table(rtype, typed, include=include, metadata=meta)

    def _watch(self, call: Call) -> None:
        as_table = tables.wants_table(self.headers.get("Accept", ""))
        metadata_only = None if as_table else partial.requested(self.headers.get("Accept", ""))
        if metadata_only:
            partial.check_watch(call.rtype, metadata_only)
        stream = watching.events(self.server.api, call, self.server.stopping)
        self.send_response(200)
        self.send_header("Content-Type", JSON)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        try:
            self.wfile.flush()  # the client waits for the headers before it counts the watch as open
            for event in stream:
                if as_table and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                    event = {
                        "type": event["type"],
                        "object": tables.table(
                            call.rtype,
                            [event["object"]],
                            include=call.query.get("includeObject", "Metadata"),
                        ),
                    }
                elif metadata_only and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                    event = {**event, "object": partial.item(event["object"], metadata_only[1])}
                self._chunk(json.dumps(event, separators=(",", ":")).encode() + b"\n")
            self._chunk(b"")
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
