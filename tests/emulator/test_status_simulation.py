"""Status simulation: workloads become available, Jobs complete, LoadBalancers get an IP;
tests can hold a workload Progressing or make it fail."""

from __future__ import annotations

from typing import Any

from kubernetes import client, dynamic
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import deployment, to_yaml


def _dyn(emulator: Emulator) -> Any:
    return dynamic.DynamicClient(client.ApiClient(emulator.client_configuration()))


def _conditions(obj: Any) -> dict[str, tuple[str, str]]:
    return {
        c["type"]: (c["status"], c.get("reason", "")) for c in obj["status"].get("conditions") or []
    }


def test_deployment_becomes_available_with_observed_generation(emulator: Emulator) -> None:
    deployments = _dyn(emulator).resources.get(api_version="apps/v1", kind="Deployment")
    deployments.create(body=deployment("web", "default", replicas=3), namespace="default")
    emulator.settle()
    live = deployments.get(name="web", namespace="default").to_dict()
    assert live["status"]["observedGeneration"] == live["metadata"]["generation"] == 1
    assert live["status"]["availableReplicas"] == 3
    assert _conditions(live)["Available"] == ("True", "MinimumReplicasAvailable")
    deployments.patch(
        name="web",
        namespace="default",
        body={"spec": {"replicas": 1}},
        content_type="application/merge-patch+json",
    )
    emulator.settle()
    live = deployments.get(name="web", namespace="default").to_dict()
    assert live["metadata"]["generation"] == 2
    assert live["status"]["observedGeneration"] == 2
    assert live["status"]["readyReplicas"] == 1


def test_deployment_status_is_counted_from_its_pods(emulator: Emulator) -> None:
    deployments = _dyn(emulator).resources.get(api_version="apps/v1", kind="Deployment")
    pods = client.CoreV1Api(client.ApiClient(emulator.client_configuration()))
    tick, emulator.controllers.tick = emulator.controllers.tick, 30.0  # one round at a time
    try:
        deployments.create(body=deployment("web", "default", replicas=2), namespace="default")
        # no controller has seen it yet: no status at all, as on a cluster
        assert not deployments.get(name="web", namespace="default").to_dict().get("status")
        emulator.controllers.round()  # the deployment controller makes its ReplicaSet
        fresh = deployments.get(name="web", namespace="default").to_dict()
    finally:
        emulator.controllers.tick = tick
    # no Pod runs yet: the controller reports the rollout, not a made-up success
    assert "availableReplicas" not in fresh["status"]
    assert _conditions(fresh)["Available"] == ("False", "MinimumReplicasUnavailable")
    assert _conditions(fresh)["Progressing"] == ("True", "ReplicaSetUpdated")
    emulator.settle()
    (rs,) = (
        _dyn(emulator)
        .resources.get(api_version="apps/v1", kind="ReplicaSet")
        .get(namespace="default")
        .to_dict()["items"]
    )
    assert rs["status"]["readyReplicas"] == rs["status"]["replicas"] == 2
    live = deployments.get(name="web", namespace="default").to_dict()
    assert (live["status"]["replicas"], live["status"]["updatedReplicas"]) == (2, 2)
    assert _conditions(live)["Progressing"] == ("True", "NewReplicaSetAvailable")
    assert rs["metadata"]["name"] in live["status"]["conditions"][1]["message"]
    tick, emulator.controllers.tick = emulator.controllers.tick, 30.0  # the Pod stays Terminating
    try:
        victim = pods.list_namespaced_pod("default", label_selector="app=web").items[0]
        pods.delete_namespaced_pod(victim.metadata.name, "default")
        held = deployments.get(name="web", namespace="default").to_dict()
        assert held["status"]["readyReplicas"] == 1 and held["status"]["unavailableReplicas"] == 1
    finally:
        emulator.controllers.tick = tick
    emulator.settle()
    assert (
        deployments.get(name="web", namespace="default").to_dict()["status"]["readyReplicas"] == 2
    )


def test_progressing_and_failed_controls(emulator: Emulator) -> None:
    deployments = _dyn(emulator).resources.get(api_version="apps/v1", kind="Deployment")
    emulator.simulation.progressing("Deployment", "web", namespace="default")
    deployments.create(body=deployment("web", "default"), namespace="default")
    emulator.settle()
    live = deployments.get(name="web", namespace="default").to_dict()
    assert _conditions(live)["Available"][0] == "False"
    assert _conditions(live)["Progressing"] == ("True", "ReplicaSetUpdated")
    emulator.simulation.fail("Deployment", "web", namespace="default")
    emulator.settle()
    live = deployments.get(name="web", namespace="default").to_dict()
    assert _conditions(live)["Progressing"] == ("False", "ProgressDeadlineExceeded")
    emulator.simulation.healthy("Deployment", "web", namespace="default")
    emulator.settle()
    live = deployments.get(name="web", namespace="default").to_dict()
    assert _conditions(live)["Available"] == ("True", "MinimumReplicasAvailable")


