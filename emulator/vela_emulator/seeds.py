"""What every cluster holds without anyone applying it.

* In every namespace, as soon as it exists: the ``default`` ServiceAccount
  (serviceaccounts-controller) and the ``kube-root-ca.crt`` ConfigMap
  (root-ca-cert-publisher). Written with the namespace's creation, so code
  that lists a fresh namespace meets them, as on a cluster.
* Cluster-wide, at start: the one simulated Node (``emulator-node``, Ready) and
  a ``Local`` APIService per built-in group version.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from vela_emulator.api import Api
from vela_emulator.calls import Call, Obj
from vela_emulator.lifecycle import now
from vela_emulator.pods import NODE_IP, NODE_NAME
from vela_emulator.registry import ResourceType

ROOT_CA = "kube-root-ca.crt"
_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
# a self-signed CA of no one: nothing verifies against the emulator's plain HTTP
_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhnaXRvcHMt\n"
    "dmVsYS1lbXVsYXRvci1jYTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBa\n"
    "-----END CERTIFICATE-----\n"
)


def _meta(name: str, namespace: str = "") -> Obj:
    meta: Obj = {"name": name, "uid": str(uuid.uuid4()), "creationTimestamp": now()}
    if namespace:
        meta["namespace"] = namespace
    return meta


class NamespaceDefaults:
    """Writes a namespace's default ServiceAccount and root CA ConfigMap when it is created."""

    def __init__(self, api: Api) -> None:
        self.api = api
        api.after_write.append(self._on_write)

    def _on_write(self, rtype: ResourceType, obj: Obj) -> None:
        if rtype.key != ("", "namespaces") or obj["metadata"].get("deletionTimestamp"):
            return
        name = obj["metadata"]["name"]
        store = self.api.store
        if store.get(("", "serviceaccounts"), name, "default") is None:
            sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("default", name)}
            store.put(("", "serviceaccounts"), sa)
        if store.get(("", "configmaps"), name, ROOT_CA) is None:
            meta = {
                **_meta(ROOT_CA, name),
                "annotations": {"kubernetes.io/description": _CA_DESCRIPTION},
            }
            cm = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": meta,
                "data": {"ca.crt": _CA_PEM},
            }
            store.put(("", "configmaps"), cm)


def node() -> Obj:
    stamp = now()
    ready = {
        "type": "Ready",
        "status": "True",
        "lastHeartbeatTime": stamp,
        "lastTransitionTime": stamp,
        "reason": "KubeletReady",
        "message": "kubelet is posting ready status",
    }
    pressure = [
        {
            "type": kind,
            "status": "False",
            "lastHeartbeatTime": stamp,
            "lastTransitionTime": stamp,
            "reason": f"KubeletHasNo{kind.removesuffix('Pressure')}Pressure"
            if kind != "PIDPressure"
            else "KubeletHasSufficientPID",
            "message": f"kubelet has no {kind.removesuffix('Pressure').lower()} pressure",
        }
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    capacity = {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            **_meta(NODE_NAME),
            "labels": {
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node-role.kubernetes.io/control-plane": "",
                "type": "kwok",
            },
        },
        "spec": {},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": NODE_IP},
                {"type": "Hostname", "address": NODE_NAME},
            ],
            "allocatable": capacity,
            "capacity": capacity,
            "conditions": [*pressure, ready],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": "containerd://1.7.0",
                "kernelVersion": "6.1.0",
                "kubeProxyVersion": "v1.32.0",
                "kubeletVersion": "v1.32.0",
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": "gitops-vela emulator",
                "systemUUID": "",
            },
            "phase": "Running",
        },
    }


def api_services(api: Api) -> list[Obj]:
    """One ``Local`` APIService per built-in group version, named as the apiserver names them."""
    found = []
    for group, versions in api.registry.groups():
        for version in versions:
            types = [t for t in api.registry.resources(group, version) if not t.crd]
            if not types:
                continue
            name = f"{version}.{group}"
            spec: Obj = {"version": version, "groupPriorityMinimum": 18000, "versionPriority": 15}
            if group:
                spec["group"] = group
            status = {
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "lastTransitionTime": now(),
                        "reason": "Local",
                        "message": "Local APIServices are always available",
                    }
                ]
            }
            meta = {
                **_meta(name),
                "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"},
            }
            found.append(
                {
                    "apiVersion": "apiregistration.k8s.io/v1",
                    "kind": "APIService",
                    "metadata": meta,
                    "spec": spec,
                    "status": status,
                }
            )
    return found


def seed_cluster(api: Api) -> None:
    """The Node and the APIServices of a fresh cluster."""
    with api.store.lock:
        api.store.put(("", "nodes"), node())
        for service in api_services(api):
            api.store.put(("apiregistration.k8s.io", "apiservices"), service)


# ----- what kubeadm (kind) leaves in a fresh cluster ------------------------------------------

KUBERNETES_SERVICE_IP = (
    "10.96.0.1"  # the first address of the service range, as the apiserver takes it
)
KUBE_DNS_IP = "10.96.0.10"  # kubeadm's choice: the tenth
APISERVER_PORT = 6443
VERSION = "v1.32.0"
_CONTROL_PLANE = {
    "etcd": {"cpu": "100m", "memory": "100Mi"},
    "kube-apiserver": {"cpu": "250m"},
    "kube-controller-manager": {"cpu": "200m"},
    "kube-scheduler": {"cpu": "100m"},
}


def _object(api_version: str, kind: str, name: str, namespace: str = "", **rest: Any) -> Obj:
    meta: Obj = {"name": name, **rest.pop("metadata", {})}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **rest}


