"""Evaluated services -> the app's objects: checked, labelled, namespaced, ordered (DESIGN §5)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from gitops_vela.catalog import healthlib
from gitops_vela.errors import RenderError
from gitops_vela.model import labels
from gitops_vela.model.appfile import Appfile, Service
from gitops_vela.model.definitions import Definition, ref_name
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import CLUSTER_SCOPED_KINDS, Manifest, ObjectRef

_FIRST = {"CustomResourceDefinition": 0, "Namespace": 1}
_METADATA_FIRST = ("name", "namespace", "labels", "annotations")


def objects_of(
    app: Appfile, result: Mapping[str, Any]
) -> Iterator[tuple[Service, str, str, str, Any]]:
    """(service, definition, role, output name, object) for every object the services produced."""
    for service in app.services:
        rendered = result.get(service.name) or {}
        if rendered.get("output") is not None:
            yield service, service.ref, "workload", "output", rendered["output"]
        for group in rendered.get("outputs") or []:
            objects = group.get("objects")
            if objects is None:
                continue
            if not isinstance(objects, dict):
                yield service, group["definition"], group["role"], "outputs", objects
                continue
            for name in sorted(objects):
                if objects[name] is not None:
                    yield (
                        service,
                        group["definition"],
                        group["role"],
                        f"outputs.{name}",
                        objects[name],
                    )


def cluster_scoped_custom_kinds(objects: Iterable[Manifest]) -> frozenset[tuple[str, str]]:
    """(group, kind) of every cluster-scoped kind that a rendered CRD declares."""
    kinds: set[tuple[str, str]] = set()
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        spec = obj.get("spec") or {}
        if spec.get("scope") == "Cluster":
            kinds.add((str(spec.get("group", "")), str((spec.get("names") or {}).get("kind", ""))))
    return frozenset(kinds)


def finish(
    app: Appfile,
    result: Mapping[str, Any],
    *,
    repo: str,
    namespace: str,
    definitions: Mapping[str, Definition],
    cluster_kinds: frozenset[tuple[str, str]],
) -> tuple[tuple[Manifest, ...], dict[ObjectRef, str]]:
    """The app's objects in deterministic order, and the health policy for each object."""
    seen: dict[ObjectRef, Manifest] = {}
    policies: dict[ObjectRef, str] = {}
    replaced = healthlib.overrides(definitions.values())
    problems: list[Diagnostic] = []
    for service, definition, role, output, obj in objects_of(app, result):
        where = f"definition {definition!r} {output}"
        problem = _shape_problem(obj)
        if problem:
            problems.append(_diagnostic(app, service, f"{where}: {problem}"))
            continue
        _label(obj, app=app, repo=repo, service=service, definition=definition, role=role)
        _namespace(obj, namespace=namespace, cluster_kinds=cluster_kinds)
        ref = ObjectRef.from_manifest(obj)
        if ref in seen:
            problems.append(_diagnostic(app, service, f"{where}: {ref} is rendered twice"))
            continue
        seen[ref] = canonical(obj)
        policy = healthlib.policy_for(
            ref.group, ref.kind, rendered_by=definitions[definition], replaced=replaced
        )
        if policy:
            policies[ref] = policy
    if problems:
        raise RenderError(problems)
    ordered = sorted(seen.items(), key=lambda item: _order(item[0]))
    return tuple(obj for _, obj in ordered), policies


def canonical(obj: Manifest) -> Manifest:
    """The object with its keys in the order kubectl prints them.

    ``apiVersion``, ``kind``, ``metadata`` (``name``, ``namespace``, ``labels``,
    ``annotations``, then the rest), then the other top-level keys as they came.
    Only the order changes, so the digest (which sorts keys) does not.
    """
    metadata = obj["metadata"]
    head = {key: metadata[key] for key in _METADATA_FIRST if key in metadata}
    ordered = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": head}
    head.update((key, value) for key, value in metadata.items() if key not in head)
    ordered.update((key, value) for key, value in obj.items() if key not in ordered)
    return ordered


def digest(objects: Iterable[Manifest]) -> str:
    """A content hash of the objects, insensitive to the order of keys."""
    text = json.dumps(list(objects), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _diagnostic(app: Appfile, service: Service, message: str) -> Diagnostic:
    return Diagnostic(app.path, message, service.line, f"services.{service.name}")


def _shape_problem(obj: Any) -> str:
    if not isinstance(obj, dict):
        return f"expected a Kubernetes object, got {type(obj).__name__}"
    if not isinstance(obj.get("apiVersion"), str) or not isinstance(obj.get("kind"), str):
        return "a Kubernetes object needs apiVersion and kind strings"
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(metadata, dict) or not isinstance(name, str) or not name:
        return f"{obj['kind']} needs metadata.name"
    if not isinstance(metadata.get("labels") or {}, dict):
        return f"{obj['kind']} {name}: metadata.labels must be a mapping"
    return ""


def _label(
    obj: Manifest, *, app: Appfile, repo: str, service: Service, definition: str, role: str
) -> None:
    own = obj["metadata"].get("labels") or {}
    obj["metadata"]["labels"] = own
    own[labels.APP_NAME] = app.name
    own[labels.COMPONENT] = service.name
    own[labels.WORKLOAD_TYPE if role == "workload" else labels.TRAIT_TYPE] = ref_name(definition)
    own[labels.MANAGED_BY] = labels.MANAGED_BY_VALUE
    own[labels.OWNER] = labels.owner_value(repo, app.name)


def _namespace(obj: Manifest, *, namespace: str, cluster_kinds: frozenset[tuple[str, str]]) -> None:
    group = str(obj["apiVersion"]).rpartition("/")[0]
    kind = str(obj["kind"])
    metadata = obj["metadata"]
    if kind in CLUSTER_SCOPED_KINDS or (group, kind) in cluster_kinds:
        metadata.pop("namespace", None)
    elif not metadata.get("namespace"):
        metadata["namespace"] = namespace


def _order(ref: ObjectRef) -> tuple[int, str, str, str, str]:
    return (_FIRST.get(ref.kind, 2), ref.group, ref.kind, ref.namespace, ref.name)
