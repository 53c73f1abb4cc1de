"""A health policy is evaluated once per distinct object, and a failure is tried again."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_vela.errors import RenderError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.status import Health
from gitops_vela.sync.health import policy

POLICY = "function(object) {healthy: object.status.ok, message: 'ok is ' + object.status.ok}"


def _counting(monkeypatch: pytest.MonkeyPatch, *, fail: bool = False) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def call(source: str, *, args: dict[str, Any], name: str, timeout: float) -> Any:
        seen.append(args["object"])
        if fail:
            raise RenderError(Diagnostic(name, "did not finish within 5s"))
        ok = bool(args["object"]["status"]["ok"])
        return {"healthy": ok, "message": f"ok is {str(ok).lower()}"}

    monkeypatch.setattr(policy, "call_function", call)
    return seen


def test_an_unchanged_object_is_not_evaluated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch)
    obj = {"kind": "Widget", "metadata": {"name": "cache-a"}, "status": {"ok": True}}
    first = policy.evaluate_policy(POLICY, obj)
    assert policy.evaluate_policy(POLICY, dict(obj)) == first
    assert len(seen) == 1
    changed = {**obj, "status": {"ok": False}}
    assert policy.evaluate_policy(POLICY, changed).health is Health.PROGRESSING
    assert len(seen) == 2


def test_a_failed_evaluation_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch, fail=True)
    obj = {"kind": "Widget", "metadata": {"name": "cache-b"}, "status": {"ok": True}}
    assert policy.evaluate_policy(POLICY, obj).check_failed
    assert policy.evaluate_policy(POLICY, obj).check_failed
    assert len(seen) == 2
