"""gitops-vela in its own long-lived process, driven like the daemon drives a repository.

``GitopsProcess`` starts a ``spawn`` child that keeps one ``Cluster``, the
daemon's watch cache and the render caches across polls, as the daemon does.
``poll()`` = load the catalog, render the repository, ``sync_apps`` (prune
on); it returns the render and sync times and what changed. ``drift()``
edits one owned object with another client (as ``kubectl edit`` would) and
does what the daemon does on the watch event: sync that one app; it returns
the seconds from the edit to the correction. ``dump()`` writes the last render as
YAML files for kubectl; ``rss()`` reports peak resident memory (VmHWM) of
the process and of its Jsonnet worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Poll:
    render_seconds: float
    sync_seconds: float
    apps: int
    services: int
    objects: int
    failures: int  # apps that failed to render or sync
    actions: dict[str, int]  # per-object actions of the sync (created, configured, ...)
    changed_objects: int  # objects whose rendered manifest differs from the previous poll's
    client_requests: dict[str, int]  # as the cluster client counted them, by verb
    cpu_seconds: float  # CPU of the gitops-vela process (Jsonnet workers not included)

    @property
    def seconds(self) -> float:
        return self.render_seconds + self.sync_seconds


@dataclass(frozen=True)
class Drift:
    seconds_to_correct: float  # from the edit's answer to the correcting write's
    seconds_to_event: float  # from the edit's answer to the watch event
    writes: int  # writes gitops-vela sent to correct it
    requests: int  # requests gitops-vela sent to correct it


@dataclass(frozen=True)
class Memory:
    process_mib: float  # peak RSS of the gitops-vela process
    workers_mib: float  # sum of the peak RSS of its Jsonnet workers
    workers: int

    @property
    def all_mib(self) -> float:
        """Every process of gitops-vela: the main one and its workers."""
        return self.process_mib + self.workers_mib


class GitopsProcess:
    def __init__(self, *, root: Path, repo: str, kubeconfig: Path, progress: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve,
            args=(child, str(root), repo, str(kubeconfig), progress),
            name="bench-gitops-vela",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._ask(("warm",))

    def _ask(self, message: tuple[Any, ...]) -> Any:
        self._conn.send(message)
        kind, value = self._conn.recv()
        if kind == "error":
            raise RuntimeError(f"gitops-vela side failed:\n{value}")
        return value

    def poll(self) -> Poll:
        return Poll(**self._ask(("poll",)))

    def dump(self, folder: Path, namespaces: list[str]) -> int:
        return int(self._ask(("dump", str(folder), namespaces)))

    def rss(self) -> Memory:
        return Memory(**self._ask(("rss",)))

    def drift(self) -> Drift:
        return Drift(**self._ask(("drift",)))

    def close(self) -> None:
        if self._process.is_alive():
            self._conn.send(("stop",))
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> GitopsProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the child side ------------------------------------------------------------------------


def serve(conn: Connection, root: str, repo: str, kubeconfig: str, progress: bool) -> None:
    import traceback

    side = _Side(Path(root), repo, kubeconfig, progress)
    try:
        while True:
            message = conn.recv()
            if message[0] == "stop":
                return
            try:
                conn.send(("ok", getattr(side, message[0])(*message[1:])))
            except Exception:
                conn.send(("error", traceback.format_exc()))
    finally:
        side.close()


class _Side:
    def __init__(self, root: Path, repo: str, kubeconfig: str, progress: bool) -> None:
        from gitops_vela.cluster import Cluster
        from gitops_vela.cluster.watchcache import WatchCache
        from gitops_vela.daemon.live import scope_for
        from gitops_vela.sync import DEFAULT_INVENTORY_NAMESPACE

        self.repo = repo
        self.progress = progress
        self.root = root
        self.kubeconfig = kubeconfig
        self.cluster = Cluster.connect(kubeconfig)
        self.previous: dict[Any, Any] = {}
        self.last: Any = None
        # (owner, kind, name, when): the drift check waits for its own ConfigMap's event, not
        # for any event of the app (a controller's status write to its Deployment is one too).
        self.events: queue.Queue[tuple[str, str, str, float]] = queue.Queue()
        self.watch = WatchCache(
            self.cluster,
            scope_for=scope_for(DEFAULT_INVENTORY_NAMESPACE),
            on_change=self._changed,
        ).attach()

    def close(self) -> None:
        self.watch.stop()
        self.cluster.close()

    def _changed(self, change: Any) -> None:
        from gitops_vela.model.labels import OWNER

        owner = change.labels.get(OWNER)
        obj = change.new if change.new is not None else change.old
        if owner and obj is not None:
            meta = obj.get("metadata", {})
            self.events.put((owner, obj.get("kind", ""), meta.get("name", ""), time.perf_counter()))

    def drift(self) -> dict[str, Any]:
        """Edit one app's ConfigMap live; on its watch event, sync that app alone (the daemon's
        path: ``LiveFeed`` marks the app, the run plans only it)."""
        from gitops_vela.cluster import Cluster
        from gitops_vela.model.labels import owner_value
        from gitops_vela.sync import SyncOptions, sync_apps

        app = self.last.apps[len(self.last.apps) // 2]
        config = next(o for o in app.objects if o["kind"] == "ConfigMap" and o.get("data"))
        key = next(iter(config["data"]))
        meta = config["metadata"]
        while not self.events.empty():  # status updates of earlier polls
            self.events.get_nowait()
        with Cluster.connect(self.kubeconfig) as other:
            resource = other.resource("v1", "ConfigMap")
            other.transport.request(
                "PATCH",
                resource.path(meta["namespace"], meta["name"]),
                verb="patch",
                query={"fieldManager": "kubectl-edit"},
                body={"data": {key: "edited live"}},
                content_type="application/merge-patch+json",
            )
        edited = time.perf_counter()
        owner = owner_value(app.repo, app.name)
        while True:
            try:
                seen, kind, name, when = self.events.get(timeout=10)
            except queue.Empty:
                raise RuntimeError("no watch event for the edited ConfigMap in 10 s") from None
            if (seen, kind, name) == (owner, "ConfigMap", meta["name"]):
                break
        before, writes = sum(self.cluster.requests.values()), self.cluster.writes
        result = sync_apps(self.cluster, [app], options=SyncOptions(prune=True))
        corrected = time.perf_counter()
        configured = [c for c in result.apps[0].changes.changes if str(c.action) == "configured"]
        if len(configured) != 1 or "drifted in the cluster" not in configured[0].reason:
            raise RuntimeError(f"the edit was not corrected: {result.apps[0].changes}")
        return asdict(
            Drift(
                seconds_to_correct=corrected - edited,
                seconds_to_event=when - edited,
                writes=self.cluster.writes - writes,
                requests=sum(self.cluster.requests.values()) - before,
            )
        )

    def warm(self) -> None:
        """What the daemon does at start-up: its process settings, then the Jsonnet workers."""
        from gitops_vela.daemon.main import tune_gc
        from gitops_vela.render import engine

        tune_gc()

        engine.evaluate([engine.Job("<bench>/warm.jsonnet", "{}")] * engine.pool().size)

    def poll(self) -> dict[str, Any]:
        from gitops_vela.catalog import load_catalog
        from gitops_vela.daemon.memory import release as release_memory
        from gitops_vela.model.objects import ObjectRef
        from gitops_vela.render import render_repository
        from gitops_vela.sync import SyncOptions, sync_apps

        cpu = sum(os.times()[:2])
        started = time.perf_counter()
        catalog = load_catalog(self.root, origin=self.repo)
        render = render_repository(self.root, repo=self.repo, catalog=catalog)
        release_memory(len(render.apps))  # what the daemon does after a big render (and sync)
        rendered = time.perf_counter()
        self.cluster.requests.clear()
        options = SyncOptions(prune=True, progress=self._printer() if self.progress else None)
        failed = {f.name for f in render.failures if f.name}
        result = sync_apps(self.cluster, render.apps, options=options, failed_apps=failed)
        synced = time.perf_counter()
        release_memory(len(render.apps))
        cpu = sum(os.times()[:2]) - cpu
        if self.progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        current = {ObjectRef.from_manifest(o): o for a in render.apps for o in a.objects}
        changed = sum(1 for ref, obj in current.items() if self.previous.get(ref) != obj)
        self.previous, self.last = current, render
        actions: Counter[str] = Counter(
            str(c.action) for app in result.apps for c in app.changes.changes
        )
        return asdict(
            Poll(
                render_seconds=rendered - started,
                sync_seconds=synced - rendered,
                apps=len(render.apps),
                services=sum(_services(self.root / a.path) for a in render.apps),
                objects=len(current),
                failures=len(render.failures) + sum(1 for a in result.apps if not a.ok),
                actions=dict(actions),
                changed_objects=changed,
                client_requests=dict(result.requests),
                cpu_seconds=cpu,
            )
        )

    def _printer(self) -> Any:
        def show(done: int, total: int) -> None:
            print(f"\r\033[K  sync {done}/{total} objects", end="", file=sys.stderr, flush=True)

        return show

    def dump(self, folder: str, namespaces: list[str]) -> int:
        """Write the last render for ``kubectl apply -f``: namespaces first, one file per app."""
        import yaml

        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        docs = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces
        ]
        (target / "000-namespaces.yaml").write_text(yaml.safe_dump_all(docs))
        count = 0
        for app in self.last.apps:
            (target / f"{app.name}.yaml").write_text(yaml.safe_dump_all(app.objects))
            count += len(app.objects)
        return count

    def rss(self) -> dict[str, Any]:
        workers = [pid for pid in _children(os.getpid())]
        return asdict(
            Memory(
                process_mib=_peak_mib("self"),
                workers_mib=sum(_peak_mib(str(pid)) for pid in workers),
                workers=len(workers),
            )
        )


def _services(appfile: Path) -> int:
    import yaml

    return len(yaml.safe_load(appfile.read_text()).get("services") or {})


def _peak_mib(pid: str) -> float:
    """VmHWM (peak resident set) of a process, from /proc, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: fields after the last ')' are fixed.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found
