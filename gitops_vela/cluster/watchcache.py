"""A watch-based cache of live objects: list once, then follow the changes.

Without it every poll lists every kind the daemon manages (the cost grows with
the cluster, not with what changed). With it, each *scope* (a kind, in one
namespace or all, with a label selector) is listed once and then watched from
the list's ``resourceVersion``, like client-go's reflector and Argo CD's
cluster cache:

- a watch that ends (the server's ``timeoutSeconds``) resumes from the last
  ``resourceVersion`` seen, bookmarks included, without a new list;
- ``410 Gone`` (the server no longer has that history), a broken connection
  or an API server that restarted: the scope is listed again, and every
  object that differs from what was kept is reported as a change (nothing
  that happened while the watch was down is lost);
- while a scope is not in step (before its relist succeeded) it answers
  nothing, so readers fall back to a real list and see the real error.

Memory is bounded by keeping views, not objects (``model.owned``): identity,
``resourceVersion``, labels, annotations, the fields gitops-vela applies,
``status``; each kept packed as JSON bytes (about a third of the memory of the
same view as dicts, which matters at 50,000 objects), with an index by the
ownership label's value, so planning one app unpacks that app's objects only.
Readers get fresh dicts: what they do with them never reaches the cache.

``Cluster.list_objects`` asks the cache first (``Cluster.cache``); a write
gitops-vela makes is recorded from its response at once (``written``), and
watch events for an object while a write of it is in flight are that write's
(``writing``): its own applies are neither re-read nor reported back as
changes. Every other change reaches ``on_change`` (on the scope's watch
thread: keep it short); ``LiveChange.status_only`` tells a controller's status
update from an edit.
The cache reads through the ``Cluster`` it is given, so the identity a
repository acts as can be a client of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from gitops_vela.cluster.client import Cluster
from gitops_vela.cluster.discovery import Resource
from gitops_vela.cluster.transport import Stream
from gitops_vela.errors import ApiError, ClusterError
from gitops_vela.logs import get_logger
from gitops_vela.model.labels import DIGEST_ANNOTATION, FIELD_MANAGER, OWNER
from gitops_vela.model.objects import Manifest
from gitops_vela.model.owned import OwnedView, owned_view

log = get_logger("gitops_vela.cluster")

WATCH_TIMEOUT = 300.0  # seconds a watch stays open before it is resumed (no relist)
RETRY_BASE, RETRY_CAP = 0.2, 5.0  # backoff after a failed list or watch
SHORT_WATCH = 1.0  # a watch that ends sooner than this, with no event, counts as a failure

ObjectKey = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one reflector keeps: a kind, a namespace ("" for all), a selector.

    ``selector`` is "" (every object) or one label key (objects that carry it).
    """

    resource: Resource
    namespace: str = ""
    selector: str = ""


@dataclass(frozen=True, slots=True)
class LiveChange:
    """An object of a scope changed (``old`` None: appeared; ``new`` None: gone)."""

    resource: Resource
    old: OwnedView | None
    new: OwnedView | None

    @property
    def status_only(self) -> bool:
        """Only what controllers report moved (``status``...): not an edit (``_without_status``)."""
        if self.old is None or self.new is None:
            return False
        return _without_status(self.old) == _without_status(self.new)

    @property
    def labels(self) -> Mapping[str, str]:
        obj: Mapping[str, Any] = self.new if self.new is not None else (self.old or {})
        return _labels(obj)

    def values_of(self, label: str) -> tuple[str, ...]:
        """The label's value before and after (each once, empty ones left out): an object
        that changes hands concerns the app that lost it as much as the one that took it."""
        found = (_labels(side).get(label, "") for side in (self.old, self.new) if side is not None)
        return tuple(dict.fromkeys(value for value in found if value))


def _labels(obj: Mapping[str, Any]) -> Mapping[str, str]:
    labels: Mapping[str, str] = (obj.get("metadata") or {}).get("labels") or {}
    return labels


