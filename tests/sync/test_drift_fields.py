"""Drift means a field gitops-vela applies differs live; server defaults are not drift."""

import pytest

from gitops_vela.sync.fields import comparable, first_difference, is_subset

DESIRED = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3,
        "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}]}},
    },
}
LIVE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}, "uid": "1", "resourceVersion": "9"},
    "spec": {
        "replicas": 3,
        "strategy": {"type": "RollingUpdate"},
        "template": {
            "spec": {
                "containers": [
                    {"name": "web", "image": "nginx:1", "imagePullPolicy": "IfNotPresent"}
                ]
            }
        },
    },
    "status": {"replicas": 3},
}


def test_server_defaults_are_not_drift() -> None:
    assert is_subset(DESIRED, LIVE)


def test_a_changed_applied_field_is_drift_and_is_named() -> None:
    scaled = {**LIVE, "spec": {**LIVE["spec"], "replicas": 1}}
    assert not is_subset(DESIRED, scaled)
    assert first_difference(DESIRED, scaled) == "spec.replicas"


def test_numbers_the_server_stores_as_strings_match() -> None:
    assert is_subset({"cpu": 1, "memory": 1.0}, {"cpu": "1", "memory": "1"})
    assert not is_subset({"cpu": 2}, {"cpu": "1"})


def test_secret_string_data_compares_as_stored_data() -> None:
    desired = {"apiVersion": "v1", "kind": "Secret", "stringData": {"a": "b"}}
    assert comparable(desired)["data"] == {"a": "Yg=="}


def test_quantities_compare_by_value() -> None:
    assert is_subset({"cpu": 0.5, "memory": "1Gi"}, {"cpu": "500m", "memory": "1073741824"})
    assert is_subset({"cpu": "0.5"}, {"cpu": "500m"})
    assert not is_subset({"cpu": "0.5"}, {"cpu": "1"})
    assert not is_subset({"image": "nginx:1"}, {"image": "nginx:2"})


@pytest.mark.reliability
@pytest.mark.parametrize(
    ("desired", "live"),
    [
        ("1e9999999", "2"),
        ("23e8269628698407", "23e8269628698408"),
        ("1e" + "9" * 5000, "1"),
        ("9" * 5000, "1e-99999999"),
        (1.5, "1e-9999999"),
    ],
)
def test_comparing_values_never_raises(desired: object, live: str) -> None:
    # A value that merely looks like a quantity compares as text: different here.
    assert not is_subset({"env": desired}, {"env": live})
    assert first_difference({"env": desired}, {"env": live}) == "env"


@pytest.mark.reliability
def test_equal_values_that_look_like_huge_quantities_are_equal() -> None:
    assert is_subset({"digest": "23e8269628698407"}, {"digest": "23e8269628698407"})
    assert is_subset({"cpu": "1e3"}, {"cpu": "1k"})
