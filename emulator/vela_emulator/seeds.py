"""What every cluster holds without anyone applying it.

* In every namespace, as soon as it exists: the ``default`` ServiceAccount
  (serviceaccounts-controller) and the ``kube-root-ca.crt`` ConfigMap
  (root-ca-cert-publisher). Written with the namespace's creation, so code
  that lists a fresh namespace meets them, as on a cluster.
* Cluster-wide, at start: the one simulated Node (``emulator-node``, Ready) and
  a ``Local`` APIService per built-in group version.
"""

from __future__ import annotations

import uuid

from vela_emulator.api import Api
from vela_emulator.calls import Obj
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
