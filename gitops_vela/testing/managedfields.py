"""Field ownership and server-side apply, as kube-apiserver's structured-merge-diff does it.

Pure functions over JSON-like dicts; the emulator's HTTP layer calls them.

Paths and FieldsV1
    A field path is a tuple of encoded path elements, exactly as they appear
    in ``metadata.managedFields[].fieldsV1``: ``f:<field>`` for a map key,
    ``k:{"name":"x"}`` for an item of an associative list (its keys sorted,
    compact JSON), ``v:<json>`` for an item of a set list, and, in the tree
    form, ``.`` for "the node itself is owned" when it also has owned children.
    ``field_path_str`` prints a path as the apiserver does in messages
    (``.spec.containers[name="app"].image``).

Schema (``ListKeys``)
    How values merge: maps are granular unless ``atomic``; lists are atomic
    unless typed ``set`` or ``map`` (associative, by key fields). The built-in
    kinds carry the list types of their Go types (containers by ``name``,
    container ports by ``containerPort``+``protocol``, service ports by
    ``port``+``protocol``, volumeMounts by ``mountPath``, label selectors and
    ``nodeSelector`` atomic, tolerations atomic, ...); custom resources take
    them from their openAPIV3Schema (``x-kubernetes-list-type``,
    ``x-kubernetes-list-map-keys``, ``x-kubernetes-map-type``). The same nodes
    carry the strategic-merge-patch keys ``patching`` uses.

Server-side apply (``server_side_apply``)
    The applied configuration is merged into the live object; the applier
    then owns exactly the fields it sent. Fields it owned before and no longer
    sends are removed from the object unless another manager owns them too.
    Changing a value another manager owns is a conflict (``ApplyConflict``,
    worded like the apiserver) unless ``force``, which moves ownership to the
    applier. Sending a value equal to the live one shares ownership. An apply
    to the main resource never changes ``status``; a ``status`` subresource
    apply changes only ``status``.

Updates (``record_update``)
    A create, PUT or PATCH makes its manager (operation ``Update``) own every
    field it added or changed, and takes those fields away from other
    managers; removed fields leave every manager's set.

Managers are keyed like the apiserver's manager identifier: (manager,
operation, subresource) plus the apiVersion for ``Update`` entries. Entries
whose field set becomes empty are dropped; entries are ordered as the
apiserver orders them (operation, time, manager, apiVersion, subresource).

Known differences from the apiserver: no conversion between API versions (all
entries are read as the object's version), named struct fields are not added
as owned parents when pruning (removal granularity follows leaves and list
items, then drops maps and lists left empty), there is no cap of ten Update
managers (no ``ancient-changes`` entry) and no last-applied annotation
upgrade.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

Path = tuple[str, ...]
FieldSet = set[Path]
JSON = Any


# --------------------------------------------------------------------- schema


@dataclass(frozen=True)
class Node:
    """How one value merges: the schema facts SSA and strategic merge patch need."""

    fields: Mapping[str, Node] = field(default_factory=dict)
    elem: Node | None = None  # type of map values (no named field) or of list items
    list_type: str = "atomic"  # atomic | set | map
    keys: tuple[str, ...] = ()  # x-kubernetes-list-map-keys
    key_defaults: Mapping[str, JSON] = field(default_factory=dict)
    atomic_map: bool = False  # x-kubernetes-map-type / structType atomic
    patch_key: str = ""  # strategic merge patch: patchMergeKey of a list of maps
    patch_merge: bool = False  # strategic merge patch: patchStrategy=merge on a list
    always: bool = False  # a non-pointer Go struct: present (empty) in a new object

    def child(self, name: str) -> Node:
        found = self.fields.get(name)
        if found is not None:
            return found
        return self.elem if self.elem is not None else DEDUCED

    def item(self) -> Node:
        return self.elem if self.elem is not None else DEDUCED


DEDUCED = Node()  # untyped: maps granular, lists atomic


def _struct(*, always: bool = False, **fields: Node) -> Node:
    return Node(fields=fields, always=always)


def _listmap(
    *keys: str,
    item: Node = DEDUCED,
    patch_key: str | None = None,
    defaults: Mapping[str, JSON] | None = None,
) -> Node:
    return Node(
        elem=item,
        list_type="map",
        keys=keys,
        key_defaults=dict(defaults or {}),
        patch_key=keys[0] if patch_key is None else patch_key,
        patch_merge=True,
    )


ATOMIC_MAP = Node(atomic_map=True)
LABEL_SELECTOR = ATOMIC_MAP  # metav1.LabelSelector is +structType=atomic
CONDITIONS = _listmap("type")
# ObjectMeta: labels/annotations are granular maps, finalizers a set,
# ownerReferences keyed by uid (k8s.io/apimachinery/pkg/apis/meta/v1/types.go).
META = _struct(
    always=True,
    finalizers=Node(list_type="set", patch_merge=True),
    ownerReferences=_listmap("uid"),
)
# core/v1 Container (k8s.io/api/core/v1/types.go list markers).
CONTAINER = _struct(
    ports=_listmap(
        "containerPort", "protocol", patch_key="containerPort", defaults={"protocol": "TCP"}
    ),
    env=_listmap("name"),
    volumeMounts=_listmap("mountPath"),
    volumeDevices=_listmap("devicePath"),
    resources=_struct(always=True, claims=_listmap("name")),
)
POD_SPEC = _struct(
    always=True,
    # `containers` has no omitempty: a new object holds `containers: null`.
    containers=replace(_listmap("name", item=CONTAINER), always=True),
    initContainers=_listmap("name", item=CONTAINER),
    ephemeralContainers=_listmap("name", item=CONTAINER),
    volumes=_listmap("name"),
    imagePullSecrets=_listmap("name"),
    hostAliases=_listmap("ip"),
    topologySpreadConstraints=_listmap("topologyKey", "whenUnsatisfiable", patch_key="topologyKey"),
    resourceClaims=_listmap("name"),
    schedulingGates=_listmap("name"),
    nodeSelector=ATOMIC_MAP,
    affinity=_struct(
        nodeAffinity=_struct(requiredDuringSchedulingIgnoredDuringExecution=ATOMIC_MAP),
    ),
)
POD_TEMPLATE = _struct(always=True, metadata=META, spec=POD_SPEC)
WORKLOAD_STATUS = _struct(always=True, conditions=CONDITIONS)


def _workload(**spec_fields: Node) -> Node:
    return _struct(
        metadata=META,
        spec=_struct(always=True, selector=LABEL_SELECTOR, template=POD_TEMPLATE, **spec_fields),
        status=WORKLOAD_STATUS,
    )


SERVICE = _struct(
    metadata=META,
    spec=_struct(
        always=True,
        ports=_listmap("port", "protocol", patch_key="port", defaults={"protocol": "TCP"}),
        selector=ATOMIC_MAP,
    ),
    status=_struct(always=True, conditions=CONDITIONS),
)
JOB_SPEC = _struct(always=True, selector=LABEL_SELECTOR, template=POD_TEMPLATE)

_BUILTIN: dict[str, Node] = {
    "Pod": _struct(
        metadata=META, spec=POD_SPEC, status=_struct(always=True, conditions=CONDITIONS)
    ),
    "PodTemplate": _struct(metadata=META, template=POD_TEMPLATE),
    "Deployment": _workload(strategy=_struct(always=True)),
    "ReplicaSet": _workload(),
    "StatefulSet": _workload(updateStrategy=_struct(always=True)),
    "DaemonSet": _workload(updateStrategy=_struct(always=True)),
    "Job": _struct(metadata=META, spec=JOB_SPEC, status=_struct(always=True)),
    "CronJob": _struct(
        metadata=META,
        spec=_struct(always=True, jobTemplate=_struct(always=True, metadata=META, spec=JOB_SPEC)),
        status=_struct(always=True),
    ),
    "Service": SERVICE,
    "Namespace": _struct(
        metadata=META, spec=_struct(always=True), status=_struct(always=True, conditions=CONDITIONS)
    ),
    "PersistentVolumeClaim": _struct(
        metadata=META,
        spec=_struct(always=True, selector=LABEL_SELECTOR),
        status=_struct(always=True, conditions=CONDITIONS),
    ),
    "PodDisruptionBudget": _struct(
        metadata=META,
        spec=_struct(always=True, selector=LABEL_SELECTOR),
        status=_struct(always=True, conditions=CONDITIONS),
    ),
    "NetworkPolicy": _struct(metadata=META, spec=_struct(always=True, podSelector=LABEL_SELECTOR)),
    "HorizontalPodAutoscaler": _struct(
        metadata=META, spec=_struct(always=True), status=_struct(always=True, conditions=CONDITIONS)
    ),
    "CustomResourceDefinition": _struct(
        metadata=META, spec=_struct(always=True), status=_struct(always=True, conditions=CONDITIONS)
    ),
}
_DEFAULT_OBJECT = _struct(metadata=META)


@dataclass(frozen=True)
class ListKeys:
    """The merge schema of one kind (built-in Go types, or a CRD's openAPIV3Schema)."""

    root: Node = _DEFAULT_OBJECT

    @classmethod
    def builtin(cls, kind: str) -> ListKeys:
        """The schema of a built-in kind; unknown kinds merge as untyped objects."""
        return cls(_BUILTIN.get(kind, _DEFAULT_OBJECT))

    @classmethod
    def for_object(cls, obj: Mapping[str, JSON]) -> ListKeys:
        return cls.builtin(str(obj.get("kind", "")))

    @classmethod
    def from_openapi_schema(cls, schema: Mapping[str, JSON]) -> ListKeys:
        """Build from a CRD version's ``schema.openAPIV3Schema``."""
        root = _node_from_schema(schema)
        fields = dict(root.fields)
        fields["metadata"] = META  # ObjectMeta is never described by a CRD schema
        return cls(replace(root, fields=fields))

    def at(self, names: Iterable[str]) -> Node:
        """The node at a path of field names (list items are stepped over with ``[]``)."""
        node = self.root
        for name in names:
            node = node.item() if name == "[]" else node.child(name)
        return node


def _node_from_schema(schema: Mapping[str, JSON]) -> Node:
    props = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    items = schema.get("items")
    if schema.get("type") == "array" or isinstance(items, Mapping):
        item = _node_from_schema(items) if isinstance(items, Mapping) else DEDUCED
        list_type = str(schema.get("x-kubernetes-list-type", "atomic"))
        keys = tuple(str(k) for k in schema.get("x-kubernetes-list-map-keys") or ())
        defaults = {}
        if isinstance(items, Mapping):
            item_props = items.get("properties") or {}
            defaults = {
                k: item_props[k]["default"] for k in keys if "default" in item_props.get(k, {})
            }
        if list_type == "map" and not keys:
            list_type = "atomic"
        return Node(elem=item, list_type=list_type, keys=keys, key_defaults=defaults)
    elem = _node_from_schema(additional) if isinstance(additional, Mapping) else None
    return Node(
        fields={str(k): _node_from_schema(v) for k, v in props.items() if isinstance(v, Mapping)},
        elem=elem,
        atomic_map=schema.get("x-kubernetes-map-type") == "atomic",
    )


# ------------------------------------------------------------ path elements


class FieldSetError(ValueError):
    """An object cannot be turned into a field set (an associative list is malformed)."""


def _compact(value: JSON) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _key_element(item: JSON, node: Node, where: Path, index: int) -> str:
    if not isinstance(item, Mapping):
        raise FieldSetError(
            f"{field_path_str(where)}: element {index}: associative list can only contain maps"
        )
    key: dict[str, JSON] = {}
    for name in node.keys:
        if name in item:
            key[name] = item[name]
        elif name in node.key_defaults:
            key[name] = node.key_defaults[name]
        else:
            raise FieldSetError(
                f"{field_path_str(where)}: element {index}: associative list with keys has an element "
                f'that omits key field "{name}" (and doesn\'t have default value)'
            )
    return "k:" + _compact(key)


def list_elements(items: list[JSON], node: Node, where: Path) -> list[str] | None:
    """Path elements of a list's items, or None when the list is atomic.

    Raises ``FieldSetError`` for duplicates or items without their keys.
    """
    if node.list_type == "map":
        elements = [_key_element(item, node, where, i) for i, item in enumerate(items)]
    elif node.list_type == "set":
        elements = ["v:" + _compact(item) for item in items]
    else:
        return None
    seen: set[str] = set()
    for element in elements:
        if element in seen:
            raise FieldSetError(
                f"{field_path_str(where)}: duplicate entries for key {_element_str(element)}"
            )
        seen.add(element)
    return elements


def _value_str(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value_str(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_value_str(v)}" for k, v in value.items()) + "}"
    return str(value)


def _element_str(element: str) -> str:
    kind, _, rest = element.partition(":")
    if kind == "f":
        return "." + rest
    if kind == "k":
        key = json.loads(rest)
        return "[" + ",".join(f"{k}={_value_str(v)}" for k, v in key.items()) + "]"
    if kind == "v":
        return "[=" + _value_str(json.loads(rest)) + "]"
    return "[" + rest + "]"


def field_path_str(path: Path) -> str:
    """A path as the apiserver prints it: ``.spec.containers[name="a"].image``."""
    return "".join(_element_str(e) for e in path)


def _element_order(element: str) -> tuple[int, str]:
    return ("fkvi".find(element[0]), element[2:])


# ----------------------------------------------------------------- field sets


def fields_of(obj: JSON, list_keys: ListKeys | None = None) -> FieldSet:
    """The set of leaf fields and list items of ``obj`` (structured-merge-diff's ToFieldSet)."""
    keys = list_keys if list_keys is not None else ListKeys.for_object(obj)
    out: FieldSet = set()
    _collect(obj, keys.root, (), out)
    return out


def _collect(value: JSON, node: Node, prefix: Path, out: FieldSet) -> None:
    if isinstance(value, Mapping) and not node.atomic_map:
        if not value and prefix:
            out.add(prefix)
        for name, sub in value.items():
            _collect(sub, node.child(name), (*prefix, "f:" + name), out)
        return
    if isinstance(value, list):
        elements = list_elements(value, node, prefix)
        if elements is None:
            out.add(prefix)
            return
        for element, item in zip(elements, value, strict=True):
            path = (*prefix, element)
            out.add(path)
            if node.list_type == "map":
                _collect_item(item, node.item(), path, out)
        return
    out.add(prefix)


def _collect_item(item: Mapping[str, JSON], node: Node, prefix: Path, out: FieldSet) -> None:
    for name, sub in item.items():
        _collect(sub, node.child(name), (*prefix, "f:" + name), out)


@dataclass
class Comparison:
    """What changed between two objects, as field sets (structured-merge-diff's Compare)."""

    added: FieldSet = field(default_factory=set)
    modified: FieldSet = field(default_factory=set)
    removed: FieldSet = field(default_factory=set)


def compare(old: JSON, new: JSON, list_keys: ListKeys) -> Comparison:
    result = Comparison()
    _compare(old, new, list_keys.root, (), result)
    return result


def _subtree(value: JSON, node: Node, path: Path, out: FieldSet) -> None:
    out.add(path)
    if isinstance(value, Mapping) and not node.atomic_map:
        for name, sub in value.items():
            _subtree(sub, node.child(name), (*path, "f:" + name), out)
    elif isinstance(value, list):
        elements = _elements_or_none(value, node, path)
        if elements is not None and node.list_type == "map":
            for element, item in zip(elements, value, strict=True):
                _subtree(item, node.item(), (*path, element), out)
        elif elements is not None:
            out.update((*path, e) for e in elements)


def _elements_or_none(value: list[JSON], node: Node, path: Path) -> list[str] | None:
    # Updates are tracked even when a list is malformed; it is then owned whole.
    try:
        return list_elements(value, node, path)
    except FieldSetError:
        return None


def _compare(old: JSON, new: JSON, node: Node, path: Path, out: Comparison) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping) and not node.atomic_map:
        for name in {**old, **new}:
            child, sub = node.child(name), (*path, "f:" + name)
            if name in old and name in new:
                _compare(old[name], new[name], child, sub, out)
            elif name in new:
                _compare_one_sided(new[name], child, sub, out.added, out)
            else:
                _compare_one_sided(old[name], child, sub, out.removed, out, new_side=False)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_el, new_el = _elements_or_none(old, node, path), _elements_or_none(new, node, path)
        if old_el is not None and new_el is not None:
            _compare_lists(
                dict(zip(old_el, old, strict=True)),
                dict(zip(new_el, new, strict=True)),
                node,
                path,
                out,
            )
            return
    if old != new:
        out.modified.add(path)


