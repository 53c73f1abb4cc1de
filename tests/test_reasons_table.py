"""One table of failure reasons: the stages in order, and every error's reaction."""

from __future__ import annotations

import pytest

from gitops_vela.errors import (
    AppfileError,
    ClusterUnreachable,
    ConfigError,
    GitopsVelaError,
    HealthCheckError,
    ImmutableFieldError,
    PruneError,
    SourceError,
    StatusError,
    UnknownKindError,
)
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.status import PipelineStage, Reason, earliest_reason, first_failure

BAD = Diagnostic("apps/shop/vela.yaml", "bad", line=3)


def test_the_stages_run_in_pipeline_order_each_with_its_reason() -> None:
    assert [(s, s.reason) for s in PipelineStage] == [
        (PipelineStage.SOURCE, Reason.SOURCE_FAILED),
        (PipelineStage.BUILD, Reason.BUILD_FAILED),
        (PipelineStage.APPLY, Reason.APPLY_FAILED),
        (PipelineStage.PRUNE, Reason.PRUNE_FAILED),
        (PipelineStage.HEALTH, Reason.HEALTH_CHECK_FAILED),
        (PipelineStage.STATUS, Reason.STATUS_FAILED),
    ]


def test_the_earliest_failed_stage_wins() -> None:
    assert first_failure([PipelineStage.HEALTH, PipelineStage.APPLY]) is Reason.APPLY_FAILED
    assert first_failure([]) is Reason.SUCCEEDED
    mixed = [Reason.RECONCILIATION_FAILED, Reason.PRUNE_FAILED, Reason.SUCCEEDED]
    assert earliest_reason(mixed) is Reason.PRUNE_FAILED
    assert earliest_reason([Reason.RECONCILIATION_FAILED]) is Reason.RECONCILIATION_FAILED
    assert earliest_reason([Reason.SUCCEEDED]) is Reason.SUCCEEDED


@pytest.mark.parametrize(
    ("error", "reason", "retryable"),
    [
        (AppfileError(BAD), Reason.BUILD_FAILED, False),
        (ConfigError(BAD), Reason.RECONCILIATION_FAILED, False),
        (SourceError("ls-remote: connection refused"), Reason.SOURCE_FAILED, True),
        (SourceError("unknown revision", retryable=False), Reason.SOURCE_FAILED, False),
        (ClusterUnreachable("refused"), Reason.APPLY_FAILED, True),
        (ImmutableFieldError("spec.selector", status=422), Reason.APPLY_FAILED, False),
        (UnknownKindError("no kind Widget"), Reason.APPLY_FAILED, False),
        (HealthCheckError("healthPolicy failed"), Reason.HEALTH_CHECK_FAILED, True),
        (PruneError("delete refused"), Reason.PRUNE_FAILED, True),
        (StatusError("push lost 5 races"), Reason.STATUS_FAILED, True),
        (StatusError("not a status file", retryable=False), Reason.STATUS_FAILED, False),
    ],
)
def test_every_error_says_how_to_react(
    error: GitopsVelaError, reason: Reason, retryable: bool
) -> None:
    assert (error.reason, error.retryable) == (reason, retryable)
