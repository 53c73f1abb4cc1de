"""Fault injection and request counters, the knobs reliability tests and benchmarks turn.

::

    emu.faults.add(verb="patch", resource="deployments", status=503, times=2, retry_after=1)
    emu.faults.add(resource="configmaps", latency=0.2)          # every configmap request, slower
    emu.faults.add(verb="get", drop=True, times=1)              # close the connection, no answer
    emu.faults.add(verb="list", status=500, rate=0.5)           # half of the lists fail
    emu.faults.clear()

    emu.counters.snapshot()   # {"total":..,"reads":..,"writes":..,"by_verb":{..},"by_resource":{..}}
    emu.counters.writes       # creates + updates + patches + deletes so far
    emu.counters.by_verb()    # {"get": 3, "patch": 2, ...}; an apply counts as "patch" and "apply"
    emu.counters.reset()

Verbs are the Kubernetes ones (get, list, watch, create, update, patch,
delete, deletecollection) plus ``apply`` (a patch with the apply content
type; ``verb="patch"`` matches applies too). Resources are plurals
(``deployments``), optionally group-qualified (``deployments.apps``).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vela_emulator.apistatus import ApiStatus

READ_VERBS = frozenset({"get", "list", "watch"})
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})

_REASONS = {
    400: ("BadRequest", "injected fault"),
    403: ("Forbidden", "injected fault"),
    404: ("NotFound", "the server could not find the requested resource"),
    409: (
        "Conflict",
        "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again",
    ),
    410: ("Expired", "too old resource version"),
    422: ("Invalid", "injected fault"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: injected fault"),
    502: ("InternalError", "bad gateway (injected fault)"),
    503: (
        "ServiceUnavailable",
        "The server is currently unable to handle the request (injected fault)",
    ),
    504: (
        "Timeout",
        "The server was unable to return a response in the time allotted, but may still be processing the request (injected fault)",
    ),
}


@dataclass
class Fault:
    """One injected fault; ``times`` counts down and the fault retires at zero."""

    verb: str | None = None
    resource: str | None = None
    namespace: str | None = None
    name: str | None = None
    status: int | None = None
    message: str | None = None
    retry_after: float | None = None
    latency: float = 0.0
    drop: bool = False
    times: int | None = None
    rate: float = 1.0
    hits: int = 0

    def matches(
        self, *, verb: str, apply: bool, resource: str, group: str, namespace: str, name: str
    ) -> bool:
        if self.verb is not None and self.verb != verb and not (self.verb == "apply" and apply):
            return False
        if self.resource is not None and self.resource not in (resource, f"{resource}.{group}"):
            return False
        if self.namespace is not None and self.namespace != namespace:
            return False
        return self.name is None or self.name == name

    def status_body(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(code, Status body, headers) of a status fault."""
        code = self.status or 500
        reason, default = _REASONS.get(code, ("InternalError", "injected fault"))
        headers = {}
        details = None
        if self.retry_after is not None:
            seconds = max(1, round(self.retry_after))
            headers["Retry-After"] = str(seconds)
            details = {"retryAfterSeconds": seconds}
        # one Status builder, so injected failures have the apiserver's field order too
        body = ApiStatus(code, reason, self.message or default, details=details).body()
        return code, body, headers


class Faults:
    """The active faults, matched in the order they were added (first match wins)."""

    def __init__(self, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._random = random.Random(seed)

    def add(
        self,
        *,
        verb: str | None = None,
        resource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        status: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        latency: float = 0.0,
        drop: bool = False,
        times: int | None = None,
        rate: float = 1.0,
    ) -> Fault:
        """Inject a fault for matching requests (``None`` matches anything).

        ``status``: answer with this code and a Kubernetes ``Status`` (429/503 with
        ``retry_after`` also send ``Retry-After``). ``latency``: seconds to wait
        before handling. ``drop``: close the connection without answering.
        ``times``: how many matching requests it hits (default: all). ``rate``:
        probability that a matching request is hit.
        """
        if status is None and not drop and latency <= 0:
            raise ValueError("a fault needs status=, drop=True or latency=")
        fault = Fault(
            verb,
            resource,
            namespace,
            name,
            status,
            message,
            retry_after,
            latency,
            drop,
            times,
            rate,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def pick(
        self, *, verb: str, apply: bool, resource: str, group: str, namespace: str, name: str
    ) -> Fault | None:
        """The fault that hits this request, if any (and count it down)."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(
                    verb=verb,
                    apply=apply,
                    resource=resource,
                    group=group,
                    namespace=namespace,
                    name=name,
                ):
                    continue
                if fault.rate < 1.0 and self._random.random() >= fault.rate:
                    continue
                fault.hits += 1
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None


@dataclass
class Counters:
    """Requests served, per verb and resource; discovery/OpenAPI counted apart."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _by_verb_resource: Counter[tuple[str, str]] = field(default_factory=Counter)
    _discovery: int = 0

    def record(self, verb: str, resource: str, *, apply: bool = False) -> None:
        with self._lock:
            self._by_verb_resource[(verb, resource)] += 1
            if apply:
                self._by_verb_resource[("apply", resource)] += 1

    def record_discovery(self) -> None:
        with self._lock:
            self._discovery += 1

    def reset(self) -> None:
        with self._lock:
            self._by_verb_resource.clear()
            self._discovery = 0

    def by_verb(self) -> dict[str, int]:
        with self._lock:
            out: Counter[str] = Counter()
            for (verb, _), n in self._by_verb_resource.items():
                out[verb] += n
            return dict(out)

    def by_resource(self) -> dict[str, int]:
        with self._lock:
            out: Counter[str] = Counter()
            for (verb, resource), n in self._by_verb_resource.items():
                if verb != "apply":
                    out[resource] += n
            return dict(out)

    def count(self, verb: str | None = None, resource: str | None = None) -> int:
        """Requests matching a verb and/or resource (``None`` matches all)."""
        with self._lock:
            return sum(
                n
                for (v, r), n in self._by_verb_resource.items()
                if ((verb is None and v != "apply") or v == verb)
                and (resource is None or r == resource)
            )

    @property
    def reads(self) -> int:
        return sum(n for v, n in self.by_verb().items() if v in READ_VERBS)

    @property
    def writes(self) -> int:
        return sum(n for v, n in self.by_verb().items() if v in WRITE_VERBS)

    @property
    def discovery(self) -> int:
        with self._lock:
            return self._discovery

    def snapshot(self) -> dict[str, Any]:
        by_verb = self.by_verb()
        return {
            "total": sum(n for v, n in by_verb.items() if v != "apply") + self.discovery,
            "reads": self.reads,
            "writes": self.writes,
            "discovery": self.discovery,
            "by_verb": by_verb,
            "by_resource": self.by_resource(),
        }
