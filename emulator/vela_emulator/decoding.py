"""What decoding a request body into a built-in kind's Go type refuses.

kube-apiserver decodes the JSON body into the versioned Go struct before it
defaults or validates anything. A value of the wrong JSON type fails there with
Go's own words, ``json: cannot unmarshal string into Go struct field
DeploymentSpec.spec.replicas of type int32`` (the field path has no list
indices or map keys, the struct is the innermost one), and an unparsable
resource quantity with ``resource.Quantity``'s parser error; the request gets
400 ``Deployment in version "v1" cannot be handled as a Deployment: ...``.
Server-side apply converts the applied object to a typed value first and words
a scalar of the wrong type as structured-merge-diff does.

The types come from the Kubernetes OpenAPI as the ``kubernetes-validate``
package ships it (JSON schemas per Kubernetes release), for the release the
emulator reports in ``/version``; nothing here is a hand-written table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from vela_emulator import quantity
from vela_emulator.apistatus import ApiStatus, bad_request
from vela_emulator.registry import ResourceType

Schema = dict[str, Any]
KUBERNETES_VERSION = "1.32.0"  # discovery's gitVersion: the release whose schemas apply
_META = "io.k8s.apimachinery.pkg"
_QUANTITY = f"{_META}.api.resource.Quantity"
_INT_OR_STRING = f"{_META}.util.intstr.IntOrString"
_TIMES = frozenset({f"{_META}.apis.meta.v1.Time", f"{_META}.apis.meta.v1.MicroTime"})
_INT_RANGES = {"int32": 2**31, "int64": 2**63}


@lru_cache(maxsize=1)
def definitions() -> dict[str, Schema]:
    """Every definition of the release's OpenAPI, by name (``io.k8s.api.apps.v1.Deployment``)."""
    folder = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    text = (folder / f"v{KUBERNETES_VERSION}-local" / "_definitions.json").read_text()
    defs: dict[str, Schema] = json.loads(text)["$defs"]
    return defs


@lru_cache(maxsize=1)
def _by_kind() -> dict[tuple[str, str, str], str]:
    found = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            found[(gvk["group"], gvk["version"], gvk["kind"])] = name
    return found


def definition_for(rtype: ResourceType) -> str | None:
    """The OpenAPI definition of a built-in kind (None for custom resources)."""
    if rtype.crd:
        return None
    return _by_kind().get((rtype.group, rtype.version, rtype.kind))


@dataclass(frozen=True)
class Mismatch:
    """The first value decoding refuses, with what Go and structured-merge-diff say about it."""

    struct: str  # the innermost Go struct ("ContainerPort")
    field: str  # Go's field path ("spec.template.spec.containers.ports.containerPort")
    segments: tuple[Any, ...]  # field names and (index, item, map keys) of list elements
    go_type: str  # "int32", "v1.PodTemplateSpec", "[]v1.Container"
    expected: str  # the schema type: integer, number, string, boolean, object, array, custom
    value: Any
    problem: str = ""  # a custom decoder's own error (quantities, int-or-string)

    @property
    def path(self) -> str:
        """The typed path of server-side apply (``.spec.ports[port=80,protocol="TCP"]``)."""
        parts = []
        for segment in self.segments:
            parts.append(f".{segment}" if isinstance(segment, str) else _element(*segment))
        return "".join(parts)

    def go_message(self) -> str:
        if self.problem:
            return self.problem
        return (
            f"json: cannot unmarshal {_json_kind(self.value, self.expected)} into Go struct field "
            f"{self.struct}.{self.field} of type {self.go_type}"
        )


def first_mismatch(rtype: ResourceType, obj: Any) -> Mismatch | None:
    """The first field (in body order, as Go decodes) whose value the Go type cannot hold."""
    name = definition_for(rtype)
    if name is None or not isinstance(obj, dict):
        return None
    return _Walk().struct(obj, definitions()[name], rtype.kind, "", ())


def _json_kind(value: Any, expected: str) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        # a number that is a number but not of this type is named with its literal
        return f"number {value!r}" if expected == "integer" else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _ref_name(node: Schema) -> str | None:
    ref = node.get("$ref")
    return _REFS.get(ref) or _REFS.setdefault(ref, str(ref).rsplit("/", 1)[1]) if ref else None


