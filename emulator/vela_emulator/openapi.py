"""OpenAPI v3 documents (``/openapi/v3`` index and one document per group version).

Small but correct where clients look: every kind's schema carries
``x-kubernetes-group-version-kind``; list fields of the built-in kinds carry
their merge keys (``x-kubernetes-patch-merge-key``/``-strategy`` and
``x-kubernetes-list-type``/``-map-keys``); CRD kinds use their own schemas;
write operations declare the ``fieldValidation`` parameter, which is how
kubectl learns that the server validates fields.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from vela_emulator import apidocs, schemas
from vela_emulator.registry import Registry, ResourceType

_QUERY = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def schema_name(rtype: ResourceType) -> str:
    if rtype.crd:
        return ".".join([*reversed(rtype.group.split(".")), rtype.version, rtype.kind])
    group = rtype.group.split(".")[0] if rtype.group else "core"
    return f"io.k8s.api.{group}.{rtype.version}.{rtype.kind}"


def _operation(rtype: ResourceType, action: str, params: tuple[str, ...]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema_name(rtype)}"}
    return {
        "operationId": f"{action}{rtype.kind}",
        "parameters": [
            {"name": p, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
            for p in params
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": ref}}}
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": rtype.group,
            "version": rtype.version,
            "kind": rtype.kind,
        },
    }


def _paths(rtype: ResourceType) -> dict[str, Any]:
    base = "/" + _gv_path(rtype.group, rtype.version)
    scope = (
        f"{base}/namespaces/{{namespace}}/{rtype.resource}"
        if rtype.namespaced
        else f"{base}/{rtype.resource}"
    )
    return {
        scope: {
            "get": _operation(
                rtype, "list", ("labelSelector", "fieldSelector", "limit", "continue", "watch")
            ),
            "post": _operation(rtype, "post", _QUERY),
        },
        f"{scope}/{{name}}": {
            "get": _operation(rtype, "get", ("pretty",)),
            "put": _operation(rtype, "put", _QUERY),
            "patch": _operation(rtype, "patch", _QUERY),
            "delete": _operation(
                rtype, "delete", ("dryRun", "propagationPolicy", "gracePeriodSeconds")
            ),
        },
    }


def group_version_document(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.resources(group, version)
    if not types:
        return None
    paths: dict[str, Any] = {}
    components: dict[str, Any] = dict(schemas.SHARED)
    for rtype in types:
        paths.update(_paths(rtype))
        real = apidocs.components(rtype)  # the release's own definitions, where it has them
        if real is None:
            components[schema_name(rtype)] = schemas.kind_schema(rtype)
            continue
        name, found = real
        components.update(found)
        components[schema_name(rtype)] = found[name]
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": components},
    }


def index(registry: Registry) -> dict[str, Any]:
    paths = {}
    for group, versions in registry.groups():
        for version in versions:
            doc = group_version_document(registry, group, version)
            digest = (
                hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()
            )
            path = _gv_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


def document(registry: Registry, parts: list[str]) -> dict[str, Any] | None:
    """The document at ``/openapi/<parts>``; v2 is not served (kubectl falls back to v3)."""
    if parts == ["v2"]:
        return apidocs.swagger()
    if parts == ["v3"]:
        return index(registry)
    if parts[:2] == ["v3", "api"] and len(parts) == 3:
        return group_version_document(registry, "", parts[2])
    if parts[:2] == ["v3", "apis"] and len(parts) == 4:
        return group_version_document(registry, parts[2], parts[3])
    return None
