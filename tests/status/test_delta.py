"""One status delta per run: worth a commit, news for an Event, removed apps."""

from __future__ import annotations

import dataclasses

from gitops_vela.model.status import AppStatus, Health, Reason, ResourceStatus, SyncState
from gitops_vela.status import status_delta

REV1, REV2 = "a" * 40, "b" * 40


def status(app: str, **changes: object) -> AppStatus:
    base = AppStatus(
        app=app,
        revision=REV1,
        last_applied_revision=REV1,
        sync=SyncState.SYNCED,
        health=Health.HEALTHY,
        message="1 object",
        since="2030-01-01T00:00:00Z",
        reason=Reason.SUCCEEDED,
        resources=(ResourceStatus("Deployment", "web", "shop", "unchanged", Health.HEALTHY),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def answers(old: AppStatus | None, new: AppStatus) -> tuple[bool, bool]:
    (change,) = status_delta({} if old is None else {old.app: old}, {new.app: new}).apps
    return change.worth_a_commit, change.news


def test_a_new_app_is_news_and_worth_a_commit() -> None:
    assert answers(None, status("shop")) == (True, True)


def test_what_a_person_does_not_care_about_changes_nothing() -> None:
    quiet = status("shop", message="other", since="2031-01-01T00:00:00Z")
    assert answers(status("shop"), quiet) == (False, False)


def test_a_new_commit_alone_is_worth_a_commit_but_no_news() -> None:
    moved = status("shop", revision=REV2, last_applied_revision=REV2)
    assert answers(status("shop"), moved) == (True, False)


def test_a_new_outcome_is_both() -> None:
    for changed in (
        status("shop", health=Health.DEGRADED),
        status("shop", errors=("x.yaml:1: k: bad",)),
        status("shop", resources=()),
    ):
        assert answers(status("shop"), changed) == (True, True)


def test_a_new_reason_alone_is_news_only() -> None:
    # The status file does not hold the reason: nothing to commit, but an Event says it.
    assert answers(status("shop"), status("shop", reason=Reason.HEALTH_CHECK_FAILED)) == (
        False,
        True,
    )


def test_removed_apps_are_listed_and_worth_a_commit() -> None:
    delta = status_delta({"shop": status("shop"), "blog": status("blog")}, {"shop": status("shop")})
    assert delta.removed == ("blog",)
    assert delta.worth_a_commit and not delta.news
    assert delta.statuses == {"shop": status("shop")}


def test_what_holds_a_commit_back_is_worth_a_commit() -> None:
    held = {"sync": SyncState.OUT_OF_SYNC, "revision": REV2, "last_applied_revision": REV1}
    before = status("shop", **held, message="waiting for staging: shop Progressing at bbbbbbb")
    after = status("shop", **held, message="waiting for staging: shop Degraded at bbbbbbb")

    assert answers(before, after)[0]
    assert not answers(status("shop", message="x"), status("shop", message="y"))[0]


def test_the_same_status_object_is_neither_news_nor_worth_a_commit() -> None:
    shop = status("shop")
    (delta,) = status_delta({"shop": shop}, {"shop": shop}).apps
    assert delta.previous is shop and not delta.worth_a_commit and not delta.news
