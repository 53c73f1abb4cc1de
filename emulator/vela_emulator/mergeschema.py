"""How values merge, per kind: the schema facts server-side apply and strategic merge patch need.

Maps are granular unless ``atomic``; lists are atomic unless typed ``set`` or
``map`` (associative, by key fields). The built-in kinds carry the list types
of their Go types (containers by ``name``, container ports by
``containerPort``+``protocol``, service ports by ``port``+``protocol``,
volumeMounts by ``mountPath``, label selectors and ``nodeSelector`` atomic,
tolerations atomic, ...); custom resources take them from their
openAPIV3Schema (``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys``,
``x-kubernetes-map-type``). The same nodes carry the strategic-merge-patch keys
``patching`` uses.

Known differences from the apiserver: built-in kinds are typed only where it
matters (list types, atomic maps, non-pointer structs), every other nested map
of a built-in is a struct.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

JSON = Any


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
