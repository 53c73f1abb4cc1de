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


# (group, kind) -> status writer; the Simulator adds these to the built-in workloads.
CUSTOM_KINDS: dict[tuple[str, str], Callable[[Obj, str], Obj]] = {
    ("apps.kruise.io", "CloneSet"): cloneset_status,
    ("flagger.app", "Canary"): canary_status,
}