def _compare_one_sided(
    value: JSON, node: Node, path: Path, into: FieldSet, out: Comparison, *, new_side: bool = True
) -> None:
    # A non-pointer Go struct exists (empty) on both sides, so only its content changes.
    if node.always and isinstance(value, Mapping | list):
        empty: JSON = {} if isinstance(value, Mapping) else []
        _compare(empty, value, node, path, out) if new_side else _compare(
            value, empty, node, path, out
        )
    else:
        _subtree(value, node, path, into)


def _compare_lists(
    old: dict[str, JSON], new: dict[str, JSON], node: Node, path: Path, out: Comparison
) -> None:
    for element in {**old, **new}:
        sub = (*path, element)
        if element in old and element in new:
            if node.list_type == "map":
                _compare(old[element], new[element], node.item(), sub, out)
        elif element in new:
            _subtree(
                new[element], node.item(), sub, out.added
            ) if node.list_type == "map" else out.added.add(sub)
        else:
            _subtree(
                old[element], node.item(), sub, out.removed
            ) if node.list_type == "map" else out.removed.add(sub)


# ------------------------------------------------------------------ FieldsV1


def to_fields_v1(paths: Iterable[Path]) -> dict[str, JSON]:
    """Encode a field set as the FieldsV1 tree (``.`` marks an owned node with children)."""
    tree: dict[str, JSON] = {}
    members: set[Path] = set(paths)
    for path in members:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    for path in members:
        node = tree
        for element in path:
            node = node[element]
        if node and "." not in node:
            node["."] = {}
    return _sorted_tree(tree)


