"""``expect``: a subset check whose diff shows only the fields a case names."""

from __future__ import annotations

from gitops_vela.defcheck.compare import expected_diff, golden_text, shaped_like

DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"a": "1"}},
    "spec": {"replicas": 2, "ports": [{"port": 80, "name": "http"}, {"port": 81}]},
}
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db"},
    "stringData": {"password": "hunter2"},
}


def test_maps_may_hold_more_lists_may_not() -> None:
    assert expected_diff([{"kind": "Deployment", "metadata": {"name": "web"}}], [DEPLOY]) == ""
    two = {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
    diff = expected_diff([two], [DEPLOY])
    assert "+  - port: 81" in diff.splitlines()  # the extra item is shown, so it differs
    assert "name: http" not in diff  # fields the case does not name stay out


def test_shaped_like_keeps_only_named_keys() -> None:
    assert shaped_like({"spec": {"replicas": 1}}, DEPLOY) == {"spec": {"replicas": 2}}
    assert shaped_like({"x": 1}, DEPLOY) == {}


def test_a_missing_object_names_what_rendered() -> None:
    diff = expected_diff([{"kind": "Service", "metadata": {"name": "web"}}], [DEPLOY])
    assert diff == "Service/web was not rendered (rendered: Deployment/web)"


def test_secret_values_are_compared_as_rendered_and_shown_masked() -> None:
    right = {"kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "hunter2"}}
    assert expected_diff([right], [SECRET]) == ""
    wrong = {"kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "guess"}}
    diff = expected_diff([wrong], [SECRET])
    assert "+  password: '***'" in diff and "hunter2" not in diff
    assert "hunter2" not in golden_text([SECRET])
