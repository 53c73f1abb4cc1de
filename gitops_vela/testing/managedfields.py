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

    What an object owns (``fields_of``, structured-merge-diff's
    toFieldSetWalker): every scalar, every atomic list or map, every list
    item (with ``.``), and every key of a map that is not a struct field. A
    struct field is owned only through its leaves, so ``securityContext: {}``
    owns nothing, while untyped custom-resource content gets ``.`` entries.
    What a write changed (``compare``) includes every node it added or
    removed, so Update entries show ``.`` on new maps (``f:data: {.: {}}``);
    fields of non-pointer Go structs (``spec``, ``template``, ``status``,
    ``resources``) count as present in an empty built-in object, as they are
    on a real server.

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
    apply changes only ``status``. Merged lists take structured-merge-diff's
    order (shared items in the configuration's order, live-only items kept in
    place). The result is not defaulted: call ``defaults.apply_defaults``
    after it, as the apiserver defaults after merging, so defaulted values
    stay unowned. For an Update, default the new object *before*
    ``record_update``: the apiserver tracks the decoded (defaulted) object,
    so a creating manager owns ``dnsPolicy``, ``imagePullPolicy`` and the like.

Updates (``record_update``)
    A create, PUT or PATCH makes its manager (operation ``Update``) own every
    field it added or changed, and takes those fields away from other
    managers; removed fields leave every manager's set.

Managers are keyed like the apiserver's manager identifier: (manager,
operation, subresource) plus the apiVersion for ``Update`` entries. Entries
whose field set becomes empty are dropped; entries are ordered as the
apiserver orders them (operation, time, manager, apiVersion, subresource).

