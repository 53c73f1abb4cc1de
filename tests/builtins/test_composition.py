"""Each trait's patch composes with each built-in workload it applies to,
and the traits compose with each other: a trait sees the workload as
rendered so far and adds to it without losing what others wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from gitops_vela.catalog import load_catalog
from gitops_vela.model.objects import Manifest
from gitops_vela.render import render_repository
from tests.builtins.conftest import RenderApps, container, empty_fields, find, pod_spec
from tests.builtins.test_definitions import BUILTIN_DOCS

IMAGE = "ghcr.io/acme/app:1.0"
WORKLOADS: dict[str, dict[str, Any]] = {
    "webservice": {"image": IMAGE, "port": 8080},
    "worker": {"type": "worker", "image": IMAGE},
    "task": {"type": "task", "image": IMAGE},
    "cron-task": {"type": "cron-task", "image": IMAGE, "schedule": "*/5 * * * *"},
    "k8s-objects": {
        "type": "k8s-objects",
        "objects": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "k8s-objects"},
                "spec": {
                    "selector": {"matchLabels": {"app": "raw"}},
                    "template": {
                        "metadata": {"labels": {"app": "raw"}},
                        "spec": {"containers": [{"name": "k8s-objects", "image": IMAGE}]},
                    },
                },
            }
        ],
    },
}
POD_KINDS = {"Deployment", "Job", "CronJob"}
# The trait's documented example, with a port where the workload may have none.
OVERRIDES: dict[str, dict[str, Any]] = {
    "probes": {"readiness": {"path": "/healthz", "port": 8080}},
    "metrics": {"port": 9102},
}


def trait_params(name: str) -> dict[str, Any]:
    if name in OVERRIDES:
        return OVERRIDES[name]
    example = yaml.safe_load(
        BUILTIN_DOCS[name]["metadata"]["annotations"]["gitops-vela.dev/example"]
    )
    (service,) = example.values()
    params: dict[str, Any] = service[name]
    return params


def applicable(trait: str) -> list[str]:
    catalog = load_catalog(None, origin="builtin")
    definition = catalog.get(trait)
    assert definition is not None
    found = []
    for workload in catalog.workloads:
        patterns = definition.applies_to
        if "*" in patterns or workload.name in patterns or workload.definition_ref in patterns:
            found.append(workload.name)
    return sorted(found)


def main_of(workload: Manifest) -> dict[str, Any]:
    return container(workload, workload["metadata"]["name"])


Effect = Callable[[Manifest, list[Manifest]], None]
EFFECTS: dict[str, Effect] = {
    "scaler": lambda w, objs: assert_equal(w["spec"]["replicas"], 3),
    "route": lambda w, objs: assert_equal(
        find(objs, "Ingress", w["metadata"]["name"])["spec"]["rules"][0]["host"], "shop.example.com"
    ),
    "expose": lambda w, objs: assert_equal(find(objs, "Service")["spec"]["ports"][0]["port"], 9000),
    "autoscale": lambda w, objs: assert_equal(
        find(objs, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["kind"], w["kind"]
    ),
    "sidecar": lambda w, objs: assert_equal(
        [c["name"] for c in pod_spec(w)["containers"]][-1], "log-shipper"
    ),
    "environment": lambda w, objs: assert_equal(
        main_of(w)["env"][0], {"name": "QUEUE", "value": "orders"}
    ),
    "labels": lambda w, objs: assert_equal(w["metadata"]["labels"]["team"], "payments"),
    "annotations": lambda w, objs: assert_equal(
        w["metadata"]["annotations"]["prometheus.io/scrape"], "true"
    ),
    "storage": lambda w, objs: assert_equal(
        [m["name"] for m in main_of(w)["volumeMounts"]], ["data", "tls"]
    ),
    "init-container": lambda w, objs: assert_equal(
        pod_spec(w)["initContainers"][0]["name"], "fetch-config"
    ),
    "resources": lambda w, objs: assert_equal(main_of(w)["resources"]["limits"]["memory"], "1Gi"),
    "probes": lambda w, objs: assert_equal(
        main_of(w)["readinessProbe"], {"httpGet": {"path": "/healthz", "port": 8080}}
    ),
    "metrics": lambda w, objs: assert_equal(
        find(objs, "ServiceMonitor")["metadata"]["name"], w["metadata"]["name"]
    ),
}


def assert_equal(actual: Any, expected: Any) -> None:
    assert actual == expected


def test_every_builtin_trait_has_an_effect_check() -> None:
    traits = {n for n, d in BUILTIN_DOCS.items() if d["kind"] == "TraitDefinition"}
    assert traits == set(EFFECTS)


@pytest.mark.parametrize("trait", sorted(EFFECTS))
def test_trait_composes_with_each_workload_it_applies_to(
    trait: str, render_apps: RenderApps, check_schema: Callable[[Manifest], None]
) -> None:
    workloads = applicable(trait)
    assert workloads, trait
    services = {w: {**WORKLOADS[w], trait: trait_params(trait)} for w in workloads}
    plain = render_apps({"plain": {w: WORKLOADS[w] for w in workloads}, "patched": services})
    for workload in workloads:
        before = [
            o
            for o in plain["plain"]
            if o["metadata"]["labels"]["app.oam.dev/component"] == workload
        ]
        after = [
            o
            for o in plain["patched"]
            if o["metadata"]["labels"]["app.oam.dev/component"] == workload
        ]
        main = next(
            o for o in after if o["kind"] in POD_KINDS and o["metadata"]["name"] == workload
        )
        EFFECTS[trait](main, after)
        # What the workload rendered is still there.
        original = next(
            o for o in before if o["metadata"]["name"] == workload and o["kind"] == main["kind"]
        )
        assert main_of(main)["image"] == main_of(original)["image"] == IMAGE
        assert main["metadata"]["name"] == original["metadata"]["name"]
        for obj in after:
            check_schema(obj)


def test_pod_traits_stack_on_one_service(render_apps: RenderApps) -> None:
    """Eight traits patching the same pod keep each other's changes, in order."""
    stacked = {
        "image": IMAGE,
        "port": 8080,
        "env": [{"name": "FROM_PARAM", "value": "1"}],
        "storage": {"emptyDir": [{"name": "cache", "mountPath": "/cache"}]},
        "sidecar": {
            "name": "proxy",
            "image": "envoy:1.30",
            "volumes": [{"name": "cache", "path": "/cache"}],
        },
        "environment": {"vars": {"FROM_TRAIT": "2", "FROM_PARAM": "overridden"}},
        "init-container": {
            "name": "warm",
            "image": "busybox",
            "initMountPath": "/w",
            "appMountPath": "/w",
        },
        "resources": {"memory": "256Mi"},
        "probes": {"readiness": {"path": "/ready"}},
        "labels": {"team": "core"},
        "annotations": {"owner": "core@example.com"},
    }
    objects = render_apps({"stack": {"api": stacked}})["stack"]
    deploy = find(objects, "Deployment", "api")
    spec = pod_spec(deploy)
    assert [c["name"] for c in spec["containers"]] == ["api", "proxy"]
    main = spec["containers"][0]
    assert main["env"] == [
        {"name": "FROM_PARAM", "value": "overridden"},
        {"name": "FROM_TRAIT", "value": "2"},
    ]
    assert [m["name"] for m in main["volumeMounts"]] == ["cache", "workdir"]
    assert [v["name"] for v in spec["volumes"]] == ["cache", "workdir"]
    assert main["resources"] == {"requests": {"memory": "256Mi"}, "limits": {"memory": "256Mi"}}
    assert main["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 8080}
    assert spec["containers"][1]["volumeMounts"] == [{"name": "cache", "mountPath": "/cache"}]
    assert deploy["spec"]["template"]["metadata"]["labels"]["team"] == "core"
    assert deploy["spec"]["template"]["metadata"]["annotations"] == {"owner": "core@example.com"}


@pytest.mark.parametrize(
    ("workload", "trait", "message"),
    [
        ("worker", "route", "route"),
        ("task", "scaler", "scaler"),
        ("cron-task", "autoscale", "autoscale"),
    ],
)
def test_trait_refused_on_a_workload_it_does_not_apply_to(
    tmp_path: Any, workload: str, trait: str, message: str
) -> None:
    appfile = tmp_path / "apps" / "bad" / "vela.yaml"
    appfile.parent.mkdir(parents=True)
    appfile.write_text(
        yaml.safe_dump(
            {"name": "bad", "services": {"x": {**WORKLOADS[workload], trait: trait_params(trait)}}}
        )
    )
    result = render_repository(tmp_path, repo="t")
    (failure,) = result.failures
    text = " ".join(str(d) for d in failure.diagnostics)
    assert message in text and workload in text


def test_scaler_and_autoscale_conflict(tmp_path: Any) -> None:
    appfile = tmp_path / "apps" / "bad" / "vela.yaml"
    appfile.parent.mkdir(parents=True)
    service = {"image": IMAGE, "scaler": {"replicas": 2}, "autoscale": {"max": 5}}
    appfile.write_text(yaml.safe_dump({"name": "bad", "services": {"x": service}}))
    (failure,) = render_repository(tmp_path, repo="t").failures
    assert "conflict" in " ".join(str(d) for d in failure.diagnostics)


def test_empty_trait_blocks_leave_no_empty_fields(render_apps: RenderApps) -> None:
    service = {
        "image": IMAGE,
        **{
            t: {}
            for t in ("storage", "labels", "annotations", "environment", "probes", "resources")
        },
        "sidecar": {"name": "proxy", "image": "envoy:1.30"},
        "init-container": {"name": "warm", "image": "busybox"},
    }
    objects = render_apps({"empty": {"api": service}})["empty"]
    deploy = find(objects, "Deployment", "api")
    assert empty_fields(deploy) == []
    assert set(container(deploy, "api")) == {"name", "image", "ports"}


@pytest.mark.parametrize(
    ("service", "message"),
    [
        (
            {
                "image": IMAGE,
                "route": {
                    "domain": "a.example.com",
                    "provider": "traefik",
                    "rules": [{"path": "/a", "rewriteTarget": "/"}],
                },
            },
            "rewriteTarget needs provider nginx",
        ),
        (
            {"type": "worker", "image": IMAGE, "probes": {"liveness": {"path": "/healthz"}}},
            "set port",
        ),
        ({"image": IMAGE, "autoscale": {"min": 5, "max": 2}}, "min (5) is above max (2)"),
        (
            {"image": IMAGE, "sidecar": {"name": "x", "image": IMAGE}},
            "already has a container named x",
        ),
        (
            {"image": IMAGE, "environment": {"containerName": "nope", "vars": {"A": 1}}},
            'no container named "nope"',
        ),
        ({"type": "k8s-objects"}, "has no objects"),
        (
            {"image": IMAGE, "autoscale": {"externalMetrics": [{"name": "queue"}]}},
            "external metric queue: set value or averageValue",
        ),
    ],
)
def test_template_errors_say_what_to_fix(
    tmp_path: Any, service: dict[str, Any], message: str
) -> None:
    appfile = tmp_path / "apps" / "bad" / "vela.yaml"
    appfile.parent.mkdir(parents=True)
    appfile.write_text(yaml.safe_dump({"name": "bad", "services": {"x": service}}, sort_keys=False))
    (failure,) = render_repository(tmp_path, repo="t").failures
    text = " ".join(str(d) for d in failure.diagnostics)
    assert message in text, text
