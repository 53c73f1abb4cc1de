"""vela.libsonnet, the helper library every template imports, on its own."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_vela.errors import RenderError
from gitops_vela.render.engine import call_function

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api"},
    "spec": {
        "template": {
            "spec": {"containers": [{"name": "api", "image": "a"}, {"name": "proxy", "image": "p"}]}
        }
    },
}
CRONJOB = {
    "apiVersion": "batch/v1",
    "kind": "CronJob",
    "metadata": {"name": "report"},
    "spec": {
        "jobTemplate": {
            "spec": {"template": {"spec": {"containers": [{"name": "report", "image": "r"}]}}}
        }
    },
}


def run(body: str, **args: Any) -> Any:
    params = ", ".join(args)
    source = f"local vela = import 'vela.libsonnet';\nfunction({params}) {body}"
    return call_function(source, args=args, name="test")


def test_merge_by_name_replaces_in_place_and_appends_new() -> None:
    existing = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    added = [{"name": "C", "value": "3"}, {"name": "A", "value": "9"}]
    assert run("vela.mergeByName(a, b)", a=existing, b=added) == [
        {"name": "A", "value": "9"},
        {"name": "B", "value": "2"},
        {"name": "C", "value": "3"},
    ]


def test_patch_container_touches_only_the_named_one() -> None:
    out = run("o + vela.patchContainer(o, 'proxy', {args: ['-v']})", o=DEPLOYMENT)
    containers = out["spec"]["template"]["spec"]["containers"]
    assert containers == [
        {"name": "api", "image": "a"},
        {"name": "proxy", "image": "p", "args": ["-v"]},
    ]


def test_patches_reach_a_cronjob_pod_through_its_job_template() -> None:
    out = run("o + vela.patchEnv(o, 'report', [{name: 'X', value: '1'}])", o=CRONJOB)
    (main,) = out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert main["env"] == [{"name": "X", "value": "1"}]


def test_patch_volumes_merges_volumes_and_mounts() -> None:
    body = (
        "local once = o + vela.patchVolumes(o, [{name: 'v', emptyDir: {}}], {api: [{name: 'v', mountPath: '/v'}]});"
        "once + vela.patchVolumes(once, [{name: 'v', emptyDir: {medium: 'Memory'}}], {api: [{name: 'v', mountPath: '/w'}]})"
    )
    spec = run(body, o=DEPLOYMENT)["spec"]["template"]["spec"]
    assert spec["volumes"] == [{"name": "v", "emptyDir": {"medium": "Memory"}}]
    assert spec["containers"][0]["volumeMounts"] == [{"name": "v", "mountPath": "/w"}]
    assert "volumeMounts" not in spec["containers"][1]


def test_container_name_defaults_to_the_service_and_checks_a_given_one() -> None:
    ctx = {"name": "api"}
    assert run("vela.containerName(o, c)", o=DEPLOYMENT, c=ctx) == "api"
    assert run("vela.containerName(o, c, 'proxy')", o=DEPLOYMENT, c=ctx) == "proxy"
    with pytest.raises(RenderError, match='no container named "db" in api'):
        run("vela.containerName(o, c, 'db')", o=DEPLOYMENT, c=ctx)


def test_first_port_and_optional_fields() -> None:
    with_port = run(
        "o + vela.patchContainer(o, 'proxy', {ports: [vela.containerPort(9000)]})", o=DEPLOYMENT
    )
    assert run("vela.firstPort(o)", o=with_port) == 9000
    assert run("vela.firstPort(o, 'api')", o=with_port) is None
    assert run("vela.opt(p, 'cmd', 'command') + vela.when(false, {x: 1})", p={"cmd": ["a"]}) == {
        "command": ["a"]
    }