def _sorted_tree(tree: dict[str, JSON]) -> dict[str, JSON]:
    ordered = sorted((k for k in tree if k != "."), key=_element_order)
    head: dict[str, JSON] = {".": {}} if "." in tree else {}
    return head | {k: _sorted_tree(tree[k]) for k in ordered}


def from_fields_v1(tree: Mapping[str, JSON], prefix: Path = ()) -> FieldSet:
    """Decode a FieldsV1 tree into a field set."""
    out: FieldSet = set()
    for element, sub in tree.items():
        if element == ".":
            out.add(prefix)
            continue
        path = (*prefix, element)
        if not sub:
            out.add(path)
        else:
            out |= from_fields_v1(sub, path)
    return out


def iterate_sorted(paths: Iterable[Path]) -> Iterator[Path]:
    """Paths in structured-merge-diff's set order: a node's members, then its children."""
    tree = to_fields_v1(paths)
    yield from _iterate(tree, ())


def _iterate(tree: Mapping[str, JSON], prefix: Path) -> Iterator[Path]:
    elements = [k for k in tree if k != "."]
    for element in elements:
        sub = tree[element]
        if not sub or "." in sub:
            yield (*prefix, element)
    for element in elements:
        if tree[element]:
            yield from _iterate(tree[element], (*prefix, element))