_REFS: dict[str, str] = {}


_TYPES: dict[int, frozenset[str]] = {}  # by id(): the definitions live as long as the process


def _types(node: Schema) -> frozenset[str]:
    found = _TYPES.get(id(node))
    if found is None:
        kind = node.get("type")
        found = frozenset({kind} if isinstance(kind, str) else set(kind or ()) - {"null"})
        _TYPES[id(node)] = found
    return found


def _short(name: str) -> str:
    """``io.k8s.api.core.v1.Container`` -> ``v1.Container`` (Go's package.Type)."""
    return ".".join(name.split(".")[-2:])


def go_type(node: Schema) -> str:
    """The Go type a schema node decodes into, as ``reflect.Type.String()`` prints it."""
    name = _ref_name(node)
    if name:
        return _short(name)
    types = _types(node)
    if "array" in types:
        return "[]" + go_type(node.get("items") or {})
    if "object" in types:
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            if _ref_name(extra) == _QUANTITY:
                return "v1.ResourceList"
            return "map[string]" + go_type(extra)
        return "map[string]interface {}"
    if "integer" in types:
        return str(node.get("format") or "int64")
    if "number" in types:
        return "float64"
    if "boolean" in types:
        return "bool"
    if "string" in types:
        return "[]uint8" if node.get("format") == "byte" else "string"
    return "interface {}"


class _Walk:
    """One decoding pass; stops at the first mismatch as Go reports the first error."""

    def struct(
        self, value: Any, schema: Schema, struct: str, field: str, path: tuple[Any, ...]
    ) -> Mismatch | None:
        props: Schema = schema.get("properties") or {}
        for key, item in value.items():
            node = props.get(key)
            if node is None or item is None:
                continue  # unknown fields are fieldValidation's business; null decodes to zero
            sub_field = f"{field}.{key}" if field else key
            found = self.value(item, node, struct, sub_field, (*path, key))
            if found:
                return found
        return None

    def value(
        self, value: Any, node: Schema, struct: str, field: str, path: tuple[Any, ...]
    ) -> Mismatch | None:
        name = _ref_name(node)
        if name:
            return self.named(value, name, struct, field, path)
        types = _types(node)
        if not types:
            return None  # free-form JSON (RawExtension, JSON): anything decodes
        if "array" in types:
            return self.array(value, node, struct, field, path)
        if "object" in types:
            return self.mapping(value, node, struct, field, path)
        expected = next(iter(types))
        if _scalar_fits(value, expected, node):
            return None
        return Mismatch(struct, field, path, go_type(node), expected, value)

    def named(
        self, value: Any, name: str, struct: str, field: str, path: tuple[Any, ...]
    ) -> Mismatch | None:
        if name == _QUANTITY:
            problem = quantity.error(value)
            return (
                Mismatch(struct, field, path, "resource.Quantity", "custom", value, problem)
                if problem
                else None
            )
        if name == _INT_OR_STRING:
            if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
                return None
            problem = (
                f"json: cannot unmarshal {_json_kind(value, 'integer')} into Go value of type int32"
            )
            return Mismatch(struct, field, path, "intstr.IntOrString", "custom", value, problem)
        if name in _TIMES:
            if isinstance(value, str):
                return None
            problem = (
                f"json: cannot unmarshal {_json_kind(value, 'string')} into Go value of type string"
            )
            return Mismatch(struct, field, path, _short(name), "custom", value, problem)
        schema = definitions().get(name) or {}
        if "object" not in _types(schema) or not schema.get("properties"):
            return self.value(value, schema, struct, field, path)
        if not isinstance(value, dict):
            return Mismatch(struct, field, path, _short(name), "object", value)
        return self.struct(value, schema, name.rsplit(".", 1)[1], field, path)

    def array(
        self, value: Any, node: Schema, struct: str, field: str, path: tuple[Any, ...]
    ) -> Mismatch | None:
        if not isinstance(value, list):
            return Mismatch(struct, field, path, go_type(node), "array", value)
        items: Schema = node.get("items") or {}
        keys = node.get("x-kubernetes-list-map-keys") or ()
        for index, item in enumerate(value):
            if item is None:
                continue
            found = self.value(item, items, struct, field, (*path, (index, item, keys)))
            if found:
                return found
        return None

    def mapping(
        self, value: Any, node: Schema, struct: str, field: str, path: tuple[Any, ...]
    ) -> Mismatch | None:
        if not isinstance(value, dict):
            return Mismatch(struct, field, path, go_type(node), "object", value)
        extra = node.get("additionalProperties")
        if not isinstance(extra, dict):
            return None
        for key, item in value.items():
            if item is None:
                continue
            found = self.value(item, extra, struct, field, (*path, key))
            if found:
                return found
        return None


