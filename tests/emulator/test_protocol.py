"""Protocol details clients rely on: metadata-only answers, list freshness, SSA of bindings."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, own

ROOT = Path(__file__).parent.parent.parent
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
CMS = "/api/v1/namespaces/default/configmaps"


def _call(
    emulator: Emulator, path: str, *, accept: str = "", method: str = "GET"
) -> tuple[int, Any]:
    request = urllib.request.Request(emulator.url + path, method=method)
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _create_cm(emulator: Emulator, name: str) -> None:
    body = json.dumps(configmap(name, "default", {"secret-ish": "value"})).encode()
    request = urllib.request.Request(
        emulator.url + CMS, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request).close()


def test_list_as_partial_object_metadata_list(emulator: Emulator) -> None:
    _create_cm(emulator, "a")
    code, listed = _call(emulator, CMS, accept=METADATA_LIST)
    assert code == 200
    assert (listed["kind"], listed["apiVersion"]) == ("PartialObjectMetadataList", "meta.k8s.io/v1")
    assert listed["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in own(listed["items"])] == ["a"]
    assert set(listed["items"][0]) == {"kind", "apiVersion", "metadata"}  # no data
    assert listed["items"][0]["kind"] == "PartialObjectMetadata"


def test_get_as_partial_object_metadata_and_the_wrong_form_is_406(emulator: Emulator) -> None:
    _create_cm(emulator, "a")
    code, got = _call(emulator, f"{CMS}/a", accept=METADATA)
    assert code == 200
    assert got == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": got["metadata"],
    }
    assert got["metadata"]["name"] == "a" and got["metadata"]["uid"]
    code, refused = _call(emulator, f"{CMS}/a", accept=METADATA_LIST)
    assert code == 406 and refused["reason"] == "NotAcceptable"
    assert refused["message"] == (
        "you requested PartialObjectMetadataList, but the requested object is not a list "
        "(*v1.ConfigMap)"
    )
    assert _call(emulator, CMS, accept=METADATA)[0] == 406


def test_protobuf_first_then_json_metadata_is_answered_in_json(emulator: Emulator) -> None:
    accept = (
        "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
        + METADATA_LIST
    )
    code, listed = _call(emulator, CMS, accept=accept)
    assert code == 200 and listed["kind"] == "PartialObjectMetadataList"


def test_watch_as_partial_object_metadata(emulator: Emulator) -> None:
    _, listed = _call(emulator, CMS)
    rv = listed["metadata"]["resourceVersion"]
    _create_cm(emulator, "w")
    request = urllib.request.Request(
        f"{emulator.url}{CMS}?watch=true&resourceVersion={rv}&timeoutSeconds=1",
        headers={"Accept": METADATA},
    )
    with urllib.request.urlopen(request) as response:
        events = [json.loads(line) for line in response.read().decode().splitlines() if line]
    assert [e["type"] for e in events] == ["ADDED"]
    assert events[0]["object"]["kind"] == "PartialObjectMetadata"
    assert "data" not in events[0]["object"]


def _current_rv(emulator: Emulator) -> int:
    return int(_call(emulator, CMS)[1]["metadata"]["resourceVersion"])


@pytest.mark.slow
def test_list_not_older_than_a_future_version_is_504_after_waiting(emulator: Emulator) -> None:
    current = _current_rv(emulator)
    start = time.monotonic()
    future = current + 1000
    code, status = _call(
        emulator, f"{CMS}?resourceVersion={future}&resourceVersionMatch=NotOlderThan"
    )
    assert time.monotonic() - start >= 2.5  # the watch cache waits before giving up
    assert code == 504
    # The emulator is shared: its controllers may write while the request waits,
    # so "current" is whatever the store holds when the wait gives up.
    reported = int(status["message"].rsplit("current: ", 1)[1])
    assert current <= reported < future
    current = reported
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"Timeout: Too large resource version: {future}, current: {current}",
        "reason": "Timeout",
        "details": {
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
        "code": 504,
    }


def test_list_waits_for_a_version_that_arrives(emulator: Emulator) -> None:
    wanted = _current_rv(emulator) + 1
    writer = threading.Timer(0.3, _create_cm, args=(emulator, "late"))
    writer.start()
    code, listed = _call(
        emulator, f"{CMS}?resourceVersion={wanted}&resourceVersionMatch=NotOlderThan"
    )
    writer.join()
    assert code == 200
    assert int(listed["metadata"]["resourceVersion"]) >= wanted
    assert [i["metadata"]["name"] for i in own(listed["items"])] == ["late"]


def test_exact_future_version_fails_at_once_and_bad_options_are_422(emulator: Emulator) -> None:
    future = _current_rv(emulator) + 50
    code, status = _call(emulator, f"{CMS}?resourceVersion={future}&resourceVersionMatch=Exact")
    assert code == 504 and "retryAfterSeconds" not in status["details"]
    code, status = _call(emulator, f"{CMS}?resourceVersionMatch=NotOlderThan")
    assert code == 422
    assert status["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided"
    )
    code, status = _call(emulator, f"{CMS}?resourceVersion=1&resourceVersionMatch=Newest")
    assert code == 422
    assert 'supported values: "Exact", "NotOlderThan"' in status["message"]


def test_client_side_then_server_side_apply_of_the_deploy_bundle(
    kube: KubeTarget, kubectl: Kubectl
) -> None:
    if kube.emulator is None:
        pytest.skip("applies the cluster-wide bundle: emulator only")
    kubectl("apply", "-k", str(ROOT / "deploy"))
    again = kubectl.run("apply", "-k", str(ROOT / "deploy"), "--server-side")
    assert again.returncode == 0, again.stderr
    binding = json.loads(
        kubectl(
            "get",
            "rolebinding",
            "gitops-vela",
            "-n",
            "gitops-vela-system",
            "-o",
            "json",
            "--show-managed-fields",
        )
    )
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "gitops-vela", "namespace": "gitops-vela-system"}
    ]
    managers = {m["manager"] for m in binding["metadata"]["managedFields"]}
    assert "kubectl" in managers


def test_user_and_group_subjects_get_the_rbac_api_group(kube: KubeTarget) -> None:
    bindings = kube.dynamic_client().resources.get(
        api_version="rbac.authorization.k8s.io/v1", kind="RoleBinding"
    )
    body = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b", "namespace": kube.namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {
                "kind": "ServiceAccount",
                "name": "default",
                "namespace": kube.namespace,
                "apiGroup": "",
            },
        ],
    }
    bindings.create(body=body, namespace=kube.namespace)
    live = bindings.get(name="b", namespace=kube.namespace).to_dict()
    assert live["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
    assert "apiGroup" not in live["subjects"][1]  # "" is omitted, as Go's omitempty does