# ------------------------------------------------------------------ managers

# Fields no manager ever owns (apiserver's stripMetaManager).
_STRIPPED: frozenset[Path] = frozenset(
    {
        ("f:apiVersion",),
        ("f:kind",),
        ("f:metadata",),
        *(
            ("f:metadata", "f:" + name)
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    }
)


@dataclass(frozen=True)
class ManagerId:
    """The apiserver's manager identifier (apiVersion only counts for Update entries)."""

    manager: str
    operation: str
    subresource: str = ""
    api_version: str = ""

    def __str__(self) -> str:
        # apiserver's printManager, given an identifier (which never carries a time).
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


@dataclass
class Entry:
    """One managedFields entry, decoded."""

    ident: ManagerId
    api_version: str
    time: str
    fields: FieldSet

    def encode(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "manager": self.ident.manager,
            "operation": self.ident.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = to_fields_v1(self.fields)
        if self.ident.subresource:
            out["subresource"] = self.ident.subresource
        return out


def decode_managed_fields(entries: JSON) -> dict[ManagerId, Entry]:
    """Decode ``metadata.managedFields``; entries that do not decode are dropped."""
    out: dict[ManagerId, Entry] = {}
    for raw in entries if isinstance(entries, list) else []:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("fieldsV1", {}), Mapping):
            continue
        operation = str(raw.get("operation", ""))
        api_version = str(raw.get("apiVersion", ""))
        ident = ManagerId(
            manager=str(raw.get("manager", "")),
            operation=operation,
            subresource=str(raw.get("subresource", "")),
            api_version=api_version if operation != "Apply" else "",
        )
        fields = from_fields_v1(raw.get("fieldsV1") or {})
        if ident in out:
            out[ident].fields |= fields
        else:
            out[ident] = Entry(ident, api_version, str(raw.get("time", "") or ""), fields)
    return out


def encode_managed_fields(managers: Mapping[ManagerId, Entry]) -> list[dict[str, JSON]]:
    """Encode in the apiserver's order, dropping entries that own nothing."""
    kept = [e for e in managers.values() if e.fields]
    kept.sort(
        key=lambda e: (
            e.ident.operation,
            e.time,
            e.ident.manager,
            e.api_version,
            e.ident.subresource,
        )
    )
    return [e.encode() for e in kept]


def _owned_scope(paths: Iterable[Path], *, subresource: str, reset_status: bool) -> FieldSet:
    """Drop the fields no manager owns and those this endpoint cannot change."""
    out = {p for p in paths if p and p not in _STRIPPED}
    if subresource == "status":
        return {p for p in out if p[0] == "f:status"}
    if reset_status:
        return {p for p in out if p[0] != "f:status"}
    return out


def _without_managed_fields(obj: Mapping[str, JSON]) -> dict[str, JSON]:
    out = copy.deepcopy(dict(obj))
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return out


def _with_managed_fields(
    obj: dict[str, JSON], managers: Mapping[ManagerId, Entry]
) -> dict[str, JSON]:
    meta = obj.setdefault("metadata", {})
    encoded = encode_managed_fields(managers)
    if encoded:
        meta["managedFields"] = encoded
    else:
        meta.pop("managedFields", None)
    return obj


# ------------------------------------------------------------------- errors


class ApplyConflict(Exception):
    """An apply would change fields other managers own (the apiserver answers 409 Conflict).

    ``conflicts`` lists (field path, manager name); ``causes`` are the
    ``FieldManagerConflict`` StatusCauses of the apiserver's answer and
    ``str(exc)`` its message.
    """

    def __init__(self, found: list[tuple[Path, ManagerId]]) -> None:
        self.found = found
        self.conflicts: list[tuple[str, str]] = [(field_path_str(p), m.manager) for p, m in found]
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.found) == 1:
            path, ident = self.found[0]
            return f"Apply failed with 1 conflict: conflict with {ident}: {field_path_str(path)}"
        lines: list[str] = []
        for ident in dict.fromkeys(m for _, m in self.found):
            lines.append(f"conflicts with {ident}:")
            lines.extend(f"- {field_path_str(p)}" for p, m in self.found if m == ident)
        return f"Apply failed with {len(self.found)} conflicts: " + "\n".join(lines)

    @property
    def causes(self) -> list[dict[str, str]]:
        return [
            {
                "type": "FieldManagerConflict",
                "message": f"conflict with {m}",
                "field": field_path_str(p),
            }
            for p, m in self.found
        ]


