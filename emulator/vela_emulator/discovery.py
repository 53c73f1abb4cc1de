"""Discovery documents built from the registry: legacy (``/api``, ``/apis``, per group
version) and aggregated (``apidiscovery.k8s.io/v2``) as kubectl 1.32 asks for it."""

from __future__ import annotations

import hashlib
from typing import Any

from vela_emulator.registry import SUBRESOURCE_VERBS, Registry, ResourceType

VERSION_INFO = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-gitops-vela-emulator",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_DISCOVERY_V2 = "apidiscovery.k8s.io"


def _hash(rtype: ResourceType) -> str:
    return hashlib.sha256(f"{rtype.group}/{rtype.version}/{rtype.kind}".encode()).hexdigest()[:11]


def _resource(rtype: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": rtype.resource,
        "singularName": rtype.singular,
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": list(rtype.verbs),
        "storageVersionHash": _hash(rtype),
    }
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    return entry


def _subresources(rtype: ResourceType) -> list[dict[str, Any]]:
    subs = []
    if rtype.status:
        subs.append(
            {
                "name": f"{rtype.resource}/status",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "kind": rtype.kind,
                "verbs": list(SUBRESOURCE_VERBS),
            }
        )
    if rtype.scale is not None:
        subs.append(
            {
                "name": f"{rtype.resource}/scale",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": list(SUBRESOURCE_VERBS),
            }
        )
    return subs


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.resources(group, version)
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for rtype in sorted(types, key=lambda t: t.resource):
        resources.append(_resource(rtype))
        resources.extend(_subresources(rtype))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(group: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    for name, versions in registry.groups():
        if name == group and group:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}
    return None


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = [_group(g, versions) for g, versions in registry.groups() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def wants_aggregated(accept: str) -> bool:
    return f"g={_DISCOVERY_V2};v=v2;as=APIGroupDiscoveryList" in accept.replace(" ", "")


def _aggregated_resource(rtype: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": rtype.resource,
        "responseKind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
        "scope": "Namespaced" if rtype.namespaced else "Cluster",
        "singularResource": rtype.singular,
        "verbs": list(rtype.verbs),
    }
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    subs = []
    if rtype.status:
        subs.append(
            {
                "subresource": "status",
                "responseKind": entry["responseKind"],
                "verbs": list(SUBRESOURCE_VERBS),
            }
        )
    if rtype.scale is not None:
        subs.append(
            {
                "subresource": "scale",
                "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                "verbs": list(SUBRESOURCE_VERBS),
            }
        )
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(registry: Registry, *, legacy: bool) -> dict[str, Any]:
    """``APIGroupDiscoveryList`` for ``/api`` (legacy=True) or ``/apis``."""
    items = []
    for group, versions in registry.groups():
        if bool(group) == legacy:
            continue
        item_versions = [
            {
                "version": v,
                "resources": [
                    _aggregated_resource(t)
                    for t in sorted(registry.resources(group, v), key=lambda t: t.resource)
                ],
                "freshness": "Current",
            }
            for v in versions
        ]
        items.append(
            {"metadata": {"name": group, "creationTimestamp": None}, "versions": item_versions}
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"{_DISCOVERY_V2}/v2",
        "metadata": {},
        "items": items,
    }
