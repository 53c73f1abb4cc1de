"""``LiveFeed``: which apps a run plans, from what the watch cache reported."""

from __future__ import annotations

from gitops_vela.daemon.live import LiveFeed


def test_the_first_run_plans_everything_then_only_what_changed() -> None:
    in_step = [True]
    feed = LiveFeed(lambda: in_step[0])
    assert feed.take() is None  # nothing known yet: a whole sync
    assert feed.take() == frozenset()  # a quiet poll: no app
    feed.changed("shop")
    feed.changed("shop")
    assert feed.take() == {"shop"}
    assert feed.take() == frozenset()


def test_a_cache_out_of_step_or_a_failed_run_means_a_whole_sync() -> None:
    in_step = [False]
    feed = LiveFeed(lambda: in_step[0])
    feed.take()
    feed.changed("shop")
    assert feed.take() is None  # the watches are catching up: lists, every app
    in_step[0] = True
    feed.everything()  # a run failed: what it took is not done
    assert feed.take() is None
    assert feed.take() == frozenset()
