"""The per-object backoff of drift corrections (daemon/drift.py), on a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.daemon import drift
from gitops_vela.daemon.drift import Corrections
from gitops_vela.errors import ConfigError
from gitops_vela.model.changes import Action, Change, ChangeSet
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health
from gitops_vela.settings import load_config_file
from gitops_vela.sync import AppResult
from gitops_vela.sync.health import HealthReport

WEB = ObjectRef("apps", "Deployment", "shop", "web", "v1")


def corrected(reason: str = "spec.replicas drifted in the cluster") -> AppResult:
    change = Change(WEB, Action.CONFIGURED, reason)
    return AppResult(
        "acme", "shop", ChangeSet("shop", (change,)), HealthReport("shop", Health.HEALTHY)
    )


def test_a_fight_is_held_with_a_pause_that_doubles_and_expires() -> None:
    now = [0.0]
    fights = Corrections(clock=lambda: now[0])
    assert fights.record([corrected()]) == [] and fights.record([corrected()]) == []
    assert fights.held() == {}
    now[0] = 5.0
    assert fights.record([corrected()]) == [(WEB, drift.BASE)]  # third within the window
    assert "another controller keeps changing it" in fights.held()[WEB]
    now[0] = 5.0 + drift.BASE + 0.1
    assert fights.held() == {}
    for _ in range(drift.LIMIT - 1):
        assert fights.record([corrected()]) == []
    assert fights.record([corrected()]) == [(WEB, 2 * drift.BASE)]


def test_git_changes_and_rare_corrections_are_not_a_fight() -> None:
    now = [0.0]
    fights = Corrections(clock=lambda: now[0])
    for step in range(10):
        now[0] = step * drift.WINDOW  # one correction a minute
        assert fights.record([corrected(), corrected("changed in Git")]) == []
    assert fights.held() == {}


def test_the_drift_key_is_read_and_a_wrong_value_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("repositories:\n  - url: https://x/a.git\n    drift: detect\n")
    (repo,) = load_config_file(path, environ={}).repositories
    assert repo.drift == "detect"
    path.write_text("repositories:\n  - url: https://x/a.git\n    drift: fix\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path, environ={})
    assert str(caught.value).startswith(f"{path}:3: repositories[0].drift: 'fix' is not one of")
    assert "correct" in str(caught.value) and "ignore" in str(caught.value)
    path.write_text("repositories:\n  - url: https://x/a.git\n")
    assert load_config_file(path, environ={}).repositories[0].drift == "correct"
