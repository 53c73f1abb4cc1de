"""What the daemon's port answers: liveness, readiness, metrics, the push webhook.

``/readyz`` is 503, with the reason in the body, while this replica:

- has not computed its shard yet, or stands by for the leader lease (a
  standby gets no webhooks: the Service sends them to the leader only);
- has a repository whose first run has not finished (``notAttempted``);
- has a repository whose runs keep crashing (``crashing``: name -> crashes in
  a row, see ``daemon/runs.py``), a bug that needs a person;
- cannot reach the cluster (asked at most every ``CLUSTER_PROBE_TTL`` seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from gitops_vela.daemon.http import Reply
from gitops_vela.daemon.webhook import Deliveries, handle_hook
from gitops_vela.errors import ClusterError

if TYPE_CHECKING:
    from gitops_vela.daemon.service import Daemon

CLUSTER_PROBE_TTL = 10.0


class DaemonEndpoints:
    """The ``http.Endpoints`` of one daemon; reads its state, never changes it."""

    def __init__(self, daemon: Daemon) -> None:
        self._daemon = daemon
        self._deliveries = Deliveries()

    def live(self) -> Reply:
        return Reply(200, {"status": "ok"})

    def ready(self) -> Reply:
        daemon = self._daemon
        if daemon.shards is not None and not daemon.shards.computed:
            return Reply(503, {"status": "computing the shard"})
        if daemon.election is not None and not daemon.election.leading:
            return Reply(503, {"status": "standby", "lease": daemon.election.lock.name})
        names = daemon.reconciled()
        if waiting := daemon.runs.not_attempted(names):
            return Reply(503, {"status": "waiting", "notAttempted": waiting})
        if crashing := daemon.runs.crashing(names):
            return Reply(503, {"status": "reconcile crashing", "crashing": crashing})
        if not self._cluster_reachable():
            return Reply(503, {"status": "cluster unreachable", "cluster": daemon.cluster.host})
        return Reply(200, {"status": "ready"})

    def metrics_text(self) -> bytes:
        return self._daemon.metrics.exposition()

    def hook(self, *, body: bytes, headers: Mapping[str, str]) -> Reply:
        daemon = self._daemon
        return handle_hook(
            body=body,
            headers=headers,
            settings=daemon.settings,
            trigger=daemon.trigger,
            on_center_push=daemon.centers.invalidate,
            deliveries=self._deliveries,
        )

    def _cluster_reachable(self) -> bool:
        runs = self._daemon.runs
        known: bool | None = runs.cluster(fresher_than=CLUSTER_PROBE_TTL)
        if known is not None:
            return known
        try:
            self._daemon.cluster.version()
            reachable = True
        except ClusterError:
            reachable = False
        runs.saw_cluster(reachable)
        return reachable
