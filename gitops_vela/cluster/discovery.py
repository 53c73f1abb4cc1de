"""Which REST resource serves a kind: discovery, cached for one run.

Only the group-versions a run actually uses are fetched (one GET each), so a
run against a cluster with fifty API groups does not pay for all of them.
A kind that is missing is remembered as missing until ``forget_missing()``,
which sync calls after applying CRDs so their kinds appear.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from gitops_vela.cluster.transport import Transport
from gitops_vela.errors import ApiError, UnknownKindError


@dataclass(frozen=True, slots=True)
class Resource:
    """A kind's REST endpoint: ``/apis/<group>/<version>/[namespaces/<ns>/]<plural>``."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    listable: bool = True  # false for create-only kinds (access reviews, token reviews)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str = "", name: str = "") -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


class Discovery:
    """Thread-safe cache of ``(apiVersion, kind) -> Resource``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._versions: dict[str, dict[str, Resource] | None] = {}

    def resource(self, api_version: str, kind: str) -> Resource:
        kinds = self._group_version(api_version)
        found = kinds.get(kind) if kinds is not None else None
        if found is None:
            raise UnknownKindError(
                f"the cluster has no kind {kind} in {api_version}"
                " (is its CustomResourceDefinition installed?)",
                retryable=False,
            )
        return found

    def namespaced(self) -> list[Resource]:
        """Every namespaced kind the server serves (its preferred version of each group).

        Costs one request per group: for rare questions like "what does this
        namespace still hold?" before pruning it, never for a poll.
        """
        body = self._transport.request("GET", "/apis", verb="get", what="API groups").body
        versions = ["v1"] + [
            str((g.get("preferredVersion") or {}).get("groupVersion") or "")
            for g in (body or {}).get("groups", [])
        ]
        found: list[Resource] = []
        for api_version in filter(None, versions):
            kinds = self._group_version(api_version) or {}
            found.extend(r for r in kinds.values() if r.namespaced and r.listable)
        return found

    def forget_missing(self, api_versions: frozenset[str] | None = None) -> None:
        """Drop cached answers for missing kinds (and the given group-versions)."""
        with self._lock:
            for key in list(self._versions):
                if self._versions[key] is None or (api_versions and key in api_versions):
                    del self._versions[key]

    def _group_version(self, api_version: str) -> dict[str, Resource] | None:
        with self._lock:
            if api_version in self._versions:
                return self._versions[api_version]
        kinds = self._fetch(api_version)
        with self._lock:
            self._versions[api_version] = kinds
        return kinds

    def _fetch(self, api_version: str) -> dict[str, Resource] | None:
        group, _, version = api_version.rpartition("/")
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            body = self._transport.request("GET", path, verb="get", what=api_version).body
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        kinds: dict[str, Resource] = {}
        for item in (body or {}).get("resources", []):
            name = str(item.get("name", ""))
            if "/" in name or not item.get("kind"):
                continue  # subresources (status, scale) are not kinds of their own
            verbs = item.get("verbs")
            listable = not isinstance(verbs, list) or "list" in verbs
            kinds.setdefault(
                str(item["kind"]),
                Resource(
                    group, version, str(item["kind"]), name, bool(item.get("namespaced")), listable
                ),
            )
        return kinds