def kubernetes_service() -> list[Obj]:
    """``default/kubernetes`` and its endpoints: the apiserver's own address, on the node."""
    ports = [{"name": "https", "port": APISERVER_PORT, "protocol": "TCP"}]
    service = _object(
        "v1",
        "Service",
        "kubernetes",
        "default",
        metadata={"labels": {"component": "apiserver", "provider": "kubernetes"}},
        spec={
            "clusterIP": KUBERNETES_SERVICE_IP,
            "ports": [{**ports[0], "port": 443, "targetPort": APISERVER_PORT}],
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
    )
    endpoints = _object(
        "v1",
        "Endpoints",
        "kubernetes",
        "default",
        metadata={"labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        subsets=[{"addresses": [{"ip": NODE_IP}], "ports": ports}],
    )
    slice_ = _object(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        "kubernetes",
        "default",
        metadata={"labels": {"kubernetes.io/service-name": "kubernetes"}},
        addressType="IPv4",
        endpoints=[{"addresses": [NODE_IP], "conditions": {"ready": True}}],
        ports=ports,
    )
    return [service, endpoints, slice_]


def _static_pod(component: str, requests: dict[str, str], node_uid: str) -> Obj:
    """A control-plane mirror Pod: kubelet runs it from a manifest file, the Node owns it."""
    digest = uuid.uuid5(uuid.NAMESPACE_DNS, component).hex
    return _object(
        "v1",
        "Pod",
        f"{component}-{NODE_NAME}",
        "kube-system",
        metadata={
            "labels": {"component": component, "tier": "control-plane"},
            "annotations": {
                "kubernetes.io/config.hash": digest,
                "kubernetes.io/config.mirror": digest,
                "kubernetes.io/config.seen": now(),
                "kubernetes.io/config.source": "file",
            },
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "name": NODE_NAME,
                    "uid": node_uid,
                    "controller": True,
                }
            ],
        },
        spec={
            "containers": [
                {
                    "name": component,
                    "image": f"registry.k8s.io/{component}:{VERSION if component != 'etcd' else '3.5.16-0'}",
                    "command": [component],
                    "resources": {"requests": requests},
                }
            ],
            "hostNetwork": True,
            "nodeName": NODE_NAME,
            "priorityClassName": "system-node-critical",
            "priority": 2000001000,
            "tolerations": [{"effect": "NoExecute", "operator": "Exists"}],
        },
    )


def coredns() -> list[Obj]:
    """CoreDNS as kubeadm installs it: its ServiceAccount, the kube-dns Service, a Deployment
    of two replicas (whose ReplicaSet and Pods the controllers make)."""
    labels = {"k8s-app": "kube-dns"}
    ports = [
        {"name": "dns", "port": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
        {"name": "metrics", "port": 9153, "protocol": "TCP"},
    ]
    service = _object(
        "v1",
        "Service",
        "kube-dns",
        "kube-system",
        metadata={
            "labels": {
                **labels,
                "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS",
            },
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
        },
        spec={
            "clusterIP": KUBE_DNS_IP,
            "ports": [{**p, "targetPort": p["port"]} for p in ports],
            "selector": labels,
        },
    )
    container = {
        "name": "coredns",
        "image": "registry.k8s.io/coredns/coredns:v1.11.3",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": [
            {"containerPort": p["port"], "name": p["name"], "protocol": p["protocol"]}
            for p in ports
        ],
        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
    }
    deployment = _object(
        "apps/v1",
        "Deployment",
        "coredns",
        "kube-system",
        metadata={"labels": labels},
        spec={
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [container],
                    "dnsPolicy": "Default",
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                    ],
                },
            },
        },
    )
    account = _object("v1", "ServiceAccount", "coredns", "kube-system")
    return [account, service, deployment]


def priority_classes() -> list[Obj]:
    """The two built-in PriorityClasses the apiserver creates at start."""
    return [
        _object(
            "scheduling.k8s.io/v1",
            "PriorityClass",
            name,
            value=value,
            description=f"Used for system critical pods that must {what}.",
            preemptionPolicy="PreemptLowerPriority",
        )
        for name, value, what in (
            ("system-cluster-critical", 2000000000, "run in the cluster, but can be moved to another node if necessary"),
            ("system-node-critical", 2000001000, "not be moved from their current node"),
        )
    ]  # fmt: skip


def system_objects(node_uid: str) -> list[tuple[str, Obj]]:
    """What a fresh kind cluster holds besides namespaces and their defaults, in creation
    order, each with the field manager that writes it there."""
    static = [_static_pod(name, requests, node_uid) for name, requests in _CONTROL_PLANE.items()]
    return [
        *(("kube-apiserver", obj) for obj in [*priority_classes(), *kubernetes_service()]),
        *(("kubelet", obj) for obj in static),
        *(("kubeadm", obj) for obj in coredns()),
    ]


def seed_system(api: Api) -> None:
    """Create :func:`system_objects` through the API, so they are defaulted and validated as
    anything else; the controllers then run CoreDNS's ReplicaSet and the Pods."""
    node_obj = api.store.get(("", "nodes"), "", NODE_NAME)
    assert node_obj is not None, "seed_cluster writes the Node first"
    for manager, obj in system_objects(node_obj["metadata"]["uid"]):
        rtype = api.registry.by_kind(obj["apiVersion"].rpartition("/")[0], obj["kind"])
        assert rtype is not None
        call = Call(
            "create",
            rtype,
            namespace=obj["metadata"].get("namespace", ""),
            body=json.dumps(obj).encode(),
            query={"fieldManager": manager},
        )
        api.create(call)
