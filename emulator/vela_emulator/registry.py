"""Which resources the emulator serves: built-in kinds plus the ones CRDs add.

The registry drives discovery, OpenAPI, routing and the list kinds. Custom
resources are stored per (group, resource) whatever version they are read or
written through, like the apiserver's storage version (conversion ``None``:
only ``apiVersion`` changes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """Where a scale subresource reads and writes replicas (CRD ``subresources.scale``)."""

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str = ""


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One served resource at one version."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    status: bool = False
    scale: ScalePaths | None = None
    generation: bool = False  # metadata.generation tracks spec changes
    crd: str = ""  # name of the CRD that added this type, "" for built-ins
    review: bool = False  # create-only, answered and never stored (access reviews)
    storage: bool = True  # the version objects are stored as (CRDs with several versions)
    schema: dict[str, Any] | None = field(default=None, compare=False)
    schema_digest: str = ""  # identifies ``schema`` in comparisons and caches (dicts do not hash)
    printer_columns: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    stored_as: tuple[str, str] | None = None  # another group's storage (events.k8s.io: core)

    @property
    def verbs(self) -> tuple[str, ...]:
        return ("create",) if self.review else STANDARD_VERBS

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def key(self) -> tuple[str, str]:
        """Storage identity: one store per group and resource, whatever the version."""
        return self.stored_as or (self.group, self.resource)


def _b(
    group: str,
    version: str,
    resource: str,
    kind: str,
    *,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    all_: bool = False,
    status: bool = False,
    scale: bool = False,
    generation: bool = False,
) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        resource=resource,
        kind=kind,
        namespaced=namespaced,
        short_names=short,
        categories=("all",) if all_ else (),
        status=status,
        scale=ScalePaths(label_selector=".status.selector") if scale else None,
        generation=generation,
    )


BUILTINS: tuple[ResourceType, ...] = (
    _b("", "v1", "namespaces", "Namespace", namespaced=False, short=("ns",), status=True),
    _b("", "v1", "configmaps", "ConfigMap", short=("cm",)),
    _b("", "v1", "secrets", "Secret"),
    _b("", "v1", "services", "Service", short=("svc",), all_=True, status=True),
    _b("", "v1", "serviceaccounts", "ServiceAccount", short=("sa",)),
    _b("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", short=("pvc",), status=True),
    _b("", "v1", "pods", "Pod", short=("po",), all_=True, status=True),
    _b("", "v1", "events", "Event", short=("ev",)),
    _b("", "v1", "nodes", "Node", namespaced=False, short=("no",), status=True),
    _b("", "v1", "replicationcontrollers", "ReplicationController", short=("rc",), all_=True, status=True, scale=True, generation=True),
    _b("", "v1", "podtemplates", "PodTemplate"),
    _b("apps", "v1", "deployments", "Deployment", short=("deploy",), all_=True, status=True, scale=True, generation=True),
    _b("apps", "v1", "replicasets", "ReplicaSet", short=("rs",), all_=True, status=True, scale=True, generation=True),
    _b("apps", "v1", "statefulsets", "StatefulSet", short=("sts",), all_=True, status=True, scale=True, generation=True),
    _b("apps", "v1", "daemonsets", "DaemonSet", short=("ds",), all_=True, status=True, generation=True),
    _b("batch", "v1", "jobs", "Job", all_=True, status=True, generation=True),
    _b("batch", "v1", "cronjobs", "CronJob", short=("cj",), all_=True, status=True, generation=True),
    _b("networking.k8s.io", "v1", "ingresses", "Ingress", short=("ing",), status=True, generation=True),
    _b("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced=False, generation=True),
    _b("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", short=("netpol",), generation=True),
    _b("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", short=("hpa",), all_=True, status=True),
    ResourceType("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", namespaced=True, short_names=("hpa",), categories=("all",), status=True, storage=False),
    ResourceType("events.k8s.io", "v1", "events", "Event", namespaced=True, short_names=("ev",), storage=False, stored_as=("", "events")),
    _b("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", short=("pdb",), status=True, generation=True),
    _b("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    _b("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    _b("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced=False),
    _b("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    _b("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced=False, short=("crd", "crds"), status=True, generation=True),
    _b("coordination.k8s.io", "v1", "leases", "Lease"),
    # kinds a repository may well carry, served plainly (no controller behind them)
    _b("", "v1", "resourcequotas", "ResourceQuota", short=("quota",), status=True),
    _b("", "v1", "limitranges", "LimitRange", short=("limits",)),
    _b("", "v1", "persistentvolumes", "PersistentVolume", namespaced=False, short=("pv",), status=True),
    _b("", "v1", "endpoints", "Endpoints", short=("ep",)),
    _b("apps", "v1", "controllerrevisions", "ControllerRevision"),
    _b("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    _b("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False, short=("sc",)),
    _b("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity"),
    _b("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", namespaced=False, short=("csr",), status=True),
    _b("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", namespaced=False, short=("pc",)),
    _b("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", namespaced=False, generation=True),
    _b("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", namespaced=False, generation=True),
    ResourceType("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", namespaced=False, review=True),
    ResourceType("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", namespaced=False, review=True),
    ResourceType("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", namespaced=False, review=True),
    ResourceType("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", namespaced=False, review=True),
    ResourceType("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", namespaced=False, review=True),
    ResourceType("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", namespaced=True, review=True),
    _b("apiregistration.k8s.io", "v1", "apiservices", "APIService", namespaced=False, status=True),
)  # fmt: skip

_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key, highest first, as Kubernetes orders versions (v2 > v1 > v1beta2 > v1alpha1 > other)."""
    match = _VERSION.match(version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), version)


class Registry:
    """Mutable set of served resource types. Callers hold the store lock when changing it."""

    def __init__(self, builtins: Iterable[ResourceType] = BUILTINS) -> None:
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        self._group_order: list[str] = []
        for rtype in builtins:
            self._add(rtype)

    def _add(self, rtype: ResourceType) -> None:
        self._types[(rtype.group, rtype.version, rtype.resource)] = rtype
        if rtype.group not in self._group_order:
            self._group_order.append(rtype.group)

    def get(self, group: str, version: str, resource: str) -> ResourceType | None:
        return self._types.get((group, version, resource))

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(list(self._types.values()))

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        """The preferred version's type for a group and kind."""
        found = [t for t in self._types.values() if t.group == group and t.kind == kind]
        found.sort(key=lambda t: version_priority(t.version))
        return found[0] if found else None

    def for_key(self, key: tuple[str, str]) -> ResourceType | None:
        """The storage-version type of a (group, resource)."""
        found = [t for t in self._types.values() if t.key == key]
        storage = [t for t in found if t.storage] or found
        return storage[0] if storage else None

    def groups(self) -> list[tuple[str, list[str]]]:
        """(group, versions highest first) in registration order; the core group is ""."""
        result = []
        for group in self._group_order:
            versions = {t.version for t in self._types.values() if t.group == group}
            if versions:
                result.append((group, sorted(versions, key=version_priority)))
        return result

    def resources(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self._types.values() if t.group == group and t.version == version]

    def add_crd_types(self, crd_name: str, types: list[ResourceType]) -> None:
        self.remove_crd(crd_name)
        for rtype in types:
            self._add(rtype)

    def remove_crd(self, crd_name: str) -> list[ResourceType]:
        gone = [t for t in self._types.values() if t.crd == crd_name]
        for rtype in gone:
            del self._types[(rtype.group, rtype.version, rtype.resource)]
        return gone
