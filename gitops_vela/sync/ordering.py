"""Stages and kind order for applying, and the reverse for pruning."""

from __future__ import annotations

import enum


class Stage(enum.IntEnum):
    """Applied in this order; each stage finishes before the next starts."""

    DEFINITIONS = 0  # CustomResourceDefinitions and Namespaces: waited for
    CLASSES = 1  # IngressClass, StorageClass, PriorityClass, ...: others refer to them
    RESOURCES = 2  # everything else, in KIND_ORDER, custom resources last


_DEFINITION_KINDS = frozenset({"CustomResourceDefinition", "Namespace"})
_CLASS_KINDS = frozenset(
    {
        "IngressClass",
        "StorageClass",
        "PriorityClass",
        "RuntimeClass",
        "GatewayClass",
        "VolumeSnapshotClass",
        "PriorityLevelConfiguration",
        "FlowSchema",
    }
)

# Dependencies before dependants (Helm's install order, trimmed): policies and
# identities, then configuration, storage, RBAC, services, workloads, routing.
KIND_ORDER: tuple[str, ...] = (
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
)
_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


def stage_of(kind: str) -> Stage:
    if kind in _DEFINITION_KINDS:
        return Stage.DEFINITIONS
    if kind in _CLASS_KINDS:
        return Stage.CLASSES
    return Stage.RESOURCES


def kind_key(group: str, kind: str) -> tuple[int, int, str, str]:
    """Sort key: stage, then the fixed order, then unknown kinds (CRs) by name."""
    stage = stage_of(kind)
    if kind == "CustomResourceDefinition":
        return (stage, 0, group, kind)
    return (stage, _KIND_RANK.get(kind, len(KIND_ORDER)) + 1, kind, group)
