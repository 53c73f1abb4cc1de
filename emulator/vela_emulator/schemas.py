"""OpenAPI v3 schemas of the built-in kinds: structure where merge keys matter.

Objects not described here keep ``x-kubernetes-preserve-unknown-fields`` so
nothing is rejected; the lists that merge by key in Kubernetes (containers,
env, ports, volumes, volumeMounts, ...) carry the same extensions as the
upstream OpenAPI.
"""

from __future__ import annotations

from typing import Any

from vela_emulator.registry import ResourceType

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}]}


def _open(**props: Schema) -> Schema:
    schema: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    if props:
        schema["properties"] = props
    return schema


def _string_map() -> Schema:
    return {"type": "object", "additionalProperties": {"type": "string", "default": ""}}


def _map_list(item: Schema, *keys: str, patch_key: str | None = None) -> Schema:
    return {
        "type": "array",
        "items": item,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": list(keys),
        "x-kubernetes-patch-merge-key": patch_key or keys[0],
        "x-kubernetes-patch-strategy": "merge",
    }


_CONTAINER = _open(
    name={"type": "string"},
    image={"type": "string"},
    env=_map_list(_open(name={"type": "string"}), "name"),
    ports=_map_list(_open(containerPort={"type": "integer"}), "containerPort", "protocol"),
    volumeMounts=_map_list(_open(mountPath={"type": "string"}), "mountPath"),
    volumeDevices=_map_list(_open(devicePath={"type": "string"}), "devicePath"),
)
_POD_SPEC = _open(
    containers=_map_list(_ref("io.k8s.api.core.v1.Container"), "name"),
    initContainers=_map_list(_ref("io.k8s.api.core.v1.Container"), "name"),
    ephemeralContainers=_map_list(_ref("io.k8s.api.core.v1.Container"), "name"),
    volumes=_map_list(_open(name={"type": "string"}), "name"),
    imagePullSecrets=_map_list(_open(name={"type": "string"}), "name"),
    hostAliases=_map_list(_open(ip={"type": "string"}), "ip"),
)
_OBJECT_META = _open(
    name={"type": "string"},
    namespace={"type": "string"},
    labels=_string_map(),
    annotations=_string_map(),
    finalizers={
        "type": "array",
        "items": {"type": "string", "default": ""},
        "x-kubernetes-list-type": "set",
        "x-kubernetes-patch-strategy": "merge",
    },
    ownerReferences=_map_list(_open(uid={"type": "string"}), "uid"),
)

SHARED: dict[str, Schema] = {
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": _OBJECT_META,
    "io.k8s.api.core.v1.Container": _CONTAINER,
    "io.k8s.api.core.v1.PodSpec": _POD_SPEC,
    "io.k8s.api.core.v1.PodTemplateSpec": _open(
        metadata=_ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
        spec=_ref("io.k8s.api.core.v1.PodSpec"),
    ),
}

_TEMPLATE = _ref("io.k8s.api.core.v1.PodTemplateSpec")
_SPECS: dict[tuple[str, str], Schema] = {
    ("apps", "Deployment"): _open(template=_TEMPLATE),
    ("apps", "ReplicaSet"): _open(template=_TEMPLATE),
    ("apps", "StatefulSet"): _open(template=_TEMPLATE),
    ("apps", "DaemonSet"): _open(template=_TEMPLATE),
    ("batch", "Job"): _open(template=_TEMPLATE),
    ("batch", "CronJob"): _open(jobTemplate=_open(spec=_open(template=_TEMPLATE))),
    ("", "Pod"): _ref("io.k8s.api.core.v1.PodSpec"),
    ("", "Service"): _open(
        ports=_map_list(_open(port={"type": "integer"}), "port", "protocol", patch_key="port")
    ),
}


def kind_schema(rtype: ResourceType) -> Schema:
    """The schema of a kind: a CRD's own, or the built-in structure above."""
    gvk = [{"group": rtype.group, "version": rtype.version, "kind": rtype.kind}]
    if rtype.crd:
        schema = dict(rtype.schema or _open())
        crd_props = dict(schema.get("properties") or {})
        crd_props.setdefault("apiVersion", {"type": "string"})
        crd_props.setdefault("kind", {"type": "string"})
        crd_props["metadata"] = _ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
        return {
            **schema,
            "type": "object",
            "properties": crd_props,
            "x-kubernetes-group-version-kind": gvk,
        }
    props: dict[str, Schema] = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": _ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
    }
    spec = _SPECS.get((rtype.group, rtype.kind))
    if spec is not None:
        props["spec"] = spec
    schema = _open(**props)
    schema["x-kubernetes-group-version-kind"] = gvk
    return schema
