"""CustomResourceDefinitions: the types they register, their status, their schemas.

Custom resources are pruned and defaulted by the version's structural
``openAPIV3Schema`` as the apiserver does (unknown fields dropped unless
``x-kubernetes-preserve-unknown-fields``; ``default`` values filled in).
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from vela_emulator.apistatus import invalid
from vela_emulator.lifecycle import now
from vela_emulator.registry import ResourceType, ScalePaths

Obj = dict[str, Any]
CRD_GROUP = "apiextensions.k8s.io"


def _version_schema(version: Obj) -> Obj | None:
    schema = (version.get("schema") or {}).get("openAPIV3Schema")
    return schema if isinstance(schema, dict) else None


def validate_crd(crd: Obj) -> None:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    name = crd["metadata"]["name"]
    causes = []
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    if name != expected:
        causes.append(
            (
                "metadata.name",
                "FieldValueInvalid",
                f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
            )
        )
    versions = spec.get("versions") or []
    if not versions:
        causes.append(
            (
                "spec.versions",
                "FieldValueInvalid",
                "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version",
            )
        )
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            (
                "spec.versions",
                "FieldValueInvalid",
                "Invalid value: ...: must have exactly one version marked as storage version",
            )
        )
    if not names.get("kind"):
        causes.append(("spec.names.kind", "FieldValueRequired", "Required value"))
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        causes.append(
            (
                "spec.scope",
                "FieldValueNotSupported",
                f'Unsupported value: "{spec.get("scope", "")}": supported values: "Cluster", "Namespaced"',
            )
        )
    if causes:
        raise invalid("customresourcedefinitions", CRD_GROUP, name, causes)


def types_from_crd(crd: Obj) -> list[ResourceType]:
    """One ResourceType per served version."""
    spec = crd["spec"]
    names = spec["names"]
    types = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        scale = subresources.get("scale")
        types.append(
            ResourceType(
                group=spec["group"],
                version=version["name"],
                resource=names["plural"],
                kind=names["kind"],
                namespaced=spec.get("scope") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                status="status" in subresources,
                scale=ScalePaths(
                    spec_replicas=scale.get("specReplicasPath", ".spec.replicas"),
                    status_replicas=scale.get("statusReplicasPath", ".status.replicas"),
                    label_selector=scale.get("labelSelectorPath", ""),
                )
                if isinstance(scale, dict)
                else None,
                generation=True,
                crd=crd["metadata"]["name"],
                storage=bool(version.get("storage")),
                schema=_version_schema(version),
                schema_digest=_digest(_version_schema(version)),
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
            )
        )
    return types


def _digest(schema: Obj | None) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


def established_status(crd: Obj) -> Obj:
    """The status the apiextensions controllers write once names are accepted."""
    spec = crd["spec"]
    stamp = now()
    storage = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
    previous = ((crd.get("status") or {}).get("storedVersions")) or []
    names = copy.deepcopy(spec["names"])
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", f"{names['kind']}List")
    return {
        "acceptedNames": names,
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "reason": "NoConflicts",
                "message": "no conflicts found",
                "lastTransitionTime": stamp,
            },
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
                "lastTransitionTime": stamp,
            },
        ],
        "storedVersions": sorted(set(previous) | set(storage)),
    }


def default_crd(crd: Obj) -> None:
    """apiextensions defaults: names.singular, names.listKind, conversion None."""
    spec = crd.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if names.get("kind"):
        names.setdefault("singular", str(names["kind"]).lower())
        names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("conversion", {"strategy": "None"})


def unknown_fields(value: Any, schema: Obj | None, prefix: str = "") -> list[str]:
    """Paths (``spec.junk``, ``spec.items[0].x``) that pruning would drop."""
    if schema is None or not isinstance(value, dict | list):
        return []
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            return []
        return [p for i, v in enumerate(value) for p in unknown_fields(v, items, f"{prefix}[{i}]")]
    props: Obj = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    if schema.get("x-kubernetes-preserve-unknown-fields") or extra is True:
        return [
            p
            for k, v in value.items()
            if k in props
            for p in unknown_fields(v, props[k], _join(prefix, k))
        ]
    found = []
    for key, item in value.items():
        if not prefix and key in ("apiVersion", "kind", "metadata"):
            continue
        sub = props.get(key, extra if isinstance(extra, dict) else None)
        if sub is None:
            found.append(_join(prefix, key))
        else:
            found.extend(unknown_fields(item, sub, _join(prefix, key)))
    return found


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def prune_and_default(value: Any, schema: Obj | None, *, root: bool = True) -> Any:
    """Drop fields the structural schema does not know; fill in ``default`` values."""
    if schema is None or not isinstance(value, dict | list):
        return value
    if isinstance(value, list):
        items = schema.get("items")
        return (
            [prune_and_default(v, items, root=False) for v in value]
            if isinstance(items, dict)
            else value
        )
    if schema.get("x-kubernetes-preserve-unknown-fields") and not schema.get("properties"):
        return value
    props: Obj = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    out = {}
    for key, item in value.items():
        if root and key in ("apiVersion", "kind", "metadata"):
            out[key] = item
        elif key in props:
            out[key] = prune_and_default(item, props[key], root=False)
        elif isinstance(extra, dict):
            out[key] = prune_and_default(item, extra, root=False)
        elif extra is True or schema.get("x-kubernetes-preserve-unknown-fields"):
            out[key] = item
    for key, prop in props.items():
        if key not in out and isinstance(prop, dict) and "default" in prop:
            out[key] = prune_and_default(copy.deepcopy(prop["default"]), prop, root=False)
    return out