class ApplyInvalid(ValueError):
    """An applied configuration the apiserver refuses (400/422): the message says why."""


# ------------------------------------------------------------ server-side apply


def server_side_apply(
    live: dict[str, JSON] | None,
    applied: dict[str, JSON],
    *,
    manager: str,
    force: bool,
    now: str,
    list_keys: ListKeys | None = None,
    subresource: str = "",
    reset_status: bool = True,
) -> dict[str, JSON]:
    """Apply ``applied`` for ``manager`` onto ``live`` (None: create) and return the new object.

    ``reset_status`` (the default, right for every built-in kind and for CRDs
    with a status subresource) keeps ``status`` out of a main-resource apply.
    Raises ``ApplyConflict`` (unless ``force``) and ``ApplyInvalid``.
    """
    if (applied.get("metadata") or {}).get("managedFields"):
        raise ApplyInvalid("metadata.managedFields must be nil")
    keys = list_keys if list_keys is not None else ListKeys.for_object(applied)
    base = _without_managed_fields(live) if live is not None else {}
    managers = decode_managed_fields((live or {}).get("metadata", {}).get("managedFields"))
    config = _scoped_config(applied, subresource=subresource, reset_status=reset_status)
    try:
        config_set = _owned_scope(
            fields_of(config, keys), subresource=subresource, reset_status=reset_status
        )
    except FieldSetError as exc:
        raise ApplyInvalid(str(exc)) from exc
    ident = ManagerId(manager, "Apply", subresource)
    last = managers[ident].fields if ident in managers else set()
    others: FieldSet = set().union(*(e.fields for i, e in managers.items() if i != ident))
    merged = _merge_values(base, config, keys.root)
    _prune(merged, last - config_set - others, config_set | others, keys)
    _take_ownership(managers, ident, base, merged, keys, force=force, subresource=subresource)
    entry = managers.get(ident)
    api_version = str(applied.get("apiVersion", ""))
    if entry is None:
        managers[ident] = Entry(ident, api_version, now, config_set)
    else:
        entry.fields, entry.api_version = config_set, api_version
        entry.time = now if merged != base else entry.time
    return _with_managed_fields(merged, managers)


