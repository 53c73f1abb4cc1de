"""kubectl fidelity: everyday kubectl operations, expected output as on a real cluster.

Each case runs kubectl against ``kube`` (the emulator, and a real cluster when
``GITOPS_VELA_E2E_KUBECONFIG`` names one) and checks what a cluster prints:
headers, status words, messages. Cases the emulator does not pass yet are
strict xfails naming the gap, so the count of passing cases is the measure
(and a case that starts passing fails until its mark goes). Keep it growing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import deployment, eventually, to_yaml

Case = Callable[[Kubectl, str], None]
CASES: dict[str, Case] = {}
GAPS: dict[str, str] = {}  # case -> what the emulator still lacks


def case(name: str, *, gap: str = "") -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[name] = fn
        if gap:
            GAPS[name] = gap
        return fn

    return register


def header(text: str) -> list[str]:
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def _web(kubectl: Kubectl, ns: str, replicas: int = 1) -> None:
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=replicas)))
    kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
    kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=web", "-n", ns, "--timeout=60s")


# ----- cluster and namespaces ------------------------------------------------------------------


@case("get nodes")
def _nodes(kubectl: Kubectl, ns: str) -> None:
    out = kubectl("get", "nodes")
    assert header(out) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert " Ready " in out


@case("get namespace")
def _namespace(kubectl: Kubectl, ns: str) -> None:
    out = kubectl("get", "namespace", ns)
    assert header(out) == ["NAME", "STATUS", "AGE"] and "Active" in out


@case("delete namespace default is forbidden")
def _immortal(kubectl: Kubectl, ns: str) -> None:
    done = kubectl.run("delete", "namespace", "default", "--dry-run=server")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error from server (Forbidden): namespaces "default" is forbidden: '
        "this namespace may not be deleted"
    )


@case("namespace defaults: ServiceAccount and kube-root-ca.crt")
def _defaults(kubectl: Kubectl, ns: str) -> None:
    assert "serviceaccount/default" in kubectl("get", "sa", "-n", ns, "-o", "name")
    assert "configmap/kube-root-ca.crt" in kubectl("get", "cm", "-n", ns, "-o", "name")


@case("delete namespace waits for its contents")
def _delete_ns(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    out = kubectl("delete", "namespace", ns, "--timeout=60s")
    assert out.strip() == f'namespace "{ns}" deleted'
    assert "NotFound" in kubectl.run("get", "namespace", ns).stderr


@case("get apiservices")
def _apiservices(kubectl: Kubectl, ns: str) -> None:
    out = kubectl("get", "apiservices", "v1.apps")
    assert header(out) == ["NAME", "SERVICE", "AVAILABLE", "AGE"]
    assert re.search(r"v1\.apps\s+Local\s+True", out)


@case("auth can-i")
def _can_i(kubectl: Kubectl, ns: str) -> None:
    done = kubectl.run("auth", "can-i", "create", "deployments", "-n", ns)
    assert done.stdout.strip() == "yes" and not done.stderr


@case("api-resources lists events.k8s.io")
def _events_group(kubectl: Kubectl, ns: str) -> None:
    assert "events.k8s.io/v1" in kubectl("api-resources", "--api-group=events.k8s.io")


# ----- workloads -------------------------------------------------------------------------------


@case("rollout status")
def _rollout_status(kubectl: Kubectl, ns: str) -> None:
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=2)))
    out = kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
    assert out.strip().endswith('deployment "web" successfully rolled out')


@case("get pods")
def _pods(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns, replicas=2)
    out = kubectl("get", "pods", "-n", ns)
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = out.splitlines()[1:]
    assert len(rows) == 2 and all(re.search(r"web-\w+-\w{5}\s+1/1\s+Running\s+0", r) for r in rows)


@case("get pods -o wide")
def _pods_wide(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    out = kubectl("get", "pods", "-n", ns, "-o", "wide")
    assert header(out) == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES",
    ]  # fmt: skip


@case("get rs")
def _rs(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns, replicas=2)
    out = kubectl("get", "rs", "-n", ns)
    assert header(out) == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert re.search(r"web-\w+\s+2\s+2\s+2\s", out)


@case("get deployments -o wide")
def _deploy_wide(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    out = kubectl("get", "deployments", "-n", ns, "-o", "wide")
    assert header(out) == [
        "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR",
    ]  # fmt: skip
    assert re.search(r"web\s+1/1\s+1\s+1\s+\S+\s+web\s+nginx:1.25\s+app=web", out)


@case("get all")
def _all(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    out = kubectl("get", "all", "-n", ns)
    for prefix in ("pod/web-", "deployment.apps/web", "replicaset.apps/web-"):
        assert prefix in out


@case("get events")
def _events(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    out = eventually(lambda: (o := kubectl("get", "events", "-n", ns)) and "Started" in o and o)
    assert header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert re.search(
        r"Normal\s+ScalingReplicaSet\s+deployment/web\s+Scaled up replica set web-", out
    )


@case("rollout history and undo")
def _undo(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    kubectl("set", "image", "deployment/web", "web=nginx:1.26", "-n", ns)
    kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
    history = kubectl("rollout", "history", "deployment/web", "-n", ns)
    assert history.splitlines()[1].split() == ["REVISION", "CHANGE-CAUSE"]
    assert kubectl("rollout", "undo", "deployment/web", "-n", ns).strip() == (
        "deployment.apps/web rolled back"
    )
    image = "{.spec.template.spec.containers[0].image}"
    assert kubectl("get", "deployment", "web", "-n", ns, "-o", f"jsonpath={image}") == "nginx:1.25"


@case("scale")
def _scale(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    assert kubectl("scale", "deployment/web", "--replicas=3", "-n", ns).strip() == (
        "deployment.apps/web scaled"
    )
    eventually(lambda: len(kubectl("get", "pods", "-n", ns, "-o", "name").split()) == 3, timeout=60)


@case("delete deployment and wait for its pods")
def _delete_deploy(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    kubectl("delete", "deployment", "web", "-n", ns)
    kubectl("wait", "--for=delete", "pod", "-l", "app=web", "-n", ns, "--timeout=60s")


@case("get jobs")
def _jobs(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "job", "once", "--image=busybox", "-n", ns, "--", "true")
    kubectl("wait", "--for=condition=Complete", "job/once", "-n", ns, "--timeout=60s")
    out = kubectl("get", "jobs", "-n", ns)
    assert header(out) == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert re.search(r"once\s+Complete\s+1/1\s", out)


@case("get cronjobs")
def _cronjobs(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "-n", ns)
    out = kubectl("get", "cronjobs", "-n", ns)
    assert header(out) == [
        "NAME",
        "SCHEDULE",
        "TIMEZONE",
        "SUSPEND",
        "ACTIVE",
        "LAST SCHEDULE",
        "AGE",
    ]
    assert re.search(r"tick\s+\*/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s", out)


@case("get ingress")
def _ingress(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "ingress", "front", "--rule=shop.example.com/*=web:80", "-n", ns)
    out = kubectl("get", "ingress", "-n", ns)
    assert header(out) == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    assert re.search(r"front\s+<none>\s+shop\.example\.com\s+\S*\s*80\s", out)


@case("get hpa")
def _hpa(kubectl: Kubectl, ns: str) -> None:
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 3,
        },
    }
    kubectl("apply", "-f", "-", stdin=to_yaml(hpa))
    out = kubectl("get", "hpa", "-n", ns)
    assert header(out) == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert re.search(r"web\s+Deployment/web\s+\S.*\s1\s+3\s", out)


@case("autoscale")
def _autoscale(kubectl: Kubectl, ns: str) -> None:
    _web(kubectl, ns)
    out = kubectl("autoscale", "deployment/web", "--max=3", "--cpu-percent=70", "-n", ns)
    assert out.strip() == "horizontalpodautoscaler.autoscaling/web autoscaled"
    assert re.search(
        r"web\s+Deployment/web\s+cpu: \S+/70%\s+1\s+3\s", kubectl("get", "hpa", "-n", ns)
    )


@case("get rc and podtemplates")
def _rc(kubectl: Kubectl, ns: str) -> None:
    done = kubectl.run("get", "rc,podtemplates", "-n", ns)
    assert done.returncode == 0 and done.stderr.strip() == f"No resources found in {ns} namespace."


@case("invalid replicas refused")
def _invalid(kubectl: Kubectl, ns: str) -> None:
    body = deployment("web", ns, replicas=-1)
    done = kubectl.run("apply", "-f", "-", stdin=to_yaml(body))
    assert done.returncode == 1
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in done.stderr


@case("explain deployment.spec.replicas")
def _explain(kubectl: Kubectl, ns: str) -> None:
    out = kubectl("explain", "deployment.spec.replicas")
    assert "FIELD: replicas <integer>" in out
    assert "Number of desired pods." in out


@case("get --raw /openapi/v2")
def _openapi_v2(kubectl: Kubectl, ns: str) -> None:
    assert '"swagger":"2.0"' in kubectl("get", "--raw", "/openapi/v2").replace(" ", "")


@case("server-side apply, diff and a conflict")
def _ssa(kubectl: Kubectl, ns: str) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": ns},
        "data": {"k": "a"},
    }
    kubectl("apply", "--server-side", "-f", "-", stdin=to_yaml(cm))
    cm["data"]["k"] = "b"
    assert kubectl.run("diff", "--server-side", "-f", "-", stdin=to_yaml(cm)).returncode == 1
    done = kubectl.run(
        "apply", "--server-side", "--field-manager=other", "-f", "-", stdin=to_yaml(cm)
    )
    assert done.returncode == 1 and "conflict" in done.stderr.lower()


CLONESET_CRD = Path(__file__).parents[1] / "testdata" / "crds" / "apps.kruise.io_clonesets.yaml"


@case("get cloneset: CRD columns, priority 1 only with -o wide")
def _cloneset(kubectl: Kubectl, ns: str) -> None:
    kubectl("apply", "--server-side", "-f", str(CLONESET_CRD))
    kubectl("wait", "--for=condition=Established", "crd/clonesets.apps.kruise.io", "--timeout=30s")
    cloneset = {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.25"},
                        {"name": "side", "image": "busybox"},
                    ]
                },
            },
        },
    }
    kubectl("apply", "--server-side", "-f", "-", stdin=to_yaml(cloneset))
    out = kubectl("get", "clonesets.apps.kruise.io", "-n", ns)
    names = [
        "NAME",
        "DESIRED",
        "UPDATED",
        "UPDATED_READY",
        "UPDATED_AVAILABLE",
        "READY",
        "TOTAL",
        "AGE",
    ]
    assert header(out) == names
    wide = kubectl("get", "clonesets.apps.kruise.io", "-n", ns, "-o", "wide")
    assert header(wide) == [*names, "CONTAINERS", "IMAGES", "SELECTOR"]
    # a [*] path prints its first match
    assert re.search(r"\s+web\s+nginx:1\.25\s+\S+\s*$", wide.splitlines()[1])


def _params() -> list[object]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=GAPS[name]))
        if name in GAPS
        else name
        for name in CASES
    ]


@pytest.mark.parametrize("name", _params())
def test_kubectl_operation(kube: KubeTarget, kubectl: Kubectl, name: str) -> None:
    CASES[name](kubectl, kube.namespace)
