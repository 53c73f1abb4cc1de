"""An app that was not planned keeps its status object: a quiet poll rebuilds none."""

from __future__ import annotations

from gitops_vela.daemon.report import app_statuses
from gitops_vela.model.changes import ChangeSet
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.model.status import AppStatus, Health
from gitops_vela.sync import AppResult, SyncResult
from gitops_vela.sync.health.assess import HealthReport

REV1, REV2 = "1" * 40, "2" * 40


def result(app: str, health: Health = Health.HEALTHY) -> AppResult:
    return AppResult("acme", app, ChangeSet(app), HealthReport(app, health))


def statuses(
    apps: tuple[AppResult, ...], made: dict[str, tuple[AppResult, AppStatus]], revision: str = REV1
) -> dict[str, AppStatus]:
    return app_statuses(
        revision=revision,
        render=RepositoryRender(apps=()),
        result=SyncResult(apps),
        previous={},
        made=made,
    )


def test_a_carried_result_keeps_its_status_object_a_new_one_or_revision_does_not() -> None:
    shop, web = result("shop"), result("web")
    made: dict[str, tuple[AppResult, AppStatus]] = {}
    first = statuses((shop, web), made)

    again = statuses((shop, web), made)
    assert again["shop"] is first["shop"] and again["web"] is first["web"]

    replanned = statuses((shop, result("web", Health.DEGRADED)), made)
    assert replanned["shop"] is first["shop"]
    assert replanned["web"] is not first["web"] and replanned["web"].health is Health.DEGRADED

    moved = statuses((shop,), made, revision=REV2)
    assert moved["shop"] is not first["shop"] and moved["shop"].revision == REV2
    assert set(made) == {"shop"}  # apps gone from the result are forgotten
