"""Health per kind, from golden YAML: ``<kind>-<state>[-variant].yaml`` holds one object."""

from pathlib import Path

import pytest
import yaml

from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health
from gitops_vela.sync.health import ObjectHealth, assess, report

CASES = sorted((Path(__file__).parent / "testdata" / "health").glob("*.yaml"))
STATES = {h.value.lower(): h for h in Health}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_golden_object_has_the_health_its_file_names(path: Path) -> None:
    expected = STATES[path.stem.split("-")[1]]
    verdict = assess(yaml.safe_load(path.read_text()))
    assert verdict.health is expected, verdict.message
    if expected is not Health.HEALTHY:
        assert verdict.message  # a person is told why


def test_every_builtin_kind_has_golden_files() -> None:
    kinds = {p.stem.split("-")[0] for p in CASES}
    assert {
        "deployment",
        "statefulset",
        "daemonset",
        "replicaset",
        "job",
        "cronjob",
        "service",
        "ingress",
        "persistentvolumeclaim",
        "horizontalpodautoscaler",
        "customresourcedefinition",
        "namespace",
    } <= kinds


def test_a_missing_object_is_missing() -> None:
    assert assess(None).health is Health.MISSING


def test_a_health_policy_wins_over_the_builtin_rule() -> None:
    deployment = yaml.safe_load((CASES[0].parent / "deployment-healthy.yaml").read_text())
    seen: list[str] = []

    def policy(source: str, obj: dict[str, object]) -> ObjectHealth:
        seen.append(source)
        return ObjectHealth(Health.DEGRADED, "custom says no")

    verdict = assess(deployment, policy="function(object) {healthy: false}", evaluate=policy)
    assert verdict == ObjectHealth(Health.DEGRADED, "custom says no") and seen


def test_the_app_is_as_healthy_as_its_worst_object() -> None:
    a, b = ObjectRef("apps", "Deployment", "shop", "web"), ObjectRef("", "Service", "shop", "web")
    app = report(
        "shop",
        [(a, ObjectHealth(Health.PROGRESSING, "1 of 3 ready")), (b, ObjectHealth(Health.HEALTHY))],
    )
    assert app.health is Health.PROGRESSING
    assert app.message == "Deployment.apps/shop/web is Progressing: 1 of 3 ready"
    assert report("empty", []).health is Health.HEALTHY
