"""``kubectl create role|clusterrole|rolebinding|job|cronjob|ingress`` send protobuf bodies:
the emulator stores what kubectl meant, the same object its ``--dry-run=client`` prints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

_COMMANDS = {
    "role": ["role", "reader", "--verb=get,list", "--resource=pods,deployments.apps"],
    "clusterrole": ["clusterrole", "agg", "--aggregation-rule=rbac.example.com/agg=true"],
    "rolebinding": ["rolebinding", "rb", "--role=reader", "--user=alice", "--group=devs"],
    "job": ["job", "once", "--image=busybox", "--", "echo", "hi"],
    "cronjob": ["cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
    "ingress": [
        "ingress",
        "web",
        "--class=nginx",
        "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
        "--rule=/path=svc2:http",
        "--default-backend=defsvc:80",
    ],
}
_SERVER_SET = {"uid", "resourceVersion", "managedFields", "generation", "creationTimestamp"}


def _meant(obj: Any) -> Any:
    """Without empty values, status and server-set metadata: what the client asked for."""
    if isinstance(obj, list):
        return [_meant(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    return {
        k: _meant(v)
        for k, v in obj.items()
        if v not in ({}, None, [], "") and k not in _SERVER_SET and k != "status"
    }


def _contained(wanted: Any, got: Any) -> bool:
    """Every field kubectl meant is stored as meant (the server may add defaults)."""
    if isinstance(wanted, dict):
        return isinstance(got, dict) and all(
            k in got and _contained(v, got[k]) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(got, list)
            and len(got) == len(wanted)
            and all(_contained(w, g) for w, g in zip(wanted, got, strict=True))
        )
    return bool(wanted == got)


@pytest.mark.parametrize("what", sorted(_COMMANDS))
def test_kubectl_create_kind_stores_what_kubectl_meant(
    kubectl: Kubectl, kube: KubeTarget, what: str
) -> None:
    args = _COMMANDS[what]
    cut = args.index("--") if "--" in args else len(args)
    head, tail = args[:cut], args[cut:]
    ns = ["-n", kube.namespace, "-o", "json"]
    meant = json.loads(kubectl("create", *head, *ns, "--dry-run=client", *tail))
    stored = json.loads(kubectl("create", *head, *ns, *tail))
    assert stored["metadata"]["uid"]  # created on the server, not a client-side dry run
    assert _contained(_meant(meant), _meant(stored)), (meant, stored)
