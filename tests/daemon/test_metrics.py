"""The Prometheus exposition of the daemon's own registry."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from gitops_vela.daemon.metrics import Metrics
from gitops_vela.model.status import Health


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = metrics.exposition().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_the_required_series_are_exported_with_the_prefix() -> None:
    metrics = Metrics()
    metrics.reconcile_duration.labels("shop").observe(0.2)
    metrics.reconcile_total.labels("shop", "ReconciliationSucceeded").inc()
    metrics.render_duration.labels("shop").observe(0.05)
    metrics.git_requests.labels("ls-remote").inc()
    metrics.kube_requests.labels("patch").inc(3)
    metrics.set_app(repo="shop", app="web", health=Health.PROGRESSING, synced=True)
    got = samples(metrics)
    assert (
        got[
            (
                "gitops_vela_reconcile_total",
                frozenset({("repo", "shop"), ("result", "ReconciliationSucceeded")}),
            )
        ]
        == 1
    )
    assert got[("gitops_vela_reconcile_duration_seconds_count", frozenset({("repo", "shop")}))] == 1
    assert got[("gitops_vela_render_duration_seconds_count", frozenset({("repo", "shop")}))] == 1
    assert got[("gitops_vela_git_requests_total", frozenset({("op", "ls-remote")}))] == 1
    assert got[("gitops_vela_kube_requests_total", frozenset({("verb", "patch")}))] == 3
    app = frozenset({("repo", "shop"), ("app", "web")})
    assert got[("gitops_vela_app_health", app | {("health", "Progressing")})] == 1
    assert got[("gitops_vela_app_health", app | {("health", "Healthy")})] == 0


def test_health_moves_and_forgotten_apps_disappear() -> None:
    metrics = Metrics()
    metrics.set_app(repo="shop", app="web", health=Health.PROGRESSING, synced=True)
    metrics.set_app(repo="shop", app="web", health=Health.HEALTHY, synced=True)
    app = frozenset({("repo", "shop"), ("app", "web")})
    got = samples(metrics)
    assert got[("gitops_vela_app_health", app | {("health", "Healthy")})] == 1
    assert got[("gitops_vela_app_health", app | {("health", "Progressing")})] == 0
    metrics.forget_app(repo="shop", app="web")
    assert not [k for k in samples(metrics) if k[0] == "gitops_vela_app_health"]
    # Exported again after being forgotten, though its health did not move since.
    metrics.set_app(repo="shop", app="web", health=Health.HEALTHY, synced=True)
    assert samples(metrics)[("gitops_vela_app_health", app | {("health", "Healthy")})] == 1


def test_an_unchanged_app_is_not_exported_again() -> None:
    metrics = Metrics()
    metrics.set_app(repo="shop", app="web", health=Health.HEALTHY, synced=True)
    gauge = metrics.app_health.labels("shop", "web", "Healthy")
    gauge.set(7)  # stands for a value only a new export would overwrite
    metrics.set_app(repo="shop", app="web", health=Health.HEALTHY, synced=True)
    assert gauge._value.get() == 7
    metrics.set_app(repo="shop", app="web", health=Health.HEALTHY, synced=False)
    assert gauge._value.get() == 1


def test_two_daemons_in_one_process_do_not_share_series() -> None:
    first, second = Metrics(), Metrics()
    first.git_requests.labels("fetch").inc()
    assert ("gitops_vela_git_requests_total", frozenset({("op", "fetch")})) not in samples(second)
