"""Every object of the peers' health corpus gets the verdict the peer gives, unless listed.

``DIFFERENCES`` are deliberate: where the peers disagree with each other, or
where a fixture shows a state no controller writes, we keep our own verdict
and say why. Nothing else may disagree. Library kinds (CloneSet, Canary,
cert-manager, Flux) are judged by the health library's Jsonnet policies.
"""

from __future__ import annotations

import pytest

from gitops_vela.model.status import Health
from tests.health.corpus import Case, cases, verdict

H, P, D = Health.HEALTHY, Health.PROGRESSING, Health.DEGRADED

# file -> (our verdict, why we differ from the peer)
DIFFERENCES: dict[str, tuple[Health, str]] = {
    "argo-pod-running-restart-never.yaml": (
        H,
        "Argo calls a running, ready pod that runs to completion Progressing; kstatus and we "
        "call a Ready pod Healthy",
    ),
    "argo-pod-running-restart-onfailure.yaml": (
        D,
        "CrashLoopBackOff is a failure whatever the restartPolicy (kstatus agrees); Argo waits",
    ),
    "kstatus-podCompletedFailed.yaml": (
        D,
        "a Failed pod is a failure to a person waiting on it (Argo agrees); kstatus calls it done",
    ),
    "kstatus-jobInProgress.yaml": (
        P,
        "a running Job is not done yet (Argo agrees); kstatus calls a started Job Current",
    ),
    "kstatus-TestSuspendedJobConditions.yaml": (
        P,
        "a suspended Job has not done its work; Argo says Suspended (our Progressing)",
    ),
    "kstatus-rsReplicaFailure.yaml": (
        D,
        "ReplicaFailure=True means pods cannot be created (Argo agrees); kstatus waits",
    ),
    "kstatus-serviceLBok.yaml": (
        P,
        "a LoadBalancer Service is usable once it has an address (Argo agrees); kstatus "
        "accepts a clusterIP",
    ),
    "kstatus-depNotProgressing.yaml": (
        H,
        "the controller sets Progressing=False only as ProgressDeadlineExceeded, which we "
        "check; kstatus also wants the reason NewReplicaSetAvailable",
    ),
    "kstatus-depNotAvailable.yaml": (
        H,
        "fixture artifact: Available=False with every count full, which the controller does "
        "not write; we judge the counts",
    ),
    "kstatus-dsBadStatus.yaml": (
        H,
        "fixture artifact: no desiredNumberScheduled, which the controller always sets",
    ),
    "kstatus-dsLessReady.yaml": (
        H,
        "fixture artifact: numberAvailable above numberReady cannot happen",
    ),
    "kstatus-rsLessReady.yaml": (
        H,
        "fixture artifact: availableReplicas above readyReplicas cannot happen",
    ),
    "kstatus-stsOK.yaml": (
        P,
        "fixture artifact: no updatedReplicas, which the StatefulSet controller always sets",
    ),
    **{
        f"argocd-{name}-degraded.yaml": (
            P,
            "Reconciling=True with Ready=False: Flux is still retrying; kstatus says InProgress "
            "and so do we (Argo's Lua says Degraded), so apply --wait keeps waiting",
        )
        for name in (
            "bucket",
            "gitrepository",
            "helmchart",
            "helmrelease",
            "helmrepository",
            "imagepolicy",
            "imagerepository",
            "ocirepository",
            "receiver",
        )
    },
    "argocd-cloneset-degraded.yaml": (
        P,
        "fewer updated-available replicas than wanted is a rollout under way (as for a "
        "Deployment); Argo's Lua calls any shortfall Degraded",
    ),
}


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.file)
def test_our_verdict_is_the_peers_unless_we_differ_on_purpose(case: Case) -> None:
    wanted = DIFFERENCES[case.file][0] if case.file in DIFFERENCES else case.expected
    found = verdict(case)
    assert found.health is wanted, found.message
    if found.health is not Health.HEALTHY:
        assert found.message, "a person is told what is missing"


def test_each_difference_names_a_case_that_really_differs_from_its_peer() -> None:
    by_file = {case.file: case for case in cases()}
    for name, (ours, why) in DIFFERENCES.items():
        assert name in by_file and why
        assert ours is not by_file[name].expected, f"{name} agrees with its peer: drop it"
        assert by_file[name].judged, f"{name} agreed with its peer in 0.1.0: it must still"


def test_no_case_judged_our_bug_is_kept_as_a_difference() -> None:
    bugs = {case.file for case in cases() if case.judged == "gitops-vela bug"}
    assert not bugs & DIFFERENCES.keys()
