"""watch=true: events from a resourceVersion, selectors, timeouts, 410 for a too-old version."""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.request
from typing import Any

from kubernetes import watch
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap


def _collect(
    kube: KubeTarget, *, count: int, **params: Any
) -> tuple[list[tuple[str, str]], threading.Thread]:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    seen: list[tuple[str, str]] = []

    def run() -> None:
        w = watch.Watch()
        for event in cms.watch(namespace=kube.namespace, timeout=5, watcher=w, **params):
            seen.append((event["type"], event["object"].metadata.name))
            if len(seen) >= count:
                w.stop()

    thread = threading.Thread(target=run)
    thread.start()
    return seen, thread


def test_watch_sees_added_modified_deleted_in_order(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    start = cms.get(namespace=kube.namespace).metadata.resourceVersion
    seen, thread = _collect(kube, count=3, resource_version=start)
    cms.create(body=configmap("a", kube.namespace, {"k": "1"}), namespace=kube.namespace)
    cms.patch(
        name="a",
        namespace=kube.namespace,
        body={"data": {"k": "2"}},
        content_type="application/merge-patch+json",
    )
    cms.delete(name="a", namespace=kube.namespace)
    thread.join(timeout=10)
    assert seen == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_watch_without_version_starts_with_current_objects(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("old", kube.namespace, {}), namespace=kube.namespace)
    seen, thread = _collect(kube, count=3)  # old, the namespace's kube-root-ca.crt, new
    thread.join(timeout=0.5)
    cms.create(body=configmap("new", kube.namespace, {}), namespace=kube.namespace)
    thread.join(timeout=10)
    assert ("ADDED", "old") in seen and ("ADDED", "new") in seen


def test_label_selector_watch_reports_objects_leaving_the_selection(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    start = cms.get(namespace=kube.namespace).metadata.resourceVersion
    seen, thread = _collect(kube, count=2, resource_version=start, label_selector="tier=web")
    cms.create(body=configmap("other", kube.namespace, {}), namespace=kube.namespace)
    cms.create(body=configmap("a", kube.namespace, {}, {"tier": "web"}), namespace=kube.namespace)
    cms.patch(
        name="a",
        namespace=kube.namespace,
        body={"metadata": {"labels": {"tier": "db"}}},
        content_type="application/merge-patch+json",
    )
    thread.join(timeout=10)
    assert seen == [("ADDED", "a"), ("DELETED", "a")]


def test_too_old_resource_version_is_410_expired(emulator: Emulator) -> None:
    path = "/api/v1/namespaces/default/configmaps"
    with urllib.request.urlopen(emulator.url + path) as response:
        old = json.load(response)["metadata"]["resourceVersion"]
    emulator.reset()  # compacts the watch history
    url = f"{emulator.url}{path}?watch=true&resourceVersion={old}&timeoutSeconds=1"
    with urllib.request.urlopen(url) as response:
        lines = [json.loads(line) for line in response.read().decode().splitlines() if line]
    assert lines[0]["type"] == "ERROR"
    assert lines[0]["object"]["code"] == 410
    assert lines[0]["object"]["reason"] == "Expired"


def test_timeout_seconds_ends_the_stream(emulator: Emulator) -> None:
    from kubernetes import client

    api = client.CoreV1Api(client.ApiClient(emulator.client_configuration()))
    start = api.list_namespaced_config_map("default").metadata.resource_version
    stream = watch.Watch().stream(
        api.list_namespaced_config_map, "default", timeout_seconds=1, resource_version=start
    )
    events = list(stream)
    assert events == []


def test_kubectl_get_watch_prints_changes(kube: KubeTarget, kubectl: Kubectl) -> None:
    proc = subprocess.Popen(
        [
            "kubectl",
            "--kubeconfig",
            str(kube.kubeconfig_path),
            "get",
            "cm",
            "-n",
            kube.namespace,
            "-w",
            "-o",
            "name",
            "--output-watch-events",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        kubectl("create", "configmap", "w", "-n", kube.namespace)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        while line.strip() == "configmap/kube-root-ca.crt":  # every namespace holds it
            line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert line.strip() == "configmap/w"
