"""The watch cache against the emulator: list once, follow changes, survive 410 and restarts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, Resource, RetryPolicy
from gitops_vela.cluster.transport import Stream
from gitops_vela.cluster.watchcache import LiveChange, Reflector, Scope, WatchCache
from gitops_vela.model.labels import OWNER
from gitops_vela.model.owned import OwnedView, owned_view, same_owned
from gitops_vela.sync import SyncOptions, sync_apps
from tests.emulator.helpers import eventually
from tests.sync.conftest import app, config_map, deployment, edit_replicas

FAST = RetryPolicy(attempts=2, base=0.01, cap=0.05, timeout=5.0)
HOLD = 4.0  # seconds the emulator holds a watch request (time enough for a few writes)


def by_owner(resource: Resource, namespace: str, selector: str) -> Scope | None:
    """The daemon's rule, reduced: lists by the ownership label share one cluster-wide scope."""
    if selector.split(",")[0].split("=")[0] == OWNER:
        return Scope(resource, "", OWNER)
    return None


class Recorder:
    def __init__(self) -> None:
        self.changes: list[LiveChange] = []
        self._cond = threading.Condition()

    def __call__(self, change: LiveChange) -> None:
        with self._cond:
            self.changes.append(change)
            self._cond.notify_all()

    def wait_for(self, test: Callable[[LiveChange], bool], timeout: float = 10.0) -> LiveChange:
        with self._cond:
            found: list[LiveChange] = []

            def seen() -> bool:
                found[:] = [c for c in self.changes if test(c)]
                return bool(found)

            assert self._cond.wait_for(seen, timeout=timeout), self.changes
            return found[-1]


def open_watch(reflector: Reflector) -> Stream:
    """The reflector's watch once its request is answered.

    A fault armed after this hits the next watch request, never the one in flight:
    the emulator picks a request's fault before it answers, and ``_stream`` is set
    only once the answer came (arming while it is None races with the reconnect).
    """
    stream: Stream = eventually(lambda: reflector._stream)
    return stream


@pytest.fixture
def cached(cluster: Cluster) -> Iterator[tuple[Cluster, WatchCache, Recorder]]:
    recorder = Recorder()
    cache = WatchCache(cluster, scope_for=by_owner, on_change=recorder, retry_cap=0.2).attach()
    try:
        yield cluster, cache, recorder
    finally:
        cache.stop()


def _scale(emulator: Emulator, name: str, replicas: int) -> None:
    """Another client edits the Deployment (as ``kubectl edit`` would)."""
    with Cluster(emulator.client_configuration(), retry=FAST) as other:
        edit_replicas(other, "shop", name, replicas)


def test_a_quiet_sync_sends_no_list_and_a_live_edit_is_reported(
    emulator: Emulator, cached: tuple[Cluster, WatchCache, Recorder]
) -> None:
    cluster, cache, recorder = cached
    shop = app("shop", deployment("web"), config_map("settings", color="blue"))
    first = sync_apps(cluster, [shop], options=SyncOptions())
    assert first.ok, first
    emulator.counters.reset()
    again = sync_apps(cluster, [shop], options=SyncOptions())
    assert again.ok
    by_verb = emulator.counters.by_verb()
    # the ownership lists come from the cache; only what it does not cover is asked for
    assert by_verb.get("patch", 0) == 0, by_verb
    assert by_verb.get("list", 0) <= 2, by_verb  # namespaces + inventories (not this scope)
    assert all(r.lists == 1 for r in cache.reflectors)

    _scale(emulator, "web", 3)
    change = recorder.wait_for(
        lambda c: c.new is not None and c.new.get("spec", {}).get("replicas") == 3
    )
    assert change.labels[OWNER] == "acme.shop"
    assert change.resource.kind == "Deployment"

    fixed = sync_apps(cluster, [shop], options=SyncOptions())
    web = next(c for c in fixed.apps[0].changes.changes if c.ref.name == "web")
    assert web.action.value == "configured" and "spec.replicas" in web.reason


def test_own_writes_are_read_back_at_once(
    emulator: Emulator, cached: tuple[Cluster, WatchCache, Recorder]
) -> None:
    """Read-your-writes: the next sync plans from what the last apply returned, not from
    a watch event that may still be on its way (no second write, no list)."""
    cluster, cache, _recorder = cached
    assert sync_apps(cluster, [app("shop", config_map("settings", color="blue"))]).ok
    assert sync_apps(cluster, [app("shop", config_map("settings", color="red"))]).ok
    resource = cluster.resource("v1", "ConfigMap")
    (view,) = cache.list(resource, namespace="shop", label_selector=f"{OWNER}=acme.shop") or []
    assert view["data"] == {"color": "red"}
    emulator.counters.reset()
    assert sync_apps(cluster, [app("shop", config_map("settings", color="red"))]).ok
    assert emulator.counters.writes == 0