def _scoped_config(
    applied: Mapping[str, JSON], *, subresource: str, reset_status: bool
) -> dict[str, JSON]:
    config = _without_managed_fields(applied)
    if subresource == "status":
        return {k: v for k, v in config.items() if k in ("apiVersion", "kind", "status")}
    if reset_status:
        config.pop("status", None)
    return config


def _take_ownership(
    managers: dict[ManagerId, Entry],
    ident: ManagerId,
    base: JSON,
    merged: JSON,
    keys: ListKeys,
    *,
    force: bool,
    subresource: str,
) -> None:
    """Conflict check, then move changed fields away from the other managers."""
    diff = compare(base, merged, keys)
    changed = _owned_scope(diff.added | diff.modified, subresource=subresource, reset_status=False)
    removed = _owned_scope(diff.removed, subresource=subresource, reset_status=False)
    found = [
        (path, other)
        for other in sorted(managers, key=_manager_order)
        if other != ident
        for path in iterate_sorted(managers[other].fields & changed)
    ]
    if found and not force:
        raise ApplyConflict(found)
    for other, entry in managers.items():
        if other != ident:
            entry.fields = entry.fields - changed - removed


def _manager_order(ident: ManagerId) -> tuple[str, str, str, str]:
    return (ident.manager, ident.operation, ident.api_version, ident.subresource)


