"""A definition's healthPolicy (Jsonnet) decides health for the objects it produced."""

from gitops_vela.model.status import Health
from gitops_vela.sync.health.policy import evaluate_policy

CANARY = {
    "apiVersion": "flagger.app/v1beta1",
    "kind": "Canary",
    "metadata": {"name": "web"},
    "status": {"phase": "Progressing", "canaryWeight": 20},
}

POLICY = """
function(object)
  local phase = std.get(std.get(object, 'status', {}), 'phase', '');
  {
    healthy: phase == 'Succeeded',
    degraded: phase == 'Failed',
    message: 'canary is ' + phase,
  }
"""


def test_policy_result_maps_to_health() -> None:
    verdict = evaluate_policy(POLICY, CANARY)
    assert (verdict.health, verdict.message) == (Health.PROGRESSING, "canary is Progressing")
    done = dict(CANARY, status={"phase": "Succeeded"})
    assert evaluate_policy(POLICY, done).health is Health.HEALTHY
    failed = dict(CANARY, status={"phase": "Failed"})
    assert evaluate_policy(POLICY, failed).health is Health.DEGRADED


def test_a_broken_policy_makes_health_unknown_and_says_why() -> None:
    verdict = evaluate_policy("function(object) object.nope", CANARY)
    assert verdict.health is Health.UNKNOWN
    assert "healthPolicy for Canary web" in verdict.message
    wrong = evaluate_policy("function(object) {ok: true}", CANARY)
    assert wrong.health is Health.UNKNOWN and "healthy: bool" in wrong.message
