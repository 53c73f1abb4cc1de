"""Defaulting of built-in kinds, value by value, with idempotence and user values kept."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from vela_emulator.defaults import apply_defaults, canonical_quantity

from .conftest import deployment

Obj = dict[str, Any]


def defaulted(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    apply_defaults(out)
    return out


def pod_spec(obj: Obj) -> Obj:
    return obj["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def test_deployment_defaults() -> None:
    spec = defaulted(deployment({"name": "a", "image": "nginx:1.25"}))["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600


def test_pod_template_defaults() -> None:
    spec = pod_spec(
        defaulted(
            deployment({"name": "a", "image": "nginx:1.25", "ports": [{"containerPort": 80}]})
        )
    )
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    (container,) = spec["containers"]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert container["resources"] == {}
    assert "enableServiceLinks" not in spec  # Pod only, never templates


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry:5000/team/app", "Always"),
        ("registry:5000/team/app:v2", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
        ("nginx:latest@sha256:" + "a" * 64, "Always"),
        ("", "IfNotPresent"),
    ],
)
def test_image_pull_policy_by_tag(image: str, policy: str) -> None:
    spec = pod_spec(defaulted(deployment({"name": "a", "image": image})))
    assert spec["containers"][0]["imagePullPolicy"] == policy


def test_user_values_are_kept() -> None:
    obj = deployment({"name": "a", "image": "nginx", "imagePullPolicy": "Never"}, replicas=0)
    obj["spec"]["strategy"] = {"type": "Recreate"}
    obj["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    out = defaulted(obj)
    assert out["spec"]["replicas"] == 0  # a pointer: zero is a value
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    assert pod_spec(out)["restartPolicy"] == "OnFailure"
    assert pod_spec(out)["containers"][0]["imagePullPolicy"] == "Never"


def test_probes_and_http_actions() -> None:
    probe = {"httpGet": {"port": 8080}}
    container = {
        "name": "a",
        "image": "i",
        "livenessProbe": probe,
        "readinessProbe": {"grpc": {"port": 9}},
    }
    container["lifecycle"] = {"preStop": {"httpGet": {"port": 1}}}
    (out,) = pod_spec(defaulted(deployment(container)))["containers"]
    assert out["livenessProbe"] == {
        "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert out["readinessProbe"]["grpc"] == {"port": 9, "service": ""}
    assert out["lifecycle"]["preStop"]["httpGet"] == {"port": 1, "path": "/", "scheme": "HTTP"}


def test_volume_defaults() -> None:
    obj = deployment(
        {
            "name": "a",
            "image": "i",
            "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        }
    )
    obj["spec"]["template"]["spec"]["volumes"] = [
        {"name": "scratch"},
        {"name": "cm", "configMap": {"name": "x"}},
        {"name": "sec", "secret": {"secretName": "x", "defaultMode": 256}},
        {"name": "host", "hostPath": {"path": "/x"}},
        {"name": "proj", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}},
    ]
    spec = pod_spec(defaulted(obj))
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert volumes["cm"]["configMap"]["defaultMode"] == 420
    assert volumes["sec"]["secret"]["defaultMode"] == 256
    assert volumes["host"]["hostPath"] == {"path": "/x", "type": ""}
    assert volumes["proj"]["projected"]["defaultMode"] == 420
    assert (
        volumes["proj"]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"]
        == 3600
    )
    assert spec["containers"][0]["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"


def test_resource_quantities_are_canonical() -> None:
    container = {
        "name": "a",
        "image": "i",
        "resources": {"limits": {"cpu": "0.5", "memory": "2048Mi"}, "requests": {"cpu": 1}},
    }
    (out,) = pod_spec(defaulted(deployment(container)))["containers"]
    assert out["resources"] == {
        "limits": {"cpu": "500m", "memory": "2Gi"},
        "requests": {"cpu": "1"},
    }


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("1000", "1k"),
        ("1500", "1500"),
        ("0.5", "500m"),
        ("100m", "100m"),
        ("0.0001", "1m"),
        ("1.5Gi", "1536Mi"),
        ("1024Mi", "1Gi"),
        ("0.5Ki", "512"),
        ("129e6", "129e6"),
        ("1e3", "1e3"),
        ("0", "0"),
        ("not-a-quantity", "not-a-quantity"),
    ],
)
def test_canonical_quantity(given: str, canonical: str) -> None:
    assert canonical_quantity(given) == canonical


def test_pod_kind_extra_defaults() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "hostNetwork": True,
            "containers": [
                {
                    "name": "a",
                    "image": "i",
                    "ports": [{"containerPort": 80}],
                    "resources": {"limits": {"cpu": "1"}},
                }
            ],
        },
    }
    spec = defaulted(pod)["spec"]
    assert spec["enableServiceLinks"] is True
    assert spec["containers"][0]["resources"]["requests"] == {"cpu": "1"}
    assert spec["containers"][0]["ports"][0]["hostPort"] == 80


def test_stateful_set_defaults() -> None:
    obj = deployment({"name": "a", "image": "i"})
    obj["kind"] = "StatefulSet"
    obj["spec"]["volumeClaimTemplates"] = [
        {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}
    ]
    spec = defaulted(obj)["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert spec["revisionHistoryLimit"] == 10
    claim = spec["volumeClaimTemplates"][0]
    assert claim["spec"]["volumeMode"] == "Filesystem"
    assert claim["status"] == {"phase": "Pending"}


def test_stateful_set_on_delete_gets_no_rolling_update() -> None:
    obj = deployment({"name": "a", "image": "i"})
    obj["kind"] = "StatefulSet"
    obj["spec"]["updateStrategy"] = {"type": "OnDelete"}
    assert defaulted(obj)["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_daemon_set_and_replica_set_defaults() -> None:
    daemon = deployment({"name": "a", "image": "i"})
    daemon["kind"] = "DaemonSet"
    spec = defaulted(daemon)["spec"]
    assert spec["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert "replicas" not in spec
    replica = deployment({"name": "a", "image": "i"})
    replica["kind"] = "ReplicaSet"
    assert defaulted(replica)["spec"]["replicas"] == 1


def service(**spec: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec}


def test_service_defaults() -> None:
    out = defaulted(
        service(
            selector={"app": "x"},
            ports=[{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}],
        )
    )
    spec = out["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 80},
        {"port": 53, "protocol": "UDP", "targetPort": "dns"},
    ]
    assert "externalTrafficPolicy" not in spec
    assert out["status"] == {"loadBalancer": {}}


def test_load_balancer_service_defaults() -> None:
    spec = defaulted(
        service(type="LoadBalancer", sessionAffinity="ClientIP", ports=[{"port": 80}])
    )["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["allocateLoadBalancerNodePorts"] is True
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_external_name_and_headless_services() -> None:
    external = defaulted(service(type="ExternalName", externalName="example.com"))["spec"]
    assert "ipFamilies" not in external and "internalTrafficPolicy" not in external
    headless = defaulted(service(clusterIP="None"))["spec"]
    assert headless["ipFamilyPolicy"] == "RequireDualStack"


def test_job_defaults() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "j"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "a", "image": "i"}]},
            }
        },
    }
    out = defaulted(job)
    spec = out["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert spec["manualSelector"] is False
    assert out["metadata"]["labels"] == {"app": "j"}
    assert pod_spec(out)["restartPolicy"] == "Never"


def test_job_parallelism_alone_leaves_completions_unset() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {"parallelism": 3},
    }
    spec = defaulted(job)["spec"]
    assert "completions" not in spec and spec["parallelism"] == 3


def test_job_selector_is_generated_once_it_has_a_uid() -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "uid": "u-1"},
        "spec": {"template": {"spec": {}}},
    }
    out = defaulted(job)
    assert out["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}
    labels = out["spec"]["template"]["metadata"]["labels"]
    assert labels["batch.kubernetes.io/job-name"] == "j" and labels["controller-uid"] == "u-1"
    assert out["metadata"]["labels"] == labels


def test_cron_job_defaults_do_not_default_the_job_template_spec() -> None:
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "i"}]}}}
            },
        },
    }
    spec = defaulted(cron)["spec"]
    assert spec["concurrencyPolicy"] == "Allow"
    assert spec["suspend"] is False
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    job_spec = spec["jobTemplate"]["spec"]
    assert "backoffLimit" not in job_spec
    assert job_spec["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_namespace_secret_pvc_defaults() -> None:
    ns = defaulted({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}})
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "t"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}
    secret = defaulted({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    assert secret["type"] == "Opaque"
    pvc = defaulted(
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "p"}, "spec": {}}
    )
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    assert pvc["status"] == {"phase": "Pending"}


def test_network_policy_and_ingress_defaults() -> None:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "n"},
        "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]},
    }
    spec = defaulted(policy)["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["egress"][0]["ports"] == [{"port": 53, "protocol": "TCP"}]
    rule = {
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": "s", "port": {"number": 80}}},
                }
            ]
        }
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "i"},
        "spec": {"rules": [rule]},
    }
    out = defaulted(ingress)
    assert out["spec"] == ingress["spec"]  # Ingress has no spec defaults
    assert out["status"] == {"loadBalancer": {}}


def test_hpa_defaults() -> None:
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"},
        "spec": {
            "maxReplicas": 5,
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"},
        },
    }
    spec = defaulted(hpa)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 80},
            },
        }
    ]
    assert "behavior" not in spec
    hpa["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    behavior = defaulted(hpa)["spec"]["behavior"]
    assert behavior["scaleDown"] == {
        "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
        "stabilizationWindowSeconds": 60,
    }
    assert behavior["scaleUp"]["policies"][0] == {"type": "Pods", "value": 4, "periodSeconds": 15}


def test_rbac_binding_defaults() -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b"},
        "roleRef": {"kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "u"}, {"kind": "ServiceAccount", "name": "s"}],
    }
    out = defaulted(binding)
    assert out["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert out["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
    # a ServiceAccount's default is "", which Subject.APIGroup's omitempty never writes
    assert "apiGroup" not in out["subjects"][1]


def test_unknown_kinds_and_config_maps_are_untouched() -> None:
    for obj in (
        {
            "apiVersion": "example.com/v1",
            "kind": "Deployment",
            "metadata": {"name": "x"},
            "spec": {},
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "x"},
            "rules": [],
        },
    ):
        assert defaulted(obj) == obj


KINDS: list[Obj] = [
    deployment({"name": "a", "image": "nginx", "livenessProbe": {"httpGet": {"port": 1}}}),
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 1}]},
    },
    {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "uid": "u"},
        "spec": {"template": {"spec": {}}},
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"spec": {}}},
    },
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
    {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h"},
        "spec": {"behavior": {}},
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "i"}]},
    },
]


@pytest.mark.parametrize("obj", KINDS, ids=lambda o: o["kind"])
def test_defaulting_twice_changes_nothing(obj: Obj) -> None:
    once = defaulted(obj)
    assert defaulted(once) == once


def test_job_labels_copied_before_the_selector_is_generated() -> None:
    template = {"metadata": {"labels": {"app": "j"}}, "spec": {}}
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "uid": "u-1"},
        "spec": {"template": template},
    }
    out = defaulted(job)
    assert out["metadata"]["labels"] == {"app": "j"}
    assert out["spec"]["template"]["metadata"]["labels"]["job-name"] == "j"