def _merge_values(live: JSON, config: JSON, node: Node) -> JSON:
    """structured-merge-diff's Merge: the configuration wins, granular where the schema allows."""
    if isinstance(live, Mapping) and isinstance(config, Mapping) and not node.atomic_map:
        out = dict(live)
        for name, value in config.items():
            if value is None:
                out.pop(name, None)
            elif name in live:
                out[name] = _merge_values(live[name], value, node.child(name))
            else:
                out[name] = _without_nulls(value)
        return out
    if isinstance(live, list) and isinstance(config, list):
        live_el = _elements_or_none(live, node, ())
        config_el = _elements_or_none(config, node, ())
        if live_el is not None and config_el is not None:
            return _merge_lists(
                list(zip(live_el, live, strict=True)),
                dict(zip(config_el, config, strict=True)),
                node,
            )
    return _without_nulls(config)


def _merge_lists(live: list[tuple[str, JSON]], config: dict[str, JSON], node: Node) -> list[JSON]:
    # Items only the live list has keep their place; the configuration's
    # items come in its order, each run placed before the shared item it ends with.
    live_items = dict(live)
    order = list(config)
    out: list[JSON] = []
    emitted: set[str] = set()
    position = 0

    def emit(element: str) -> None:
        emitted.add(element)
        value = config[element]
        if element in live_items and node.list_type == "map":
            value = _merge_values(live_items[element], value, node.item())
        out.append(_without_nulls(value))

    for element, item in live:
        if element in emitted:
            continue
        if element not in config:
            out.append(item)
            continue
        while position < len(order):
            wanted = order[position]
            position += 1
            if wanted not in emitted:
                emit(wanted)
            if wanted == element:
                break
    for element in order[position:]:
        if element not in emitted:
            emit(element)
    return out


