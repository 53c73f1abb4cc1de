"""Kubernetes objects as plain data, and the references that name them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Manifest = dict[str, Any]
"""A Kubernetes object as a JSON-like dict (apiVersion, kind, metadata, ...)."""

# Kinds without a namespace in a stock cluster. CRDs declare their own scope;
# callers that know a CRD's scope pass it explicitly.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "IngressClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "APIService",
        "PriorityClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "VolumeAttachment",
        "CertificateSigningRequest",
        "ClusterIssuer",
    }
)


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    """Identity of one object: group, kind, namespace ("" when cluster-scoped), name."""

    group: str
    kind: str
    namespace: str
    name: str
    version: str = ""  # informative only; not part of identity

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> ObjectRef:
        api_version = str(manifest.get("apiVersion", ""))
        group, _, version = api_version.rpartition("/")
        metadata = manifest.get("metadata") or {}
        return cls(
            group=group,
            kind=str(manifest.get("kind", "")),
            namespace=str(metadata.get("namespace") or ""),
            name=str(metadata.get("name", "")),
            version=version,
        )

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return (self.group, self.kind, self.namespace, self.name)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def __hash__(self) -> int:
        return hash(self.identity)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ObjectRef) and self.identity == other.identity

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind}/{self.namespace}/{self.name}" if self.namespace else f"{kind}/{self.name}"
