"""Simulated status of well-known custom resources, as their controllers write it.

Only the kinds in :data:`CUSTOM_KINDS` are simulated, and only once their CRD
is registered (the emulator serves no such kind before). Each function takes
the stored object and a mode (``healthy``, ``progressing``, ``failed``, the
controls of :class:`~vela_emulator.simulation.Simulator`) and returns
the whole ``status``:

- OpenKruise ``CloneSet`` (``apps.kruise.io``): like a Deployment's
  controller, counts plus ``updateRevision``/``currentRevision``.
- Flagger ``Canary`` (``flagger.app``): ``Initialized`` on the first sight of
  a target, ``Succeeded`` after a later spec change is promoted, with the
  ``Promoted`` condition Flagger keeps.
- Argo Rollouts ``Rollout``: ``phase`` and ``message`` with the counts.
- cert-manager ``Certificate`` (``Ready``/``Issuing``), ``Issuer`` and
  ``ClusterIssuer`` (``Ready``).
- Flux ``Kustomization``, ``HelmRelease``, ``GitRepository``,
  ``OCIRepository``: kstatus conditions (``Ready``, ``Reconciling``,
  ``Stalled``) with each controller's reasons.
- KEDA ``ScaledObject``, External Secrets ``ExternalSecret``: ``Ready``.
- Prometheus Operator ``ServiceMonitor``/``PodMonitor``: ``bindings`` with
  the ``Accepted`` condition (prometheus-operator v0.79 and later).
- MySQL Operator ``InnoDBCluster``: ``cluster.status`` and ``onlineInstances``.

Crossplane claims and composites have kinds of their users' choosing, so
they are not simulated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from vela_emulator.lifecycle import now

Obj = dict[str, Any]
HEALTHY, PROGRESSING, FAILED = "healthy", "progressing", "failed"


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:10]


def _condition(ctype: str, status: str, reason: str, message: str) -> Obj:
    stamp = now()
    return {
        "type": ctype,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
    }


def _selector(obj: Obj) -> str:
    labels = (((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")) or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def cloneset_status(obj: Obj, mode: str) -> Obj:
    """What kruise-manager writes: every replica updated and ready when healthy."""
    spec, meta = obj.get("spec") or {}, obj["metadata"]
    replicas = spec.get("replicas", 1) if isinstance(spec.get("replicas", 1), int) else 1
    revision = f"{meta['name']}-{_hash(spec.get('template'))}"
    ready = replicas if mode == HEALTHY else 0
    status: Obj = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "updatedReplicas": replicas,
        "updatedReadyReplicas": ready,
        "expectedUpdatedReplicas": replicas,
        "updateRevision": revision,
        "currentRevision": revision if mode == HEALTHY else f"{meta['name']}-previous",
        "labelSelector": _selector(obj),
        "collisionCount": 0,
    }
    if mode == FAILED:
        status["conditions"] = [
            _condition("FailedUpdate", "True", "UpdateFailed", "pods failed to update in place")
        ]
    return status


_CANARY_PHASES = {
    # mode: phase, Promoted status, reason, message (Flagger's own words)
    PROGRESSING: (
        "Progressing",
        "Unknown",
        "Progressing",
        "New revision detected, progressing canary analysis.",
    ),
    FAILED: ("Failed", "False", "Failed", "Canary analysis failed, Deployment scaled to zero."),
}


def canary_status(obj: Obj, mode: str) -> Obj:
    """What Flagger writes: Initialized first, Succeeded once a later spec is promoted.

    Flagger keeps no ``observedGeneration``; ``lastAppliedSpec`` (a hash of the
    spec it acted on) is how it notices a new revision, and so does this.
    """
    old = obj.get("status") or {}
    revision = _hash(obj.get("spec"))
    first = old.get("phase") in (None, "", "Initializing", "Initialized")
    if mode in _CANARY_PHASES:
        phase, promoted, reason, message = _CANARY_PHASES[mode]
    elif first and old.get("lastAppliedSpec", revision) == revision:
        phase, promoted, reason = "Initialized", "True", "Initialized"
        message = "Deployment initialization completed."
    else:
        phase, promoted, reason = "Succeeded", "True", "Succeeded"
        message = "Canary analysis completed successfully, promotion finished."
    stamp = old.get("lastTransitionTime") if old.get("phase") == phase else None
    return {
        "phase": phase,
        "canaryWeight": 0,
        "failedChecks": 0 if mode != FAILED else 1,
        "iterations": 0,
        "trackedConfigs": {},
        "lastAppliedSpec": revision,
        **({"lastPromotedSpec": revision} if promoted == "True" else {}),
        "lastTransitionTime": stamp or now(),
        "conditions": [_condition("Promoted", promoted, reason, message)],
    }


def _generation(obj: Obj) -> int:
    return int(obj["metadata"].get("generation", 1))


def rollout_status(obj: Obj, mode: str) -> Obj:
    """What argo-rollouts writes: a phase with a message, and the counts."""
    spec = obj.get("spec") or {}
    replicas = spec.get("replicas", 1) if isinstance(spec.get("replicas", 1), int) else 1
    phase, message, updated = {
        HEALTHY: ("Healthy", "", replicas),
        PROGRESSING: ("Progressing", "more replicas need to be updated", 0),
        FAILED: ("Degraded", "RolloutAborted: Rollout aborted update to revision 2", 0),
    }[mode]
    return {
        "observedGeneration": str(_generation(obj)),  # a string, as argo-rollouts writes it
        "phase": phase,
        **({"message": message} if message else {}),
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": replicas if mode == HEALTHY else 0,
        "availableReplicas": replicas if mode == HEALTHY else 0,
        "currentPodHash": _hash(spec.get("template"))[:8],
    }


def certificate_status(obj: Obj, mode: str) -> Obj:
    """What cert-manager writes for a Certificate: issued, being issued, or failed."""
    if mode == HEALTHY:
        return {
            "conditions": [
                _condition(
                    "Ready", "True", "Ready", "Certificate is up to date and has not expired"
                )
            ],
            "notAfter": "2027-03-01T00:00:00Z",
            "notBefore": "2026-12-01T00:00:00Z",
            "renewalTime": "2027-01-30T00:00:00Z",
            "revision": 1,
        }
    missing = "Issuing certificate as Secret does not exist"
    if mode == PROGRESSING:
        issuing = _condition("Issuing", "True", "DoesNotExist", missing)
    else:
        issuing = _condition(
            "Issuing",
            "False",
            "Failed",
            "The certificate request has failed to complete and will be retried: "
            "Failed to wait for order resource to become ready: order is in 'invalid' state",
        )
    return {
        "conditions": [_condition("Ready", "False", "DoesNotExist", missing), issuing],
        **({"failedIssuanceAttempts": 1} if mode == FAILED else {}),
    }


def issuer_status(obj: Obj, mode: str) -> Obj:
    """What cert-manager writes for an Issuer or ClusterIssuer (ACME or not)."""
    acme = "acme" in (obj.get("spec") or {})
    ready = {
        HEALTHY: ("True", "ACMEAccountRegistered" if acme else "KeyPairVerified", "ready"),
        PROGRESSING: ("Unknown", "Pending", "Checking the issuer"),
        FAILED: ("False", "ErrRegisterACMEAccount", "Failed to register ACME account: 403"),
    }[mode]
    return {"conditions": [_condition("Ready", *ready)]}


# Per Flux kind: the Ready reason when done, and the Ready reason and message of a failure.
_FLUX: dict[str, tuple[str, str, str]] = {
    "Kustomization": (
        "ReconciliationSucceeded",
        "BuildFailed",
        "kustomize build failed: accumulating resources: 'apps/missing' not found",
    ),
    "HelmRelease": (
        "InstallSucceeded",
        "InstallFailed",
        "Helm install failed: timed out waiting for the condition",
    ),
    "GitRepository": (
        "Succeeded",
        "GitOperationFailed",
        "failed to checkout and determine revision: authentication required",
    ),
    "OCIRepository": (
        "Succeeded",
        "OCIArtifactPullFailed",
        "failed to pull artifact: DENIED: requested access to the resource is denied",
    ),
}


def flux_status(obj: Obj, mode: str) -> Obj:
    """What a Flux controller writes: Ready, Reconciling while at work, Stalled on failure."""
    done, failed, why = _FLUX[obj["kind"]]
    revision = f"main@sha1:{_hash(obj.get('spec'))}"
    status: Obj = {"observedGeneration": _generation(obj)}
    if mode == HEALTHY:
        status["conditions"] = [_condition("Ready", "True", done, f"Applied revision: {revision}")]
        status["lastAppliedRevision"] = revision
    elif mode == PROGRESSING:
        doing = "Reconciliation in progress"
        status["conditions"] = [
            _condition("Reconciling", "True", "Progressing", doing),
            _condition("Ready", "Unknown", "Progressing", doing),
        ]
    else:
        status["conditions"] = [
            _condition("Stalled", "True", failed, why),
            _condition("Ready", "False", failed, why),
        ]
    if obj["kind"] == "HelmRelease" and mode != PROGRESSING:
        released = (
            ("True", done, "Helm install succeeded") if mode == HEALTHY else ("False", failed, why)
        )
        status["conditions"].append(_condition("Released", *released))
    return status


def scaledobject_status(obj: Obj, mode: str) -> Obj:
    """What keda-operator writes: Ready, and whether the triggers are active."""
    target = ((obj.get("spec") or {}).get("scaleTargetRef") or {}).get("kind", "Deployment")
    ready = {
        HEALTHY: ("True", "ScaledObjectReady", "ScaledObject is defined correctly and is ready"),
        PROGRESSING: ("Unknown", "Initializing", "setting up the scaler"),
        FAILED: (
            "False",
            "ScaledObjectCheckFailed",
            "error establishing connection to the trigger",
        ),
    }[mode]
    active = ("True", "ScalerActive", "Scaling is performed because triggers are active")
    return {
        "scaleTargetKind": f"apps/v1.{target}",
        "conditions": [
            _condition("Ready", *ready),
            _condition("Active", *active)
            if mode == HEALTHY
            else _condition("Active", "Unknown", "", ""),
            _condition("Fallback", "False", "NoFallbackFound", "No fallbacks are active"),
        ],
    }


def externalsecret_status(obj: Obj, mode: str) -> Obj:
    """What external-secrets writes: Ready once the Secret is synced."""
    if mode == PROGRESSING:
        return {"conditions": []}
    if mode == FAILED:
        failure = "could not get secret data from provider"
        return {"conditions": [_condition("Ready", "False", "SecretSyncedError", failure)]}
    return {
        "refreshTime": now(),
        "syncedResourceVersion": f"{_generation(obj)}-{_hash(obj.get('spec'))}",
        "conditions": [_condition("Ready", "True", "SecretSynced", "Secret was synced")],
    }


def monitor_status(obj: Obj, mode: str) -> Obj:
    """What prometheus-operator (v0.79+) writes: one binding per Prometheus selecting it."""
    accepted = {
        HEALTHY: ("True", "Accepted", ""),
        PROGRESSING: ("Unknown", "Pending", "waiting for the operator"),
        FAILED: ("False", "InvalidConfiguration", "endpoints[0]: invalid relabeling regex"),
    }[mode]
    binding = {
        "group": "monitoring.coreos.com",
        "resource": "prometheuses",
        "name": "k8s",
        "namespace": "monitoring",
        "conditions": [
            {**_condition("Accepted", *accepted), "observedGeneration": _generation(obj)}
        ],
    }
    return {"bindings": [binding]}


def innodbcluster_status(obj: Obj, mode: str) -> Obj:
    """What the MySQL Operator writes: its diagnosis of the group and the online count."""
    instances = (obj.get("spec") or {}).get("instances", 3)
    instances = instances if isinstance(instances, int) else 3
    state, online = {
        HEALTHY: ("ONLINE", instances),
        PROGRESSING: ("ONLINE_PARTIAL", max(instances - 1, 0)),
        FAILED: ("NO_QUORUM", 1),
    }[mode]
    return {
        "cluster": {"status": state, "onlineInstances": online, "lastProbeTime": now()},
        "createTime": obj["metadata"].get("creationTimestamp") or now(),
    }


# (group, kind) -> status writer; the Simulator adds these to the built-in workloads.
CUSTOM_KINDS: dict[tuple[str, str], Callable[[Obj, str], Obj]] = {
    ("apps.kruise.io", "CloneSet"): cloneset_status,
    ("flagger.app", "Canary"): canary_status,
    ("argoproj.io", "Rollout"): rollout_status,
    ("cert-manager.io", "Certificate"): certificate_status,
    ("cert-manager.io", "Issuer"): issuer_status,
    ("cert-manager.io", "ClusterIssuer"): issuer_status,
    ("kustomize.toolkit.fluxcd.io", "Kustomization"): flux_status,
    ("helm.toolkit.fluxcd.io", "HelmRelease"): flux_status,
    ("source.toolkit.fluxcd.io", "GitRepository"): flux_status,
    ("source.toolkit.fluxcd.io", "OCIRepository"): flux_status,
    ("keda.sh", "ScaledObject"): scaledobject_status,
    ("external-secrets.io", "ExternalSecret"): externalsecret_status,
    ("monitoring.coreos.com", "ServiceMonitor"): monitor_status,
    ("monitoring.coreos.com", "PodMonitor"): monitor_status,
    ("mysql.oracle.com", "InnoDBCluster"): innodbcluster_status,
}
