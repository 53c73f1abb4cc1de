"""Pick the rule for an object, run it, and roll objects up into an app's health."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gitops_vela.catalog.healthlib import library_policy
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health, worst
from gitops_vela.sync.health import core, generic, pods, workloads
from gitops_vela.sync.health.policy import evaluate_policy
from gitops_vela.sync.health.types import ObjectHealth, Rule

PolicyEvaluator = Callable[[str, dict[str, Any]], ObjectHealth]
"""Runs a definition's healthPolicy (Jsonnet source) on a live object."""

RULES: dict[tuple[str, str], Rule] = {
    ("apps", "Deployment"): workloads.deployment,
    ("apps", "StatefulSet"): workloads.stateful_set,
    ("apps", "DaemonSet"): workloads.daemon_set,
    ("apps", "ReplicaSet"): workloads.replica_set,
    ("batch", "Job"): workloads.job,
    ("batch", "CronJob"): workloads.cron_job,
    ("", "Pod"): pods.pod,
    ("", "Service"): core.service,
    ("networking.k8s.io", "Ingress"): core.ingress,
    ("", "PersistentVolumeClaim"): core.persistent_volume_claim,
    ("autoscaling", "HorizontalPodAutoscaler"): core.horizontal_pod_autoscaler,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): core.custom_resource_definition,
    ("", "Namespace"): core.namespace,
    ("apiregistration.k8s.io", "APIService"): core.api_service,
}


def assess(
    obj: dict[str, Any] | None,
    *,
    policy: str | None = None,
    evaluate: PolicyEvaluator | None = None,
) -> ObjectHealth:
    """One live object's health; ``None`` (not found) is Missing."""
    if obj is None:
        return ObjectHealth(Health.MISSING, "not found in the cluster")
    deleting = _deleting(obj)
    if deleting is not None:
        return deleting
    if policy and evaluate is not None:
        return evaluate(policy, obj)
    ref = ObjectRef.from_manifest(obj)
    rule = RULES.get((ref.group, ref.kind))
    library = library_policy(obj) if rule is None else None
    if library is not None:
        file, source = library
        return evaluate_policy(source, obj, name=f"health library {file} for {ref.kind} {ref.name}")
    try:
        return (rule or generic.generic)(obj)
    except (TypeError, ValueError, AttributeError) as exc:  # a malformed status
        return ObjectHealth(Health.UNKNOWN, f"cannot read status: {exc}")


def _deleting(obj: dict[str, Any]) -> ObjectHealth | None:
    """An object on its way out is Progressing whatever its status says (both peers agree)."""
    metadata = obj.get("metadata") or {}
    if not metadata.get("deletionTimestamp"):
        return None
    finalizers = [str(f) for f in metadata.get("finalizers") or []]
    waiting = f"; waiting for finalizers: {', '.join(finalizers)}" if finalizers else ""
    return ObjectHealth(Health.PROGRESSING, f"being deleted{waiting}")


@dataclass(frozen=True, slots=True)
class HealthReport:
    """An app's health: the worst of its objects', with each object's verdict."""

    app: str
    health: Health
    objects: tuple[tuple[ObjectRef, ObjectHealth], ...] = ()

    @property
    def message(self) -> str:
        """What a person should look at first: the worst object and why."""
        for ref, verdict in sorted(self.objects, key=lambda item: item[1].health, reverse=True):
            if verdict.health is not Health.HEALTHY:
                reason = f": {verdict.message}" if verdict.message else ""
                return f"{ref} is {verdict.health}{reason}"
        return ""

    def of(self, ref: ObjectRef) -> Health:
        for item, verdict in self.objects:
            if item == ref:
                return verdict.health
        return Health.UNKNOWN


def report(app: str, verdicts: Iterable[tuple[ObjectRef, ObjectHealth]]) -> HealthReport:
    items = tuple(verdicts)
    return HealthReport(app, worst([v.health for _, v in items]), items)