def _without_nulls(value: JSON) -> JSON:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return copy.deepcopy(value)


def _prune(obj: dict[str, JSON], candidates: FieldSet, owned: FieldSet, keys: ListKeys) -> None:
    """Remove fields the applier gave up that nobody else owns (and containers left empty)."""
    inner = {p[:i] for p in owned for i in range(1, len(p))}
    for path in sorted(candidates, key=len):
        if path not in inner:
            _remove_path(obj, path, keys, owned)


def _remove_path(obj: dict[str, JSON], path: Path, keys: ListKeys, owned: FieldSet) -> None:
    trail: list[tuple[JSON, JSON, Node]] = []  # (container, index or key, node of the child)
    current: JSON = obj
    node = keys.root
    for element in path:
        found = _step(current, element, node)
        if found is None:
            return
        index, child_node = found
        trail.append((current, index, child_node))
        current = current[index]
        node = child_node
    for depth in range(len(trail) - 1, -1, -1):
        container, index, child_node = trail[depth]
        if depth < len(trail) - 1:
            value = container[index]
            if value or child_node.always or path[: depth + 1] in owned:
                return
        del container[index]


def _step(container: JSON, element: str, node: Node) -> tuple[JSON, Node] | None:
    if element.startswith("f:") and isinstance(container, dict):
        name = element[2:]
        return (name, node.child(name)) if name in container else None
    if isinstance(container, list):
        elements = _elements_or_none(container, node, ())
        if elements is not None and element in elements:
            return elements.index(element), node.item()
    return None


# ------------------------------------------------------------------ updates


def record_update(
    old: dict[str, JSON] | None,
    new: dict[str, JSON],
    *,
    manager: str,
    now: str,
    operation: str = "Update",
    list_keys: ListKeys | None = None,
    subresource: str = "",
) -> dict[str, JSON]:
    """Return ``new`` with managedFields recording that ``manager`` changed ``old`` into it.

    The manager takes every field the change added or modified (other managers
    lose them); removed fields leave every manager. ``new`` may carry its own
    ``metadata.managedFields`` (taken as the starting point, ``[]`` resets
    them), as a PUT or PATCH may; a subresource request never can.
    """
    keys = list_keys if list_keys is not None else ListKeys.for_object(new)
    managers = _starting_managers(old, new, subresource=subresource)
    before = _without_managed_fields(old) if old is not None else {}
    after = _without_managed_fields(new)
    diff = compare(before, after, keys)
    changed = _owned_scope(diff.added | diff.modified, subresource=subresource, reset_status=False)
    removed = _owned_scope(diff.removed, subresource=subresource, reset_status=False)
    for entry in managers.values():
        entry.fields = entry.fields - changed - removed
    api_version = str(new.get("apiVersion", ""))
    ident = ManagerId(manager, operation, subresource, api_version if operation != "Apply" else "")
    if changed:
        entry = managers.setdefault(ident, Entry(ident, api_version, now, set()))
        entry.fields |= changed
        entry.time, entry.api_version = now, api_version
    return _with_managed_fields(after, managers)


def _starting_managers(
    old: Mapping[str, JSON] | None, new: Mapping[str, JSON], *, subresource: str
) -> dict[ManagerId, Entry]:
    # apiserver's decodeLiveOrNew: the request's managedFields win unless it is
    # a subresource request or they are absent; [] (or [{}]) resets them.
    live = decode_managed_fields(((old or {}).get("metadata") or {}).get("managedFields"))
    if subresource:
        return live
    sent = (new.get("metadata") or {}).get("managedFields")
    if isinstance(sent, list) and (not sent or sent == [{}]):
        return {}
    decoded = decode_managed_fields(sent)
    return decoded or live