Known differences from the apiserver: no conversion between API versions (all
entries are read as the object's version); built-in kinds are typed only
where it matters (list types, atomic maps, non-pointer structs), every other
nested map of a built-in is a struct; named struct fields are not added as
owned parents when pruning (removal follows leaves and list items, then drops
maps and lists left empty); there is no cap of ten Update managers (no
``ancient-changes`` entry), no last-applied annotation upgrade, and no
schema validation of the applied values (type errors pass through).
"""

from __future__ import annotations

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
    # A Go struct whose fields are not all listed here: every key is a named
    # field (never an owned member itself), and so are the keys of nested maps.
    named_only: bool = False

    def child(self, name: str) -> Node:
        found = self.fields.get(name)
        if found is not None:
            return found
        if self.elem is not None:
            return self.elem
        return BUILTIN_STRUCT if self.named_only else DEDUCED

    def item(self) -> Node:
        if self.elem is not None:
            return self.elem
        return BUILTIN_STRUCT if self.named_only else DEDUCED

    def is_named(self, name: str) -> bool:
        """A struct field (owned only through its leaves), not a key of a map."""
        return self.named_only or name in self.fields


DEDUCED = Node()  # untyped: maps granular (keys are members), lists atomic
BUILTIN_STRUCT = Node(named_only=True)


def _struct(*, always: bool = False, **fields: Node) -> Node:
    return Node(fields=fields, always=always, named_only=True)


def _listmap(
    *keys: str,
    item: Node = BUILTIN_STRUCT,
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

# Keyed by (API group, kind): a CRD may reuse a built-in kind name in its own group.
_BUILTIN: dict[tuple[str, str], Node] = {
    ("", "Pod"): _struct(
        metadata=META, spec=POD_SPEC, status=_struct(always=True, conditions=CONDITIONS)
    ),
    ("", "PodTemplate"): _struct(metadata=META, template=POD_TEMPLATE),
    ("apps", "Deployment"): _workload(strategy=_struct(always=True)),
    ("apps", "ReplicaSet"): _workload(),
    ("apps", "StatefulSet"): _workload(updateStrategy=_struct(always=True)),
    ("apps", "DaemonSet"): _workload(updateStrategy=_struct(always=True)),
    ("batch", "Job"): _struct(metadata=META, spec=JOB_SPEC, status=_struct(always=True)),
    ("batch", "CronJob"): _struct(
        metadata=META,
        spec=_struct(always=True, jobTemplate=_struct(always=True, metadata=META, spec=JOB_SPEC)),
        status=_struct(always=True),
    ),
    ("", "Service"): SERVICE,
    ("", "Namespace"): _struct(
        metadata=META, spec=_struct(always=True), status=_struct(always=True, conditions=CONDITIONS)
    ),
    ("", "PersistentVolumeClaim"): _struct(
        metadata=META,
        spec=_struct(always=True, selector=LABEL_SELECTOR),
        status=_struct(always=True, conditions=CONDITIONS),
    ),
    ("policy", "PodDisruptionBudget"): _struct(
        metadata=META,
        spec=_struct(always=True, selector=LABEL_SELECTOR),
        status=_struct(always=True, conditions=CONDITIONS),
    ),
    ("networking.k8s.io", "NetworkPolicy"): _struct(
        metadata=META, spec=_struct(always=True, podSelector=LABEL_SELECTOR)
    ),
    ("autoscaling", "HorizontalPodAutoscaler"): _struct(
        metadata=META, spec=_struct(always=True), status=_struct(always=True, conditions=CONDITIONS)
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _struct(
        metadata=META, spec=_struct(always=True), status=_struct(always=True, conditions=CONDITIONS)
    ),
}
_BUILTIN_OBJECT = _struct(metadata=META)
_UNTYPED_OBJECT = Node(fields={"metadata": META})
# API groups served by kube-apiserver itself (kinds not listed above merge as plain Go structs).
_BUILTIN_GROUPS = frozenset(
    (
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "admissionregistration.k8s.io",
        "coordination.k8s.io",
        "events.k8s.io",
        "discovery.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "node.k8s.io",
        "certificates.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "resource.k8s.io",
    )
)


@dataclass(frozen=True)
class ListKeys:
    """The merge schema of one kind (built-in Go types, or a CRD's openAPIV3Schema)."""

    root: Node = _UNTYPED_OBJECT

    @classmethod
    def builtin(cls, kind: str, api_version: str | None = None) -> ListKeys:
        """The schema of a built-in kind.

        With ``api_version``, a kind of a non-built-in group (a CRD reusing a
        built-in kind name) merges as an untyped object; without it, ``kind``
        is taken to be the built-in one.
        """
        if api_version is None:
            found = next((n for (_, k), n in _BUILTIN.items() if k == kind), _BUILTIN_OBJECT)
            return cls(found)
        group = api_version.rpartition("/")[0]
        fallback = _BUILTIN_OBJECT if group in _BUILTIN_GROUPS else _UNTYPED_OBJECT
        return cls(_BUILTIN.get((group, kind), fallback))

    @classmethod
    def for_object(cls, obj: Mapping[str, JSON]) -> ListKeys:
        return cls.builtin(str(obj.get("kind", "")), str(obj.get("apiVersion", "")))

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
    if schema.get("type") == "array" or isinstance(items, dict):
        item = _node_from_schema(items) if isinstance(items, dict) else DEDUCED
        list_type = str(schema.get("x-kubernetes-list-type", "atomic"))
        keys = tuple(str(k) for k in schema.get("x-kubernetes-list-map-keys") or ())
        defaults = {}
        if isinstance(items, dict):
            item_props = items.get("properties") or {}
            defaults = {
                k: item_props[k]["default"] for k in keys if "default" in item_props.get(k, {})
            }
        if list_type == "map" and not keys:
            list_type = "atomic"
        return Node(elem=item, list_type=list_type, keys=keys, key_defaults=defaults)
    elem = _node_from_schema(additional) if isinstance(additional, dict) else None
    return Node(
        fields={str(k): _node_from_schema(v) for k, v in props.items() if isinstance(v, dict)},
        elem=elem,
        atomic_map=schema.get("x-kubernetes-map-type") == "atomic",
    )


# ------------------------------------------------------------ path elements


class FieldSetError(ValueError):
    """An object cannot be turned into a field set (an associative list is malformed)."""


_COMPACT = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _compact(value: JSON) -> str:
    return _COMPACT.encode(value)


def json_copy(value: JSON) -> JSON:
    """A deep copy of JSON-like data (several times faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def _key_element(item: JSON, node: Node, where: Path, index: int) -> str:
    if not isinstance(item, dict):
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
    if isinstance(value, dict):
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
    # structured-merge-diff's toFieldSetWalker: scalars, atomic values and list
    # items are members; a map key is a member unless it is a struct field.
    if isinstance(value, dict) and not node.atomic_map:
        for name, sub in value.items():
            path = (*prefix, "f:" + name)
            if not node.is_named(name):
                out.add(path)
            _collect(sub, node.child(name), path, out)
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
                _collect(item, node.item(), path, out)
        return
    out.add(prefix)


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
    if isinstance(value, dict) and not node.atomic_map:
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
    if isinstance(old, dict) and isinstance(new, dict) and not node.atomic_map:
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
    if node.always and isinstance(value, dict | list):
        empty: JSON = {} if isinstance(value, dict) else []
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
        if not isinstance(raw, dict) or not isinstance(raw.get("fieldsV1", {}), dict):
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


def _without_managed_fields(obj: Mapping[str, JSON], *, deep: bool = True) -> dict[str, JSON]:
    """``obj`` without ``metadata.managedFields``; a shallow copy serves read-only uses."""
    out = json_copy(dict(obj)) if deep else dict(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
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
    ``FieldManagerConflict`` StatusCauses of the apiserver's answer with Go's
    field names (``type``, ``message``, ``field``; ``type`` is ``reason`` in
    JSON), and ``str(exc)`` (also ``message``) is the Status message, e.g.
    ``Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key``.
    """

    def __init__(self, found: list[tuple[Path, ManagerId]]) -> None:
        self.found = found
        self.conflicts: list[tuple[str, str]] = [(field_path_str(p), m.manager) for p, m in found]
        self.message = self._message()
        super().__init__(self.message)

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
    config = _without_managed_fields(applied, deep=False)  # merging copies what it takes
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
    if isinstance(live, dict) and isinstance(config, dict) and not node.atomic_map:
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
    """structured-merge-diff's mergingWalker.visitListItems, item order included.

    Shared items follow the configuration's order; items only the live list
    has stay where they were relative to them.
    """
    live_items = dict(live)
    lhs, rhs = [e for e, _ in live], list(config)
    shared = [e for e in rhs if e in live_items]
    next_shared = shared.pop(0) if shared else None
    out: list[JSON] = []

    def merged(element: str) -> JSON:
        if element not in config:
            return live_items[element]
        if element in live_items and node.list_type == "map":
            return _merge_values(live_items[element], config[element], node.item())
        return _without_nulls(config[element])

    li = ri = 0
    while li < len(lhs) or ri < len(rhs):
        if li < len(lhs) and ri < len(rhs):
            element = lhs[li]
            if element == rhs[ri]:
                out.append(merged(element))
                li, ri = li + 1, ri + 1
                next_shared = shared.pop(0) if shared else None
                continue
            if element in config and next_shared is not None and next_shared != element:
                li += 1  # a shared item, but not the one wanted in this round
                continue
        if li < len(lhs) and lhs[li] not in config:
            out.append(merged(lhs[li]))
            li += 1
            continue
        if ri < len(rhs):
            element = rhs[ri]
            out.append(merged(element))
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = shared.pop(0) if shared else None
            continue
        li += 1  # a shared live item whose configuration twin is already merged
    return out


def _without_nulls(value: JSON) -> JSON:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


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
    before = _without_managed_fields(old, deep=False) if old is not None else {}
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