def test_a_write_of_ours_that_moves_an_object_to_another_app_is_news(
    cached: tuple[Cluster, WatchCache, Recorder],
) -> None:
    """Repositories of one daemon share its cache: when one takes an object another app
    held, the app that lost it must hear of it (its status would stay "Synced" else)."""
    cluster, _cache, recorder = cached
    assert sync_apps(cluster, [app("shop", config_map("settings", color="blue"))]).ok
    taken = cluster.get(cluster.resource("v1", "ConfigMap"), namespace="shop", name="settings")
    assert taken is not None
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "shop", "labels": {OWNER: "other.shop"}},
        "data": {"color": "blue"},
    }
    cluster.apply(manifest)
    moved = recorder.wait_for(lambda c: "other.shop" in c.values_of(OWNER))
    assert moved.values_of(OWNER) == ("acme.shop", "other.shop")


def test_an_apps_list_unpacks_only_its_objects_and_follows_a_change_of_hands(
    cached: tuple[Cluster, WatchCache, Recorder],
) -> None:
    """Views are kept packed, indexed by owner: one app's list reads its objects only,
    the index follows an object taken by another app, and what a reader changes in
    what it got never reaches the cache."""
    cluster, cache, recorder = cached
    shop = app("shop", config_map("settings", color="blue"), config_map("flags", beta="on"))
    assert sync_apps(cluster, [shop]).ok
    resource = cluster.resource("v1", "ConfigMap")
    (reflector,) = cache.reflectors

    def names(owner: str) -> list[str]:
        views = cache.list(resource, namespace="shop", label_selector=f"{OWNER}={owner}")
        return sorted(v["metadata"]["name"] for v in views or [])

    assert names("acme.shop") == ["flags", "settings"]
    assert names("other.shop") == []
    assert reflector.size()[0] == 2 and reflector.size()[1] > 100  # bytes of packed views

    (flags,) = [v for v in reflector.items("acme.shop") or [] if v["metadata"]["name"] == "flags"]
    flags["data"]["beta"] = "changed by a reader"
    again = cache.list(resource, namespace="shop", label_selector=f"{OWNER}=acme.shop") or []
    assert {v["metadata"]["name"]: v["data"] for v in again}["flags"] == {"beta": "on"}

    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "flags", "namespace": "shop", "labels": {OWNER: "other.shop"}},
            "data": {"beta": "on"},
        }
    )
    recorder.wait_for(lambda c: "other.shop" in c.values_of(OWNER))
    assert names("acme.shop") == ["settings"]
    assert names("other.shop") == ["flags"]


def test_own_writes_are_not_reported_back_and_status_updates_are_told_apart(
    emulator: Emulator, cached: tuple[Cluster, WatchCache, Recorder]
) -> None:
    cluster, _cache, recorder = cached
    assert sync_apps(cluster, [app("shop", config_map("settings", color="blue"))]).ok
    assert sync_apps(cluster, [app("shop", config_map("settings", color="red"))]).ok
    assert sync_apps(cluster, [app("shop", deployment("web"))]).ok
    time.sleep(1.0)  # the watch events of those writes (and the simulated status) arrive
    news = [c for c in recorder.changes if not c.status_only]
    assert news == [], news
    _scale(emulator, "web", 2)
    edit = recorder.wait_for(
        lambda c: (
            c.old is not None
            and c.new is not None
            and c.old.get("spec", {}).get("replicas") != c.new.get("spec", {}).get("replicas") == 2
        )
    )
    assert not edit.status_only


def test_an_expired_watch_lists_again_and_reports_what_it_missed(
    emulator: Emulator, cached: tuple[Cluster, WatchCache, Recorder]
) -> None:
    cluster, cache, recorder = cached
    shop = app("shop", deployment("web"))
    assert sync_apps(cluster, [shop]).ok
    (reflector,) = [r for r in cache.reflectors if r.scope.resource.kind == "Deployment"]
    stream = open_watch(reflector)
    gone = emulator.faults.add(verb="watch", resource="deployments", status=410, times=1)
    stream.close()  # the reconnect is answered 410 (an HTTP status, not an ERROR event)
    eventually(lambda: gone.hits == 1)
    eventually(lambda: reflector.lists >= 2)
    eventually(lambda: reflector.in_step)
    _scale(emulator, "web", 2)
    recorder.wait_for(lambda c: c.new is not None and c.new.get("spec", {}).get("replicas") == 2)


