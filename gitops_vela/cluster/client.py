"""The cluster client sync uses: apply, list, get, delete on plain dict objects."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from gitops_vela.cluster.config import load_configuration
from gitops_vela.cluster.discovery import Discovery, Resource
from gitops_vela.cluster.identity import Identity
from gitops_vela.cluster.transport import RequestHook, RetryPolicy, Transport
from gitops_vela.errors import ApiError
from gitops_vela.model.labels import FIELD_MANAGER
from gitops_vela.model.objects import Manifest
from gitops_vela.model.owned import owned_view

if TYPE_CHECKING:  # the client is imported where a connection is made (cluster.transport)
    from kubernetes import client as k8s

T = TypeVar("T")
R = TypeVar("R")

APPLY_PATCH = "application/apply-patch+yaml"  # JSON is YAML: the body is sent as JSON
_WRITE_VERBS = frozenset({"create", "update", "patch", "delete"})


@dataclass(frozen=True, slots=True)
class Applied:
    """The object as the server stored it (or would, on a dry run), and its ``view``:
    the part of it planning and health read (``model.owned``), what a result keeps."""

    object: Manifest
    created: bool
    view: Manifest | None = None


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """One item of a concurrent map: its value or the error it raised."""

    value: T | None = None
    error: Exception | None = None


class ListCache(Protocol):
    """Answers lists from memory (``watchcache.WatchCache``); None: ask the server."""

    def list(
        self, resource: Resource, *, namespace: str, label_selector: str
    ) -> list[Manifest] | None: ...

    def writing(self, resource: Resource, namespace: str, name: str) -> None: ...

    def written(
        self, resource: Resource, namespace: str, name: str, obj: Manifest | None
    ) -> None: ...


class Cluster:
    """A connection to one API server. Thread-safe; share it across a run.

    ``cache``, when set (the daemon's watch cache), answers the lists it covers
    and is told of every object written.

    ``on_request(verb)`` is called once per request sent (the daemon counts
    ``gitops_vela_kube_requests_total{verb}`` with it); ``requests`` and
    ``writes`` count the same locally.
    """

    def __init__(
        self,
        configuration: k8s.Configuration,
        *,
        on_request: RequestHook | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = 8,
        field_manager: str = FIELD_MANAGER,
    ) -> None:
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._hook = on_request
        self.transport = Transport(
            configuration,
            retry=retry or RetryPolicy(),
            on_request=self._count,
            pool_size=concurrency * 2,
        )
        self.discovery = Discovery(self.transport)
        self.concurrency = concurrency
        self.field_manager = field_manager
        self.cache: ListCache | None = None

    @classmethod
    def connect(
        cls,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        prefer_in_cluster: bool = False,
        **kwargs: Any,
    ) -> Cluster:
        """A cluster from ``(kubeconfig, context)``, resolved like kubectl."""
        configuration = load_configuration(kubeconfig, context, prefer_in_cluster=prefer_in_cluster)
        return cls(configuration, **kwargs)

    @property
    def host(self) -> str:
        return self.transport.host

    @property
    def writes(self) -> int:
        """Write requests sent (create, update, patch, delete; dry runs are not writes)."""
        with self._lock:
            return sum(self.requests[verb] for verb in _WRITE_VERBS)

    @property
    def identity(self) -> Identity | None:
        """The ServiceAccount this client's requests act as; None: the daemon's own."""
        return self.transport.identity

    def impersonating(self, identity: Identity | None) -> Cluster:
        """This client acting as ``identity`` for every request but discovery.

        The view shares the connection pool, the discovery cache (discovery is
        the daemon's: kinds do not depend on who asks) and the request counters,
        not the watch cache (its lists go to the API server, as that identity).
        """
        if identity is None:
            return self
        view = copy.copy(self)
        view.transport = self.transport.impersonating(identity)
        # The daemon's watch cache holds what the daemon may read: answering the
        # identity's lists from it would skip the API server's RBAC for reads.
        view.cache = None
        return view

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def version(self) -> Manifest:
        """The API server's ``/version`` (``gitVersion``...): the cheapest "do you answer?"."""
        body: Manifest = self.transport.request("GET", "/version", verb="get", what="version").body
        return body

    def resource(self, api_version: str, kind: str) -> Resource:
        return self.discovery.resource(api_version, kind)

    def apply(self, manifest: Manifest, *, dry_run: bool = False) -> Applied:
        """Server-side apply, forcing conflicts, as field manager ``gitops-vela``."""
        resource = self.resource(str(manifest["apiVersion"]), str(manifest["kind"]))
        meta = manifest["metadata"]
        query = {"fieldManager": self.field_manager, "force": "true"}
        if dry_run:
            query["dryRun"] = "All"
        namespace, name = str(meta.get("namespace") or ""), str(meta["name"])
        cache = None if dry_run else self.cache
        if cache is not None:  # its watch events meanwhile are this write's, not news
            cache.writing(resource, namespace, name)
        body = view = None
        try:
            response = self.transport.request(
                "PATCH",
                resource.path(namespace, name),
                verb="patch" if not dry_run else "patch-dry-run",
                query=query,
                body=manifest,
                content_type=APPLY_PATCH,
            )
            body = response.body
            # One view for the cache and the caller: a result that kept the whole answer
            # (managedFields often half of it) would hold every object of a big sync at once.
            view = owned_view(body, self.field_manager) if body and not dry_run else None
        finally:
            if cache is not None:
                cache.written(resource, namespace, name, view)
        return Applied(object=response.body, created=response.status == 201, view=view)

    def list_objects(
        self,
        resource: Resource,
        *,
        namespace: str = "",
        label_selector: str = "",
    ) -> list[Manifest]:
        """Every object of a kind (in a namespace, or everywhere) matching a selector.

        From ``cache`` when it covers the list: then the items are views
        (``model.owned``), shared and never to be modified.
        """
        if self.cache is not None:
            cached = self.cache.list(resource, namespace=namespace, label_selector=label_selector)
            if cached is not None:
                return cached
        query = {"labelSelector": label_selector} if label_selector else None
        body = self.transport.request(
            "GET", resource.path(namespace), verb="list", query=query, what=resource.plural
        ).body
        items: list[Manifest] = list((body or {}).get("items") or [])
        for item in items:  # list items omit these; callers compare whole objects
            item.setdefault("apiVersion", resource.api_version)
            item.setdefault("kind", resource.kind)
        return items

    def get(self, resource: Resource, *, namespace: str, name: str) -> Manifest | None:
        try:
            body: Manifest = self.transport.request(
                "GET", resource.path(namespace, name), verb="get", what=name
            ).body
            return body
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    def delete(self, resource: Resource, *, namespace: str, name: str) -> bool:
        """Delete with background propagation; False when it was already gone."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        try:
            self.transport.request(
                "DELETE",
                resource.path(namespace, name),
                verb="delete",
                body=body,
                what=f"{resource.kind} {namespace}/{name}".replace(" /", " "),
            )
        except ApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[Outcome[R]]:
        """``fn`` over independent items with bounded concurrency; errors kept per item."""

        def run(item: T) -> Outcome[R]:
            try:
                return Outcome(value=fn(item))
            except Exception as exc:  # reported per item; one failure stops no other
                return Outcome(error=exc)

        if len(items) <= 1 or self.concurrency <= 1:
            return [run(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as pool:
            return list(pool.map(run, items))

    def _count(self, verb: str) -> None:
        with self._lock:
            self.requests[verb] += 1
        if self._hook is not None:
            self._hook(verb)
