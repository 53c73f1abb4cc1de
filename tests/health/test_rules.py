"""Focused cases of the built-in rules that the corpus does not pin down."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from gitops_vela.model.status import Health
from gitops_vela.sync.health import assess


def _cr(*conditions: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "example.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "generation": 1},
        "status": {"observedGeneration": 1, "conditions": list(conditions)},
    }


def test_reasons_are_matched_exactly_so_a_failed_reconciliation_is_degraded() -> None:
    ready = {"type": "Ready", "status": "False", "reason": "ReconciliationFailed", "message": "x"}
    verdict = assess(_cr(ready))
    assert (verdict.health, verdict.message) == (Health.DEGRADED, "ReconciliationFailed: x")


def test_an_in_progress_reason_is_progressing() -> None:
    for reason in ("NotReadyYet", "Provisioning", "DependencyNotReady"):
        verdict = assess(_cr({"type": "Ready", "status": "False", "reason": reason}))
        assert verdict.health is Health.PROGRESSING, reason


def test_reconciling_and_failing_says_what_it_retries() -> None:
    obj = _cr(
        {"type": "Reconciling", "status": "True", "reason": "ProgressingWithRetry"},
        {"type": "Ready", "status": "False", "reason": "AuthFailed", "message": "bad token"},
    )
    verdict = assess(obj)
    assert verdict.health is Health.PROGRESSING
    assert verdict.message == "retrying after AuthFailed: bad token"


def _hpa(*conditions: dict[str, str], v1: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "web"}
    status: dict[str, Any] = {"currentReplicas": 2, "desiredReplicas": 2}
    if v1:
        metadata["annotations"] = {
            "autoscaling.alpha.kubernetes.io/conditions": json.dumps(list(conditions))
        }
    else:
        status["conditions"] = list(conditions)
    api = "autoscaling/v1" if v1 else "autoscaling/v2"
    return {
        "apiVersion": api,
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata,
        "status": status,
    }


def test_an_hpa_waiting_out_its_stabilization_window_is_healthy() -> None:
    able = {"type": "AbleToScale", "status": "False", "reason": "BackoffBoth"}
    active = {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}
    assert assess(_hpa(able, active)).health is Health.HEALTHY


def test_a_v1_hpa_reads_its_conditions_from_the_annotation() -> None:
    able = {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"}
    failing = {
        "type": "ScalingActive",
        "status": "False",
        "reason": "FailedGetResourceMetric",
        "message": "no metrics for cpu",
    }
    verdict = assess(_hpa(able, failing, v1=True))
    assert (verdict.health, verdict.message) == (
        Health.DEGRADED,
        "FailedGetResourceMetric: no metrics for cpu",
    )


def test_a_v1_hpa_with_a_broken_annotation_is_unknown() -> None:
    obj = _hpa(v1=True)
    obj["metadata"]["annotations"] = {"autoscaling.alpha.kubernetes.io/conditions": "[{"}
    assert assess(obj).health is Health.UNKNOWN


def _unschedulable(created: datetime) -> dict[str, Any]:
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "creationTimestamp": stamp},
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient cpu.",
                }
            ],
        },
    }


def test_an_unschedulable_pod_gets_the_schedulers_window_then_is_degraded() -> None:
    fresh = assess(_unschedulable(datetime.now(UTC)))
    assert fresh.health is Health.PROGRESSING and "waiting for the scheduler" in fresh.message
    old = assess(_unschedulable(datetime.now(UTC) - timedelta(minutes=5)))
    assert old.health is Health.DEGRADED
    assert old.message == "pod cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu."


def test_a_crashing_pod_says_which_container_exited_and_how() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"restartPolicy": "Always"},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "main",
                    "ready": False,
                    "restartCount": 2,
                    "state": {"terminated": {"exitCode": 1, "reason": "Error"}},
                }
            ],
        },
    }
    verdict = assess(obj)
    assert (verdict.health, verdict.message) == (
        Health.DEGRADED,
        "container main exited with code 1 (Error), restarted 2 times",
    )


def test_a_running_job_says_how_far_it_got() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {"completions": 3},
        "status": {"active": 1, "succeeded": 1, "failed": 2},
    }
    verdict = assess(job)
    assert (verdict.health, verdict.message) == (
        Health.PROGRESSING,
        "running: 1 of 3 completions, 2 failed and retried",
    )
