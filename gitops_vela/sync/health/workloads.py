"""Rules for workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob."""

from __future__ import annotations

from typing import Any

from gitops_vela.sync.health.types import (
    HEALTHY,
    ObjectHealth,
    condition,
    degraded,
    generation_pending,
    is_true,
    progressing,
)


def _status(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj.get("status") or {})


def _wanted(obj: dict[str, Any]) -> int:
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def deployment(obj: dict[str, Any]) -> ObjectHealth:
    status = _status(obj)
    if (obj.get("spec") or {}).get("paused"):
        return progressing("rollout is paused")
    if generation_pending(obj) or "observedGeneration" not in status:
        return progressing("waiting for the rollout to be observed")
    # The controller sets Progressing=False only as ProgressDeadlineExceeded; kstatus
    # also waits for the reason NewReplicaSetAvailable, we judge the counts.
    stuck = condition(obj, "Progressing")
    if stuck and stuck.get("reason") == "ProgressDeadlineExceeded":
        return degraded(
            f"rollout exceeded its progress deadline: {stuck.get('message', '')}".strip()
        )
    wanted = _wanted(obj)
    updated = int(status.get("updatedReplicas") or 0)
    if updated < wanted:
        return progressing(f"{updated} of {wanted} replicas updated")
    if int(status.get("replicas") or 0) > updated:
        return progressing("old replicas are pending termination")
    available = int(status.get("availableReplicas") or 0)
    if available < updated:
        return progressing(f"{available} of {updated} updated replicas available")
    return HEALTHY


def stateful_set(obj: dict[str, Any]) -> ObjectHealth:
    status = _status(obj)
    spec = obj.get("spec") or {}
    if generation_pending(obj) or "observedGeneration" not in status:
        return progressing("waiting for the rollout to be observed")
    wanted = _wanted(obj)
    ready = int(status.get("readyReplicas") or 0)
    if ready < wanted:
        return progressing(f"{ready} of {wanted} replicas ready")
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type") == "OnDelete":
        return HEALTHY
    partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    if updated < wanted - partition:
        return progressing(f"{updated} of {wanted - partition} replicas updated")
    if partition == 0 and status.get("updateRevision") not in (None, status.get("currentRevision")):
        return progressing("rolling update in progress")
    return HEALTHY


def daemon_set(obj: dict[str, Any]) -> ObjectHealth:
    status = _status(obj)
    if generation_pending(obj) or "observedGeneration" not in status:
        return progressing("waiting for the rollout to be observed")
    wanted = int(status.get("desiredNumberScheduled") or 0)
    updated = int(status.get("updatedNumberScheduled") or 0)
    # OnDelete: pods change only when someone deletes them, so old ones are the intent.
    on_delete = ((obj.get("spec") or {}).get("updateStrategy") or {}).get("type") == "OnDelete"
    if updated < wanted and not on_delete:
        return progressing(f"{updated} of {wanted} pods updated")
    available = int(status.get("numberAvailable") or 0)
    if available < wanted:
        return progressing(f"{available} of {wanted} pods available")
    return HEALTHY


def replica_set(obj: dict[str, Any]) -> ObjectHealth:
    status = _status(obj)
    if generation_pending(obj):
        return progressing("waiting for the change to be observed")
    # ReplicaFailure=True: pods cannot be created (quota, admission); Argo agrees,
    # kstatus calls it InProgress.
    if is_true(obj, "ReplicaFailure"):
        failure = condition(obj, "ReplicaFailure") or {}
        return degraded(str(failure.get("message") or "replica failure"))
    wanted = _wanted(obj)
    available = int(status.get("availableReplicas") or 0)
    if available < wanted:
        return progressing(f"{available} of {wanted} replicas available")
    return HEALTHY


def job(obj: dict[str, Any]) -> ObjectHealth:
    if is_true(obj, "Failed"):
        failed = condition(obj, "Failed") or {}
        return degraded(str(failed.get("message") or failed.get("reason") or "job failed"))
    if is_true(obj, "Complete") or is_true(obj, "SuccessCriteriaMet"):
        return HEALTHY
    # A running or suspended Job has not done its work yet (Argo agrees; kstatus
    # calls a started Job Current).
    if (obj.get("spec") or {}).get("suspend"):
        return progressing("job is suspended (spec.suspend)")
    status = _status(obj)
    wanted = int((obj.get("spec") or {}).get("completions") or 1)
    done, retried = int(status.get("succeeded") or 0), int(status.get("failed") or 0)
    retries = f", {retried} failed and retried" if retried else ""
    return progressing(f"running: {done} of {wanted} completions{retries}")


def cron_job(obj: dict[str, Any]) -> ObjectHealth:
    # A CronJob is a schedule; its Jobs carry their own health.
    return HEALTHY
