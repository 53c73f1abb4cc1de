"""Check rendered objects against the real schemas: the kubernetes client's
models for core kinds (every field known, every scalar of the right type) and
a CRD's openAPIV3Schema for custom resources (unknown fields rejected, where
the API server would silently prune them and hide the typo)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes.client as k8s
import yaml

CORE_MODELS: dict[tuple[str, str], Any] = {
    ("v1", "Service"): k8s.V1Service,
    ("v1", "ConfigMap"): k8s.V1ConfigMap,
    ("v1", "Namespace"): k8s.V1Namespace,
    ("v1", "ServiceAccount"): k8s.V1ServiceAccount,
    ("v1", "PersistentVolumeClaim"): k8s.V1PersistentVolumeClaim,
    ("apps/v1", "Deployment"): k8s.V1Deployment,
    ("apps/v1", "StatefulSet"): k8s.V1StatefulSet,
    ("batch/v1", "Job"): k8s.V1Job,
    ("batch/v1", "CronJob"): k8s.V1CronJob,
    ("networking.k8s.io/v1", "Ingress"): k8s.V1Ingress,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.V2HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.V1PodDisruptionBudget,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.V1Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.V1RoleBinding,
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): k8s.V1CustomResourceDefinition,
}
_SCALARS = {"str": str, "int": int, "bool": bool, "float": (int, float)}
_LIST = re.compile(r"^list\[(.+)\]$", re.IGNORECASE)
_DICT = re.compile(r"^dict[(\[]str, (.+)[)\]]$", re.IGNORECASE)


def core_errors(obj: dict[str, Any]) -> list[str]:
    """Problems of a core-kind object; KeyError for a kind not covered."""
    model = CORE_MODELS[(obj["apiVersion"], obj["kind"])]
    return list(_walk(obj, model.__name__, "$"))


def _walk(value: Any, type_name: str, path: str) -> Any:
    if type_name == "object":  # IntOrString, RawExtension, Quantity...
        return
    if type_name in _SCALARS:
        if not isinstance(value, _SCALARS[type_name]) or (
            type_name == "int" and isinstance(value, bool)
        ):
            yield f"{path}: {value!r} is not {type_name}"
        return
    if m := _LIST.match(type_name):
        if not isinstance(value, list):
            yield f"{path}: not a list"
            return
        for i, item in enumerate(value):
            yield from _walk(item, m.group(1), f"{path}[{i}]")
        return
    if m := _DICT.match(type_name):
        if not isinstance(value, dict):
            yield f"{path}: not a map"
            return
        for key, item in value.items():
            yield from _walk(item, m.group(1), f"{path}.{key}")
        return
    model = getattr(k8s, type_name)
    if not isinstance(value, dict):
        yield f"{path}: not an object ({type_name})"
        return
    fields = {v: k for k, v in model.attribute_map.items()}
    for key, item in value.items():
        if key not in fields:
            yield f"{path}.{key}: unknown field of {type_name}"
            continue
        yield from _walk(item, model.openapi_types[fields[key]], f"{path}.{key}")


def load_crd_schemas(directory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """``(apiVersion, kind) -> strict JSON Schema`` for every served CRD version."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for file in sorted(directory.glob("*.yaml")):
        for crd in yaml.safe_load_all(file.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served"):
                    schema = _root(_strict(copy.deepcopy(version["schema"]["openAPIV3Schema"])))
                    schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def _root(schema: dict[str, Any]) -> dict[str, Any]:
    """The API server always accepts ``apiVersion``, ``kind`` and ObjectMeta at
    the root, whatever the CRD's schema lists: a schema that only constrains
    ``metadata.name`` (the MySQL Operator's) must not reject labels."""
    properties = schema.setdefault("properties", {})
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    if isinstance(properties.get("metadata"), dict):
        properties["metadata"].pop("additionalProperties", None)
    return schema


def _strict(schema: Any) -> Any:
    """Reject unknown fields wherever the API server would prune them."""
    if isinstance(schema, dict):
        for key, sub in schema.items():
            if key in ("properties", "patternProperties"):
                for name in sub:
                    sub[name] = _strict(sub[name])
            elif key in ("items", "additionalProperties", "not"):
                schema[key] = _strict(sub)
            elif key in ("allOf", "anyOf", "oneOf"):
                schema[key] = [_strict(s) for s in sub]
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
    return schema


def crd_errors(obj: dict[str, Any], schemas: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    schema = schemas[(obj["apiVersion"], obj["kind"])]
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)
    ]
