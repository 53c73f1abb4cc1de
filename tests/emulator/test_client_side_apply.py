"""kubectl's client-side apply: three-way strategic merge with the OpenAPI merge keys."""

from __future__ import annotations

import json

from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import deployment, to_yaml


def test_three_way_merge_keeps_fields_added_by_others(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    body = deployment("web", ns)
    container = body["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "A", "value": "1"}]
    kubectl("apply", "-f", "-", stdin=to_yaml(body))
    kubectl("set", "env", "deployment/web", "-n", ns, "B=2")
    container["env"] = [{"name": "A", "value": "changed"}]
    kubectl("apply", "-f", "-", stdin=to_yaml(body))
    live = json.loads(kubectl("get", "deploy", "web", "-n", ns, "-o", "json"))
    env = {e["name"]: e["value"] for e in live["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env == {"A": "changed", "B": "2"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in live["metadata"]["annotations"]
    assert kubectl.run("diff", "-f", "-", stdin=to_yaml(body)).returncode == 0