def test_job_completes_or_fails(emulator: Emulator) -> None:
    jobs = _dyn(emulator).resources.get(api_version="batch/v1", kind="Job")
    template = {
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}
    }
    emulator.simulation.fail("Job", "bad", namespace="default")
    for name in ("ok", "bad"):
        jobs.create(
            body={
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": name},
                "spec": {"template": template},
            },
            namespace="default",
        )
    ok = jobs.get(name="ok", namespace="default").to_dict()
    assert ok["status"]["succeeded"] == 1
    assert _conditions(ok)["Complete"] == ("True", "CompletionsReached")
    bad = jobs.get(name="bad", namespace="default").to_dict()
    assert _conditions(bad)["Failed"] == ("True", "BackoffLimitExceeded")


def test_load_balancer_service_gets_an_ingress_ip(emulator: Emulator) -> None:
    services = _dyn(emulator).resources.get(api_version="v1", kind="Service")
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    }
    services.create(body=body, namespace="default")
    live = services.get(name="lb", namespace="default").to_dict()
    assert live["status"]["loadBalancer"]["ingress"][0]["ip"].startswith("172.18.")
    assert live["spec"]["ports"][0]["nodePort"] >= 30000


def test_statefulset_and_daemonset_report_ready(emulator: Emulator) -> None:
    dyn = _dyn(emulator)
    sts = deployment("db", "default", replicas=2)
    sts["kind"] = "StatefulSet"
    dyn.resources.get(api_version="apps/v1", kind="StatefulSet").create(
        body=sts, namespace="default"
    )
    ds = deployment("agent", "default")
    ds["kind"] = "DaemonSet"
    dyn.resources.get(api_version="apps/v1", kind="DaemonSet").create(body=ds, namespace="default")
    live_sts = (
        dyn.resources.get(api_version="apps/v1", kind="StatefulSet")
        .get(name="db", namespace="default")
        .to_dict()
    )
    assert live_sts["status"]["readyReplicas"] == 2
    assert live_sts["status"]["currentRevision"] == live_sts["status"]["updateRevision"]
    live_ds = (
        dyn.resources.get(api_version="apps/v1", kind="DaemonSet")
        .get(name="agent", namespace="default")
        .to_dict()
    )
    assert live_ds["status"]["numberReady"] == live_ds["status"]["desiredNumberScheduled"] == 1


def test_status_delay_waits_until_settle() -> None:
    with Emulator(status_delay=60) as emulator:
        deployments = _dyn(emulator).resources.get(api_version="apps/v1", kind="Deployment")
        deployments.create(body=deployment("web", "default"), namespace="default")
        assert not deployments.get(name="web", namespace="default").to_dict()["status"]
        emulator.settle()
        live = deployments.get(name="web", namespace="default").to_dict()
        assert _conditions(live)["Available"][0] == "True"


def test_kubectl_rollout_status_succeeds(kube: KubeTarget, kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=to_yaml(deployment("web", kube.namespace)))
    out = kubectl("rollout", "status", "deployment/web", "-n", kube.namespace, "--timeout=60s")
    assert "successfully rolled out" in out


def test_ingress_hpa_and_pdb_status(emulator: Emulator) -> None:
    dyn = _dyn(emulator)
    dyn.resources.get(api_version="apps/v1", kind="Deployment").create(
        body=deployment("web", "default", replicas=3), namespace="default"
    )
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web"},
        "spec": {"rules": [{"host": "web.example.com"}]},
    }
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 5,
        },
    }
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
    }
    live = {}
    for body in (ingress, hpa, pdb):
        res = dyn.resources.get(api_version=body["apiVersion"], kind=body["kind"])
        res.create(body=body, namespace="default")
        live[body["kind"]] = res.get(name="web", namespace="default").to_dict()["status"]
    assert live["Ingress"]["loadBalancer"]["ingress"][0]["ip"]
    assert (
        live["HorizontalPodAutoscaler"]["currentReplicas"],
        live["HorizontalPodAutoscaler"]["desiredReplicas"],
    ) == (3, 3)
    pdb_status = live["PodDisruptionBudget"]
    assert (
        pdb_status["expectedPods"],
        pdb_status["currentHealthy"],
        pdb_status["disruptionsAllowed"],
    ) == (3, 3, 1)
