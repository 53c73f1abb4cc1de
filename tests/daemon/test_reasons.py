"""One table maps the stage that failed to the reason people see; per-app statuses."""

from __future__ import annotations

import pytest

from gitops_vela.daemon.reconcile import Stage, StageFailed, stage
from gitops_vela.daemon.report import failure_name, from_failure, repository_reason
from gitops_vela.errors import (
    AppfileError,
    ClusterUnreachable,
    GitopsVelaError,
    SourceError,
    StatusError,
)
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure
from gitops_vela.model.status import AppStatus, Health, Reason, ResourceStatus, SyncState


def test_every_stage_has_exactly_one_reason() -> None:
    assert {s: s.reason for s in Stage} == {
        Stage.SOURCE: Reason.SOURCE_FAILED,
        Stage.BUILD: Reason.BUILD_FAILED,
        Stage.APPLY: Reason.APPLY_FAILED,
        Stage.PRUNE: Reason.PRUNE_FAILED,
        Stage.HEALTH: Reason.HEALTH_CHECK_FAILED,  # the table is sync's too (per app)
        Stage.STATUS: Reason.STATUS_FAILED,
    }


@pytest.mark.parametrize(
    ("where", "error", "reason"),
    [
        (Stage.SOURCE, SourceError("ls-remote failed"), Reason.SOURCE_FAILED),
        (Stage.BUILD, AppfileError(Diagnostic("a.yaml", "bad", line=3)), Reason.BUILD_FAILED),
        (Stage.APPLY, ClusterUnreachable("refused"), Reason.APPLY_FAILED),
        # The same error in a later stage is that stage's failure.
        (Stage.PRUNE, ClusterUnreachable("refused"), Reason.PRUNE_FAILED),
        (Stage.STATUS, StatusError("push lost 5 races"), Reason.STATUS_FAILED),
    ],
)
def test_a_failure_takes_the_reason_of_its_stage(
    where: Stage, error: GitopsVelaError, reason: Reason
) -> None:
    with pytest.raises(StageFailed) as caught, stage(where):
        raise error
    assert caught.value.reason is reason
    assert caught.value.error is error


def test_bugs_are_not_stage_failures() -> None:
    with pytest.raises(KeyError), stage(Stage.APPLY):
        raise KeyError("bug")


def status(app: str, reason: Reason) -> AppStatus:
    return AppStatus(
        app=app,
        revision="b" * 40,
        last_applied_revision="a" * 40,
        sync=SyncState.SYNCED,
        health=Health.HEALTHY,
        message="",
        since="",
        reason=reason,
        resources=(ResourceStatus("Deployment", "web", "shop", "unchanged", Health.HEALTHY),),
    )


def test_the_repository_reason_is_the_earliest_failed_stage() -> None:
    statuses = [
        status("a", Reason.HEALTH_CHECK_FAILED),
        status("b", Reason.BUILD_FAILED),
        status("c", Reason.APPLY_FAILED),
    ]
    assert repository_reason(statuses) is Reason.BUILD_FAILED
    assert repository_reason([status("a", Reason.SUCCEEDED)]) is Reason.SUCCEEDED


def test_a_broken_app_keeps_what_was_last_applied() -> None:
    failure = AppFailure(
        repo="r",
        name="shop",
        path="apps/shop/vela.yaml",
        diagnostics=(
            Diagnostic("apps/shop/vela.yaml", "'http' is not of type 'integer'", 9, "port"),
            Diagnostic("apps/shop/vela.yaml", "unknown trait", 12, "services.web.x"),
        ),
    )
    previous = status("shop", Reason.SUCCEEDED)
    got = from_failure(failure, revision="c" * 40, previous=previous)
    assert got.sync is SyncState.FAILED and got.reason is Reason.BUILD_FAILED
    assert got.revision == "c" * 40 and got.last_applied_revision == "a" * 40
    assert got.errors == (
        "apps/shop/vela.yaml:9: port: 'http' is not of type 'integer'",
        "apps/shop/vela.yaml:12: services.web.x: unknown trait",
    )
    assert got.message.endswith("(and 1 more)")
    assert got.health is Health.HEALTHY and got.resources == previous.resources


def test_an_appfile_too_broken_to_name_is_named_by_its_folder() -> None:
    failure = AppFailure(repo="r", name="", path="apps/blog/vela.yaml", diagnostics=())
    assert failure_name(failure) == "blog"
    assert from_failure(failure, revision="c", previous=None).health is Health.UNKNOWN