def test_history_expired_on_the_server_is_a_relist(tmp_path: Path) -> None:
    """A watch resumed from a version the server no longer keeps gets an ERROR 410
    event: the reflector lists again and reports what changed meanwhile."""
    with Emulator(watch_history=3) as emu, Cluster(emu.client_configuration(), retry=FAST) as c:
        recorder = Recorder()
        cache = WatchCache(c, scope_for=by_owner, on_change=recorder, retry_cap=0.2).attach()
        try:
            shop = app("shop", deployment("web"))
            assert sync_apps(c, [shop]).ok
            (reflector,) = [r for r in cache.reflectors if r.scope.resource.kind == "Deployment"]
            stream = open_watch(reflector)
            # The reconnect is held at the server (before it reads its resourceVersion)
            # while more changes than it keeps are made: it then resumes from too old a version.
            held = emu.faults.add(verb="watch", resource="deployments", latency=HOLD, times=1)
            stream.close()
            eventually(lambda: held.hits == 1)
            lists, started = reflector.lists, time.monotonic()  # the reflector waits on the hold
            for i in range(6):
                c.apply(
                    config_map(f"noise-{i}")
                    | {"metadata": {"name": f"n{i}", "namespace": "default"}}
                )
            _scale(emu, "web", 4)
            assert time.monotonic() - started < HOLD, "the writes outlasted the hold"
            recorder.wait_for(
                lambda ch: ch.new is not None and ch.new.get("spec", {}).get("replicas") == 4,
                timeout=HOLD + 10,
            )
            assert reflector.lists == lists + 1  # the 410 event's relist, which saw the edit
        finally:
            cache.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_cache_survives_an_api_server_restart(tmp_path: Path) -> None:
    port, state = _free_port(), tmp_path / "state.json"
    kubeconfig = tmp_path / "kubeconfig"
    first = Emulator(port=port, snapshot=state, kubeconfig=kubeconfig).start()
    second: Emulator | None = None
    client = Cluster(first.client_configuration(), retry=FAST)
    recorder = Recorder()
    cache = WatchCache(client, scope_for=by_owner, on_change=recorder, retry_cap=0.2).attach()
    try:
        assert sync_apps(client, [app("shop", deployment("web"))]).ok
        (reflector,) = [r for r in cache.reflectors if r.scope.resource.kind == "Deployment"]
        first.stop()
        eventually(lambda: not reflector.in_step)
        assert cache.list(reflector.scope.resource, namespace="", label_selector=OWNER) is None
        second = Emulator(port=port, snapshot=state, kubeconfig=kubeconfig).start()
        eventually(lambda: reflector.in_step, timeout=15)
        _scale(second, "web", 5)
        recorder.wait_for(
            lambda ch: ch.new is not None and ch.new.get("spec", {}).get("replicas") == 5
        )
    finally:
        cache.stop()
        client.close()
        first.stop()
        if second is not None:
            second.stop()


def test_a_view_keeps_identity_our_fields_health_fields_and_status() -> None:
    live = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": "u1",
            "resourceVersion": "7",
            "labels": {OWNER: "acme.shop"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "a": "b"},
            "managedFields": [
                {
                    "manager": "gitops-vela",
                    "operation": "Apply",
                    "fieldsV1": {
                        "f:metadata": {"f:labels": {f"f:{OWNER}": {}}},
                        "f:spec": {
                            "f:template": {
                                "f:spec": {
                                    "f:containers": {
                                        'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}
                                    }
                                }
                            }
                        },
                    },
                },
                {
                    "manager": "hpa",
                    "operation": "Update",
                    "fieldsV1": {"f:spec": {"f:replicas": {}}},
                },
            ],
        },
        "spec": {
            "replicas": 4,
            "progressDeadlineSeconds": 600,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx", "imagePullPolicy": "Always"},
                        {"name": "sidecar", "image": "envoy"},
                    ],
                    "dnsPolicy": "ClusterFirst",
                }
            },
        },
        "status": {"readyReplicas": 4},
    }
    view = owned_view(live)
    assert isinstance(view, OwnedView)
    assert view["metadata"] == {
        "name": "web",
        "namespace": "shop",
        "uid": "u1",
        "resourceVersion": "7",
        "labels": {OWNER: "acme.shop"},
        "annotations": {"a": "b"},
    }
    assert view["spec"] == {
        "replicas": 4,  # the HPA's, kept for health
        "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}},
    }
    assert view["status"] == {"readyReplicas": 4}
    assert owned_view(view) is view
    changed = {**live, "metadata": {**live["metadata"], "resourceVersion": "8"}}
    assert same_owned(changed, view)
    other = {
        **live,
        "spec": {
            **live["spec"],
            "template": {"spec": {"containers": [{"name": "web", "image": "httpd"}]}},
        },
    }
    assert not same_owned(other, view)
