"""Every definition renders the example it documents, with the fields that
example is about, and every object fits its real schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from gitops_vela.model.objects import Manifest
from tests.builtins.conftest import RenderApps, container, find, pod_spec
from tests.builtins.test_definitions import ALL_DOCS, SAMPLE_DOCS

WIDGETS_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""

Objects = list[Manifest]


def check_webservice(objs: Objects) -> None:
    deploy = find(objs, "Deployment", "frontend")
    main = container(deploy, "frontend")
    assert main["image"] == "ghcr.io/acme/shop-web:1.4"
    assert main["ports"] == [{"containerPort": 8080, "name": "http"}]
    assert main["env"] == [{"name": "API_URL", "value": "http://api:8080"}]
    assert main["resources"] == {"requests": {"cpu": "0.5"}, "limits": {"cpu": "0.5"}}
    assert "replicas" not in deploy["spec"]  # left to the scaler or autoscale trait
    service = find(objs, "Service", "frontend")
    assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": 8080}]
    assert service["spec"]["selector"] == deploy["spec"]["selector"]["matchLabels"]
    assert "type" not in service["spec"]


def check_worker(objs: Objects) -> None:
    assert [o["kind"] for o in objs] == ["Deployment"]
    main = container(objs[0], "orders")
    assert main["command"] == ["/app/worker", "--queue=orders"]
    assert "ports" not in main


def check_task(objs: Objects) -> None:
    job = find(objs, "Job", "migrate")
    assert job["apiVersion"] == "batch/v1"
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 2
    assert pod_spec(job)["restartPolicy"] == "OnFailure"
    assert container(job, "migrate")["command"] == ["/app/migrate"]


def check_cron_task(objs: Objects) -> None:
    cron = find(objs, "CronJob", "nightly-report")
    assert cron["spec"]["schedule"] == "0 3 * * *"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert pod_spec(cron)["restartPolicy"] == "Never"
    assert "parallelism" not in cron["spec"]["jobTemplate"]["spec"]


def check_k8s_objects(objs: Objects) -> None:
    config = find(objs, "ConfigMap", "shop-config")
    assert config["data"] == {"currency": "EUR"}
    crd = find(objs, "CustomResourceDefinition", "widgets.example.com")
    assert "namespace" not in crd["metadata"]


def check_scaler(objs: Objects) -> None:
    assert find(objs, "Deployment", "api")["spec"]["replicas"] == 3


def check_route(objs: Objects) -> None:
    plain = find(objs, "Ingress", "frontend")
    assert plain["metadata"]["annotations"] == {"cert-manager.io/issuer": "letsencrypt"}
    assert plain["spec"]["ingressClassName"] == "nginx"
    assert plain["spec"]["tls"] == [{"hosts": ["shop.example.com"], "secretName": "frontend-tls"}]
    (rule,) = plain["spec"]["rules"]
    assert rule["host"] == "shop.example.com"
    assert rule["http"]["paths"] == [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": "frontend", "port": {"number": 8080}}},
        }
    ]
    rewrite = find(objs, "Ingress", "frontend-rewrite-0")
    annotations = rewrite["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/rewrite-target"] == "/"
    assert [p["path"] for p in rewrite["spec"]["rules"][0]["http"]["paths"]] == ["/api"]


def check_expose(objs: Objects) -> None:
    service = find(objs, "Service", "grpc")
    assert service["spec"]["ports"] == [{"name": "port-9000", "port": 9000, "targetPort": 9000}]
    assert service["spec"]["selector"]["app.oam.dev/component"] == "grpc"


def check_autoscale(objs: Objects) -> None:
    hpa = find(objs, "HorizontalPodAutoscaler", "api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "api",
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    cpu, pods = hpa["spec"]["metrics"]
    assert cpu["resource"] == {
        "name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": 70},
    }
    assert pods["pods"]["metric"] == {"name": "http_requests_per_second"}
    assert pods["pods"]["target"] == {"type": "AverageValue", "averageValue": "100"}


def check_sidecar(objs: Objects) -> None:
    names = [c["name"] for c in pod_spec(find(objs, "Deployment", "api"))["containers"]]
    assert names == ["api", "log-shipper"]


def check_environment(objs: Objects) -> None:
    main = container(find(objs, "Deployment", "orders"), "orders")
    assert main["env"] == [
        {"name": "QUEUE", "value": "orders"},
        {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "shop-db", "key": "url"}}},
    ]
    assert main["envFrom"] == [{"configMapRef": {"name": "shop-config"}}]


def check_labels(objs: Objects) -> None:
    deploy = find(objs, "Deployment", "api")
    assert deploy["metadata"]["labels"]["team"] == "payments"
    assert deploy["spec"]["template"]["metadata"]["labels"]["team"] == "payments"
    assert "team" not in deploy["spec"]["selector"]["matchLabels"]  # selectors are immutable


def check_annotations(objs: Objects) -> None:
    deploy = find(objs, "Deployment", "api")
    assert deploy["metadata"]["annotations"] == {"prometheus.io/scrape": "true"}
    assert deploy["spec"]["template"]["metadata"]["annotations"] == {"prometheus.io/scrape": "true"}


def check_storage(objs: Objects) -> None:
    spec = pod_spec(find(objs, "Deployment", "db"))
    assert spec["volumes"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}},
        {"name": "tls", "secret": {"secretName": "db-tls"}},
    ]
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "data", "mountPath": "/var/lib/postgresql/data"},
        {"name": "tls", "mountPath": "/etc/tls"},
    ]
    pvc = find(objs, "PersistentVolumeClaim", "db-data")
    assert pvc["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "10Gi"}},
    }


def check_init_container(objs: Objects) -> None:
    spec = pod_spec(find(objs, "Deployment", "api"))
    (init,) = spec["initContainers"]
    assert init["name"] == "fetch-config"
    assert init["volumeMounts"] == [{"name": "workdir", "mountPath": "/config"}]
    assert spec["volumes"] == [{"name": "workdir", "emptyDir": {}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "workdir", "mountPath": "/etc/app"}]


def check_resources(objs: Objects) -> None:
    main = container(find(objs, "Deployment", "api"), "api")
    assert main["resources"] == {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "500m", "memory": "1Gi"},
    }


def check_probes(objs: Objects) -> None:
    main = container(find(objs, "Deployment", "api"), "api")
    assert main["readinessProbe"] == {"httpGet": {"path": "/healthz", "port": 8080}}
    assert main["livenessProbe"] == {
        "httpGet": {"path": "/healthz", "port": 8080},
        "initialDelaySeconds": 10,
    }


def check_metrics(objs: Objects) -> None:
    monitor = find(objs, "ServiceMonitor", "api")
    service = find(objs, "Service", "api-metrics")
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 9102, "targetPort": 9102}]
    for key, value in monitor["spec"]["selector"]["matchLabels"].items():
        assert service["metadata"]["labels"][key] == value
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "scheme": "http"}
    ]


def check_cloneset(objs: Objects) -> None:
    clone = find(objs, "CloneSet", "ledger")
    assert clone["apiVersion"] == "apps.kruise.io/v1alpha1"
    assert clone["spec"]["updateStrategy"] == {
        "type": "InPlaceIfPossible",
        "inPlaceUpdateStrategy": {"gracePeriodSeconds": 10},
    }
    assert find(objs, "Service", "ledger")["spec"]["ports"][0]["port"] == 7000


def check_mysql(objs: Objects) -> None:
    cluster = find(objs, "InnoDBCluster", "orders-db")
    assert cluster["apiVersion"] == "mysql.oracle.com/v2"
    assert cluster["spec"] == {
        "secretName": "orders-db-root",
        "instances": 3,
        "router": {"instances": 1},
        "tlsUseSelfSigned": True,
        "datadirVolumeClaimTemplate": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "20Gi"}},
        },
    }
    assert len(objs) == 1  # the operator creates the pods, services and router


def check_canary(objs: Objects) -> None:
    canary = find(objs, "Canary", "checkout")
    spec = canary["spec"]
    assert spec["targetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout"}
    assert spec["ingressRef"]["name"] == find(objs, "Ingress", "checkout")["metadata"]["name"]
    assert spec["service"] == {"port": 8080, "targetPort": 8080}
    assert spec["analysis"]["stepWeight"] == 5
    assert not [o for o in objs if o["kind"] == "Service"]  # Flagger creates them


def check_alert(objs: Objects) -> None:
    config = find(objs, "ConfigMap", "orders-kubewatch")
    settings = yaml.safe_load(config["data"][".kubewatch.yaml"])
    assert settings == {
        "namespace": "default",
        "handler": {"slack": {"channel": "#shop-alerts"}},
        "resource": {"deployment": True, "pod": True},
    }
    kubewatch = container(find(objs, "Deployment", "orders-kubewatch"), "kubewatch")
    token = next(e for e in kubewatch["env"] if e["name"] == "SLACK_TOKEN")
    assert token["valueFrom"] == {"secretKeyRef": {"name": "slack-bot", "key": "token"}}
    role = find(objs, "Role", "orders-kubewatch")
    assert {
        "apiGroups": ["apps"],
        "resources": ["deployments"],
        "verbs": ["get", "list", "watch"],
    } in role["rules"]
    binding = find(objs, "RoleBinding", "orders-kubewatch")
    assert (
        binding["subjects"][0]["name"]
        == find(objs, "ServiceAccount", "orders-kubewatch")["metadata"]["name"]
    )


CHECKS: dict[str, Callable[[Objects], None]] = {
    name: globals()["check_" + name.replace("-", "_")] for name in ALL_DOCS
}


@pytest.mark.parametrize("name", sorted(ALL_DOCS))
def test_example_renders(
    name: str, render_apps: RenderApps, check_schema: Callable[[Manifest], None]
) -> None:
    example: dict[str, Any] = yaml.safe_load(
        ALL_DOCS[name]["metadata"]["annotations"]["gitops-vela.dev/example"]
    )
    apps = render_apps(
        {"example": example},
        sample_definitions=name in SAMPLE_DOCS,
        files={"apps/example/crds/widgets.yaml": WIDGETS_CRD},
    )
    objects = apps["example"]
    CHECKS[name](objects)
    for obj in objects:
        check_schema(obj)
        assert obj["metadata"]["labels"]["gitops-vela.dev/app"] == "test.example"


def test_alert_watches_what_the_workload_is_made_of(render_apps: RenderApps) -> None:
    services = {
        "nightly": {
            "type": "cron-task",
            "image": "r:1",
            "schedule": "@daily",
            "alert": {"channel": "#ops"},
        },
    }
    objs = render_apps({"ops": services}, sample_definitions=True)["ops"]
    settings = yaml.safe_load(
        find(objs, "ConfigMap", "nightly-kubewatch")["data"][".kubewatch.yaml"]
    )
    assert settings["resource"] == {"job": True, "pod": True}
    rules = find(objs, "Role", "nightly-kubewatch")["rules"]
    assert [(r["apiGroups"], r["resources"]) for r in rules] == [
        ([""], ["pods"]),
        (["batch"], ["jobs"]),
    ]

    services["nightly"]["alert"] = {"channel": "#ops", "watch": ["job", "event"]}
    objs = render_apps({"ops": services}, sample_definitions=True)["ops"]
    rules = find(objs, "Role", "nightly-kubewatch")["rules"]
    assert [(r["apiGroups"], r["resources"]) for r in rules] == [
        ([""], ["events"]),
        (["batch"], ["jobs"]),
    ]