def _element(index: int, item: Any, keys: Any) -> str:
    """How structured-merge-diff names a list element: by its map keys, else by index."""
    if keys and isinstance(item, dict) and all(k in item for k in keys):
        pairs = ",".join(f"{k}={json.dumps(item[k])}" for k in sorted(keys))
        return f"[{pairs}]"
    return f"[{index}]"


def _scalar_fits(value: Any, expected: str, node: Schema) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if expected == "number":
        return True
    if not isinstance(value, int):
        return False
    limit = _INT_RANGES.get(str(node.get("format") or "int64"), 2**63)
    return -limit <= value < limit


def typed_message(found: Mismatch) -> str | None:
    """structured-merge-diff's words for a scalar of the wrong type (None for other failures)."""
    value = found.value
    if found.expected in ("integer", "number"):
        return f"{found.path}: expected numeric (int or float), got {_go_dynamic_type(value)}"
    if found.expected == "string":
        return f"{found.path}: expected string, got &value.valueUnstructured{{Value:{_go_literal(value)}}}"
    if found.expected == "boolean":
        return f"{found.path}: expected boolean, got &{{{_go_literal(value)}}}"
    return None


def _go_dynamic_type(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, int):
        return "int64"
    return "[]interface {}" if isinstance(value, list) else "map[string]interface {}"


def _go_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value) if isinstance(value, int | float) else json.dumps(value)


def check(rtype: ResourceType, obj: Any) -> None:
    """400 for a body the Go type cannot hold, worded as the apiserver's decoder words it."""
    found = first_mismatch(rtype, obj)
    if found:
        kind = rtype.kind
        raise bad_request(
            f'{kind} in version "{rtype.version}" cannot be handled as a {kind}: {found.go_message()}'
        )


_SCALAR_FITS = {
    "integer": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
}


def _custom_mismatch(value: Any, schema: Any, segments: tuple[Any, ...]) -> Mismatch | None:
    """The first scalar a CRD schema types otherwise (what the typed conversion refuses)."""
    if value is None or not isinstance(schema, dict) or schema.get("x-kubernetes-int-or-string"):
        return None
    if isinstance(value, dict):
        props, extra = schema.get("properties") or {}, schema.get("additionalProperties")
        for key, item in value.items():
            if not segments and key in ("apiVersion", "kind", "metadata"):
                continue
            found = _custom_mismatch(item, props.get(key, extra), (*segments, key))
            if found:
                return found
        return None
    if isinstance(value, list):
        keys = schema.get("x-kubernetes-list-map-keys") or ()
        for index, item in enumerate(value):
            found = _custom_mismatch(item, schema.get("items"), (*segments, (index, item, keys)))
            if found:
                return found
        return None
    kind = schema.get("type")
    fits = _SCALAR_FITS.get(str(kind))
    if fits is None or fits(value):
        return None
    return Mismatch("", "", segments, "", str(kind), value)


def check_applied(rtype: ResourceType, obj: Any, *, namespace: str, name: str) -> None:
    """An applied configuration: a wrongly typed scalar fails the typed patch (500), else as above."""
    if rtype.crd:
        found = _custom_mismatch(obj, rtype.schema, ()) if isinstance(obj, dict) else None
    else:
        found = first_mismatch(rtype, obj)
    message = typed_message(found) if found else None
    if message:
        where = f"{namespace}/{name}; {rtype.api_version}, Kind={rtype.kind}"
        raise ApiStatus(500, "", f"failed to create typed patch object ({where}): {message}")
    check(rtype, obj)