ScopeFor = Callable[[Resource, str, str], Scope | None]
"""(resource, namespace, label selector) of a list -> the scope that answers it, or None
(such lists are not cached)."""


class Expired(ClusterError):
    """The watch's resourceVersion is too old (410): list again."""


@dataclass(frozen=True, slots=True)
class _Packed:
    """One kept object: its view as JSON, and what lookups read without unpacking it."""

    version: str  # metadata.resourceVersion
    owner: str  # the ownership label's value ("" without one)
    data: bytes

    @classmethod
    def of(cls, view: OwnedView) -> _Packed:
        # A copy of the exact size: orjson's own bytes keep their whole write buffer
        # (about 8 KiB resident for a 1 KiB view), which 50,000 kept views would pay.
        data = bytes(memoryview(orjson.dumps(view)))
        return cls(_version(view), _labels(view).get(OWNER, ""), data)

    def view(self) -> OwnedView:
        return OwnedView(orjson.loads(self.data))


class Reflector:
    """One scope: its objects (views), its resourceVersion, its watch thread."""

    def __init__(
        self,
        cluster: Cluster,
        scope: Scope,
        *,
        on_change: Callable[[LiveChange], None],
        manager: str = FIELD_MANAGER,
        watch_timeout: float = WATCH_TIMEOUT,
        retry_cap: float = RETRY_CAP,
    ) -> None:
        self.cluster, self.scope = cluster, scope
        self._on_change, self._manager = on_change, manager
        self._watch_timeout, self._retry_cap = watch_timeout, retry_cap
        self._objects: dict[ObjectKey, _Packed] = {}
        self._owned: dict[str, set[ObjectKey]] = {}  # ownership label value -> its objects
        self._writing: dict[ObjectKey, int] = {}  # writes of ours in flight, per object
        self._version = ""
        self._in_step = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stream: Stream | None = None
        self._thread = threading.Thread(
            target=self._loop, name=f"watch-{scope.resource.plural}", daemon=True
        )
        self.lists = 0  # lists sent (the first one included)
        self.watches = 0  # watch requests sent

    # ------------------------------------------------------------------ readers

    @property
    def in_step(self) -> bool:
        return self._in_step

    def items(self, owner: str | None = None) -> list[OwnedView] | None:
        """Every object kept (only those of ``owner``, an ownership label value, when
        given), or None while the scope is not in step."""
        with self._lock:
            if not self._in_step:
                return None
            if owner is None:
                packed = list(self._objects.values())
            else:
                packed = [self._objects[key] for key in self._owned.get(owner, ())]
        return [p.view() for p in packed]

    def writing(self, key: ObjectKey) -> None:
        with self._lock:
            self._writing[key] = self._writing.get(key, 0) + 1

    def written(self, key: ObjectKey, obj: Manifest | None) -> None:
        """A write of ours ended (``obj``: the server's answer, None when it failed).

        Keeps the newer of the answer and what the watch brought meanwhile; when
        the watch brought something newer still (someone else wrote after us), it
        is news after all.
        """
        view = owned_view(obj, self._manager) if obj else None
        packed = _Packed.of(view) if view is not None else None
        later: tuple[OwnedView | None, OwnedView] | None = None
        with self._lock:
            left = self._writing.get(key, 1) - 1
            if left > 0:
                self._writing[key] = left
            else:
                self._writing.pop(key, None)
            current = self._objects.get(key)
            if view is None or packed is None:
                pass
            elif current is None or _newer(packed.version, current.version):
                self._put(key, packed)
                if current is not None and current.owner != packed.owner:
                    later = (current.view(), view)  # ours, but news for the app that lost it
            elif _newer(current.version, packed.version):
                newer = current.view()
                if _without_status(newer) != _without_status(view):
                    later = (view, newer)
        if later is not None:
            self._notify(*later)

    def forget(self, namespace: str, name: str) -> None:
        with self._lock:
            self._pop((namespace, name))

    def __len__(self) -> int:
        return len(self._objects)

    def size(self) -> tuple[int, int]:
        """(objects, bytes of their views as JSON: what they take here, give or take)."""
        with self._lock:
            packed = list(self._objects.values())
        return len(packed), sum(len(p.data) for p in packed)

    def _put(self, key: ObjectKey, packed: _Packed) -> None:
        """Keep ``packed`` as ``key`` (the lock held), its ownership index with it."""
        old = self._objects.get(key)
        if old is not None and old.owner != packed.owner:
            self._unindex(key, old.owner)
        self._objects[key] = packed
        if packed.owner:
            self._owned.setdefault(packed.owner, set()).add(key)

    def _pop(self, key: ObjectKey) -> _Packed | None:
        old = self._objects.pop(key, None)
        if old is not None:
            self._unindex(key, old.owner)
        return old

    def _unindex(self, key: ObjectKey, owner: str) -> None:
        keys = self._owned.get(owner)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._owned[owner]

    # ------------------------------------------------------------------ lifecycle

    def prime(self) -> None:
        """The first list, on the caller's thread (its error is the caller's), then the watch."""
        self._list(report=False)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            stream.close()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        failures = 0
        relist = False
        while not self._stop.is_set():
            try:
                if relist:
                    self._list(report=True)
                    relist = False
                started = time.monotonic()
                if self._watch() == 0 and time.monotonic() - started < SHORT_WATCH:
                    # A server ends a healthy watch at its timeout, not at once: one that
                    # keeps ending empty is treated as failing (backoff, relist), never spun on.
                    raise ClusterError("the watch ended at once without an event")
                failures = 0
            except Expired:
                log.info("watch expired: listing again", kind=self.scope.resource.kind)
                self._in_step, relist = False, True
            except ClusterError as exc:
                if self._stop.is_set():
                    return
                failures += 1
                self._in_step, relist = False, True
                delay = min(self._retry_cap, RETRY_BASE * 2 ** min(failures - 1, 10))
                # Once per outage: a server down for an hour is one warning, not 700.
                report = log.warning if failures == 1 else log.debug
                report(
                    "watch failed; listing again", kind=self.scope.resource.kind, error=exc.message
                )
                self._stop.wait(delay)
            except Exception:  # a bug must not end the watch silently
                log.exception("watch crashed", kind=self.scope.resource.kind)
                self._in_step, relist = False, True
                self._stop.wait(self._retry_cap)

    def _list(self, *, report: bool) -> None:
        scope = self.scope
        query = {"labelSelector": scope.selector} if scope.selector else None
        self.lists += 1
        body = (
            self.cluster.transport.request(
                "GET",
                scope.resource.path(scope.namespace),
                verb="list",
                query=query,
                what=scope.resource.plural,
            ).body
            or {}
        )
        fresh: dict[ObjectKey, _Packed] = {}
        for item in body.pop("items", None) or ():
            item.setdefault("apiVersion", scope.resource.api_version)
            item.setdefault("kind", scope.resource.kind)
            view = owned_view(item, self._manager)
            fresh[_key(view)] = _Packed.of(view)
        owned: dict[str, set[ObjectKey]] = {}
        for key, packed in fresh.items():
            if packed.owner:
                owned.setdefault(packed.owner, set()).add(key)
        with self._lock:
            old, self._objects, self._owned = self._objects, fresh, owned
            self._version = str((body.get("metadata") or {}).get("resourceVersion") or "")
            self._in_step = True
        if report:  # what changed while the watch was away
            for key in old.keys() | fresh.keys():
                before, after = old.get(key), fresh.get(key)
                if (before and before.version) != (after and after.version):
                    self._notify(_unpacked(before), _unpacked(after))

    def _watch(self) -> int:
        """Follow one watch request to its end; the number of events it brought."""
        scope = self.scope
        query = {
            "watch": "true",
            "resourceVersion": self._version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(int(self._watch_timeout)),
        }
        if scope.selector:
            query["labelSelector"] = scope.selector
        self.watches += 1
        try:
            stream = self.cluster.transport.stream(
                scope.resource.path(scope.namespace),
                verb="watch",
                query=query,
                timeout=self._watch_timeout + 30,
            )
        except ApiError as exc:
            if exc.status == 410:  # some servers answer the request itself with 410
                raise Expired(exc.message) from exc
            raise
        self._stream = stream
        seen = 0
        try:
            if self._stop.is_set():
                return seen
            for event in stream:
                seen += 1
                self._event(event)
                if self._stop.is_set():
                    break
            return seen
        finally:
            self._stream = None
            stream.close()

    def _event(self, event: Mapping[str, Any]) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if kind == "BOOKMARK":
            self._version = version or self._version
            return
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Expired(str(obj.get("message") or "resourceVersion too old"))
            raise ClusterError(f"watch error: {obj.get('message') or obj}")
        obj.setdefault("apiVersion", self.scope.resource.api_version)
        obj.setdefault("kind", self.scope.resource.kind)
        view = owned_view(obj, self._manager)
        key = _key(view)
        packed = _Packed.of(view)
        with self._lock:
            before = self._objects.get(key)
            ours = key in self._writing  # the event of a write of ours still in flight
            after: _Packed | None
            if kind == "DELETED":
                after = None
                self._pop(key)
            elif before is not None and not _newer(packed.version, before.version):
                after = before  # our own write, already recorded from its answer
            else:
                after = packed
                self._put(key, packed)
            self._version = version or self._version
        changed_hands = before is not None and after is not None and before.owner != after.owner
        if before is not after and (not ours or changed_hands):
            self._notify(_unpacked(before), view if after is packed else None)

    def _notify(self, before: OwnedView | None, after: OwnedView | None) -> None:
        try:
            self._on_change(LiveChange(self.scope.resource, before, after))
        except Exception:  # the listener's bug must not stop the watch
            log.exception("watch listener crashed", kind=self.scope.resource.kind)


