"""``gitops-vela rollout pause|resume|abort``: recorded in the cluster, read by every replica.

The record is one ConfigMap per repository, ``gitops-vela-rollout-<repo>`` in
the daemon's namespace (where inventories and leases live). A command is
written with a fresh ``id``; the daemon that reconciles the repository
applies a command whose ``id`` it has not handled yet, then writes that id
to ``handled`` and the rollout as it stands to ``state``. The cluster rather
than Git: a command must reach a halted rollout within one reconcile without
a commit to the very repository the rollout is about, and whichever replica
holds the repository's shard reads the same object.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.waves import Command
from gitops_vela.model import labels

PREFIX = "gitops-vela-rollout-"


def control_name(repo: str) -> str:
    return f"{PREFIX}{repo}"


@dataclass(frozen=True, slots=True)
class Control:
    """What the repository's control record says."""

    command: Command | None = None
    id: str = ""
    requested_at: str = ""
    handled: str = ""  # the id of the last command the daemon applied
    state: str = ""  # the rollout, as the daemon last wrote it (YAML)

    @property
    def pending(self) -> bool:
        return self.command is not None and bool(self.id) and self.id != self.handled


def read_control(cluster: Cluster, *, namespace: str, repo: str) -> Control:
    """The record (an empty one when there is none, or it holds no known command)."""
    found = _get(cluster, namespace=namespace, repo=repo)
    data: dict[str, Any] = dict((found or {}).get("data") or {})
    try:
        command = Command(data.get("command", ""))
    except ValueError:
        command = None
    return Control(
        command=command,
        id=str(data.get("id", "")),
        requested_at=str(data.get("requestedAt", "")),
        handled=str(data.get("handled", "")),
        state=str(data.get("state", "")),
    )


def request(cluster: Cluster, command: Command, *, namespace: str, repo: str) -> str:
    """Record ``command`` for the repository's daemon; its id."""
    ident = secrets.token_hex(8)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _update(
        cluster,
        namespace=namespace,
        repo=repo,
        changes={"command": str(command), "id": ident, "requestedAt": now},
    )
    return ident


def acknowledge(cluster: Cluster, *, namespace: str, repo: str, handled: str, state: str) -> None:
    """The daemon's side: the command it applied, and the rollout now."""
    _update(cluster, namespace=namespace, repo=repo, changes={"handled": handled, "state": state})


def _get(cluster: Cluster, *, namespace: str, repo: str) -> dict[str, Any] | None:
    resource = cluster.resource("v1", "ConfigMap")
    return cluster.get(resource, namespace=namespace, name=control_name(repo))


def _update(cluster: Cluster, *, namespace: str, repo: str, changes: dict[str, str]) -> None:
    """Read, change, apply the whole record: the CLI and the daemon apply as one field
    manager, so each must send the other's keys too or server-side apply drops them."""
    found = _get(cluster, namespace=namespace, repo=repo)
    data = {str(k): str(v) for k, v in ((found or {}).get("data") or {}).items()}
    data.update(changes)
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": control_name(repo),
                "namespace": namespace,
                "labels": {labels.MANAGED_BY: labels.MANAGED_BY_VALUE},
            },
            "data": data,
        }
    )
