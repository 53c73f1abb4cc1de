"""The health library's Jsonnet policies, from golden YAML per state.

``library/<kind>-<state>[-variant].yaml`` holds one live object as its
controller writes it (files copied from the peers' corpus keep their source
header). Every library kind has a Healthy, a Progressing and a Degraded file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_vela.catalog.healthlib import COMPOSITE_FILE, HEALTH_DIR, LIBRARY, library_policy
from gitops_vela.model.status import Health
from gitops_vela.sync.health import assess
from gitops_vela.sync.health.policy import evaluate_policy

GOLDEN = sorted((Path(__file__).parent / "library").glob("*.yaml"))
STATES = {h.value.lower(): h for h in Health}

# What a person reads: the message says what is missing, in words to act on.
MESSAGES = {
    "cloneset-progressing-partition": "1/2 replicas updated and ready",
    "cloneset-progressing-paused": "update is paused (updateStrategy.paused): 1/1 replicas updated and ready",
    "cloneset-degraded": "UpdateFailed: pod ledger-x2k9 failed to update in place: container ledger exited",
    "certificate-progressing": "Issuing: Issuing certificate as Secret does not exist",
    "canary-progressing": (
        "Progressing at 10% of traffic: New revision detected, progressing canary analysis."
    ),
    "rollout-progressing": "more replicas need to be updated (1/3 replicas updated)",
    "gitrepository-progressing-retrying": (
        "retrying after GitOperationFailed: failed to checkout and determine revision: unable "
        "to list remote for 'https://github.com/stefanprodan/podinfo-faulty': authentication "
        "required"
    ),
    "helmrelease-degraded": "RetriesExceeded: Failed to upgrade after 3 attempts",
    "rollout-progressing-paused": "paused: CanaryPauseStep",
    "innodbcluster-progressing": "cluster is ONLINE_PARTIAL: 2/3 instances online",
    "innodbcluster-healthy": "3/3 instances online",
    "servicemonitor-degraded": (
        "not accepted by prometheuses monitoring/k8s: InvalidConfiguration: "
        "endpoints[0]: bearerTokenFile is not allowed"
    ),
    "postgresqlinstance-degraded": (
        "Synced: ReconcileError: cannot compose resources: cannot render composed resource: "
        "no composition named xpostgres.aws"
    ),
    "postgresqlinstance-progressing": "Ready: Creating: Unready resources: rdsinstance",
    "scaledobject-degraded-fallback": (
        "Fallback: FallbackExists: At least one trigger is falling back on this scaled object"
    ),
    "kustomization-progressing-suspended": "reconciliation is suspended (spec.suspend)",
    "scaledobject-progressing-terminating": "being deleted; waiting for finalizers: example.com/finalizer",
}


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_each_golden_object_has_the_health_its_file_names(path: Path) -> None:
    obj = yaml.safe_load(path.read_text())
    assert library_policy(obj) is not None, "judged by the library"
    verdict = assess(obj)
    assert verdict.health is STATES[path.stem.split("-")[1]], verdict.message
    assert not verdict.check_failed
    if verdict.health is not Health.HEALTHY:
        assert verdict.message
    if path.stem in MESSAGES:
        assert verdict.message == MESSAGES[path.stem]


def test_every_library_kind_has_a_golden_file_per_state() -> None:
    seen: dict[str, set[str]] = {}
    for path in GOLDEN:
        obj = yaml.safe_load(path.read_text())
        found = library_policy(obj)
        assert found is not None
        key = obj["kind"] if found[0] != COMPOSITE_FILE else COMPOSITE_FILE
        seen.setdefault(key, set()).add(path.stem.split("-")[1])
    for key in [entry.kind for entry in LIBRARY] + [COMPOSITE_FILE]:
        assert {"healthy", "progressing", "degraded"} <= seen.get(key, set()), key


def test_a_kind_outside_the_library_is_left_to_the_generic_rule() -> None:
    assert library_policy({"apiVersion": "example.io/v1", "kind": "Widget", "spec": {}}) is None
    crossplane_like = {"apiVersion": "example.io/v1", "kind": "X", "spec": {"compositionRef": {}}}
    assert library_policy(crossplane_like) is None  # a claim also names its composite


# Objects a controller may leave half-written: nulls and missing fields everywhere.
HALF_WRITTEN: list[dict[str, object]] = [
    {},
    {"metadata": {"name": "x"}, "spec": None, "status": None},
    {"metadata": {"name": "x", "generation": 2}, "status": {"observedGeneration": 1}},
    {"metadata": {"name": "x"}, "status": {"conditions": None, "bindings": None, "cluster": None}},
    {
        "metadata": {"name": "x"},
        "status": {
            "conditions": [{"type": "Ready", "status": "False", "reason": None}, "junk"],
            "bindings": [{"conditions": None}],
            "cluster": {"status": None},
            "pauseConditions": None,
        },
    },
]


@pytest.mark.parametrize("file", sorted({e.file for e in LIBRARY} | {COMPOSITE_FILE}))
def test_no_library_policy_breaks_on_a_half_written_object(file: str) -> None:
    source = (HEALTH_DIR / file).read_text()
    for obj in HALF_WRITTEN:
        verdict = evaluate_policy(source, dict(obj), name=file)
        assert not verdict.check_failed, verdict.message
        assert verdict.health is Health.HEALTHY or verdict.message


def test_a_cloneset_partition_may_be_a_percentage() -> None:
    obj = {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": "ledger", "generation": 2},
        "spec": {"replicas": 5, "updateStrategy": {"partition": "50%"}},
        "status": {"observedGeneration": 2, "updatedReadyReplicas": 2},
    }
    verdict = assess(obj)
    assert verdict.health is Health.HEALTHY  # 3 of 5 stay at the old revision: 2 to update
    assert (
        verdict.message == "2/5 replicas updated and ready, 3 kept at the old revision (partition)"
    )