class WatchCache:
    """The reflectors of one client, made on demand by the lists that ``scope_for`` covers."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        scope_for: ScopeFor,
        on_change: Callable[[LiveChange], None] = lambda _change: None,
        manager: str = FIELD_MANAGER,
        watch_timeout: float = WATCH_TIMEOUT,
        retry_cap: float = RETRY_CAP,
    ) -> None:
        self.cluster = cluster
        self._scope_for, self._on_change = scope_for, on_change
        self._manager, self._watch_timeout, self._retry_cap = manager, watch_timeout, retry_cap
        self._reflectors: dict[Scope, Reflector] = {}
        self._lock = threading.Lock()
        self._priming: dict[Scope, threading.Lock] = {}
        self._stopped = False

    def attach(self) -> WatchCache:
        """Answer ``cluster.list_objects`` from here from now on."""
        self.cluster.cache = self
        return self

    @property
    def reflectors(self) -> tuple[Reflector, ...]:
        with self._lock:
            return tuple(self._reflectors.values())

    @property
    def in_step(self) -> bool:
        return all(r.in_step for r in self.reflectors)

    def list(
        self, resource: Resource, *, namespace: str, label_selector: str
    ) -> list[Manifest] | None:
        """The objects a list would return (as views), or None when not cached here."""
        terms = _terms(label_selector)
        scope = self._scope_for(resource, namespace, label_selector)
        if terms is None or scope is None or self._stopped:
            return None
        reflector = self._reflector(scope)
        owner = next((v for k, v in terms if k == OWNER and v), None)
        items = reflector.items(owner) if reflector is not None else None
        if items is None:
            return None
        return [
            view
            for view in items
            if (not (resource.namespaced and namespace) or _namespace(view) == namespace)
            and _matches(view, terms)
        ]

    def writing(self, resource: Resource, namespace: str, name: str) -> None:
        """A write of this object is about to be sent (see the module docstring)."""
        for reflector in self._holding(resource, namespace):
            reflector.writing((namespace, name))

    def written(self, resource: Resource, namespace: str, name: str, obj: Manifest | None) -> None:
        """The write ended: keep every scope that holds such objects current."""
        labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
        for reflector in self._holding(resource, namespace):
            selector = reflector.scope.selector
            if obj is not None and selector and selector not in labels:
                reflector.written((namespace, name), None)
                reflector.forget(namespace, name)  # no longer in this scope
            else:
                reflector.written((namespace, name), obj)

    def _holding(self, resource: Resource, namespace: str) -> tuple[Reflector, ...]:
        return tuple(
            r
            for r in self.reflectors
            if r.scope.resource == resource and r.scope.namespace in ("", namespace)
        )

    def objects(self) -> int:
        """Objects kept over all scopes (cheap: for a gauge)."""
        return sum(len(r) for r in self.reflectors)

    def size(self) -> tuple[int, int]:
        """(objects, bytes) kept over all scopes."""
        sizes = [r.size() for r in self.reflectors]
        return sum(s[0] for s in sizes), sum(s[1] for s in sizes)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            reflectors = list(self._reflectors.values())
        if self.cluster.cache is self:
            self.cluster.cache = None
        for reflector in reflectors:
            reflector.stop()

    def _reflector(self, scope: Scope) -> Reflector | None:
        with self._lock:
            found = self._reflectors.get(scope)
            if found is not None:
                return found
            priming = self._priming.setdefault(scope, threading.Lock())
        with priming:  # one first list per scope, however many readers ask at once
            with self._lock:
                found = self._reflectors.get(scope)
                if found is not None or self._stopped:
                    return found
            reflector = Reflector(
                self.cluster,
                scope,
                on_change=self._on_change,
                manager=self._manager,
                watch_timeout=self._watch_timeout,
                retry_cap=self._retry_cap,
            )
            reflector.prime()
            with self._lock:
                if self._stopped:
                    reflector.stop()
                    return None
                self._reflectors[scope] = reflector
            return reflector


def _without_status(view: Mapping[str, Any]) -> dict[str, Any]:
    """What an edit changes and a controller reporting does not: the body (our fields),
    labels, our digest, a deletion. Not ``status``, the versions, or annotations
    controllers keep (a Deployment's ``deployment.kubernetes.io/revision``)."""
    meta = view.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    kept = {
        "labels": meta.get("labels"),
        "digest": annotations.get(DIGEST_ANNOTATION),
        "deleting": meta.get("deletionTimestamp"),
    }
    return {**{k: v for k, v in view.items() if k not in ("status", "metadata")}, "metadata": kept}


def _unpacked(packed: _Packed | None) -> OwnedView | None:
    return packed.view() if packed is not None else None


def _key(view: Mapping[str, Any]) -> ObjectKey:
    meta = view.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _namespace(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def _version(view: Mapping[str, Any] | None) -> str:
    return str(((view or {}).get("metadata") or {}).get("resourceVersion") or "")


def _newer(va: str, vb: str) -> bool:
    """Is resourceVersion ``va`` later than ``vb``? (They are etcd revisions: integers
    in practice; when one is not, a differing one counts as newer.)"""
    if va.isdigit() and vb.isdigit():
        return int(va) > int(vb)
    return va != vb


def _terms(selector: str) -> list[tuple[str, str | None]] | None:
    """``a,b=c`` -> [(a, None), (b, c)]; None for forms this cache does not evaluate."""
    terms: list[tuple[str, str | None]] = []
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if any(op in term for op in ("!", " in ", " notin ", "(")):
            return None
        key, eq, value = term.partition("=")
        terms.append((key.strip(), value.strip().lstrip("=") if eq else None))
    return terms


def _matches(view: Mapping[str, Any], terms: Iterable[tuple[str, str | None]]) -> bool:
    labels = (view.get("metadata") or {}).get("labels") or {}
    return all(k in labels and (v is None or labels[k] == v) for k, v in terms)
