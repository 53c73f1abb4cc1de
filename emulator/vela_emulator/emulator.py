"""The :class:`Emulator`: a Kubernetes API server on 127.0.0.1 for tests and trying things.

::

    with Emulator() as emu:
        client = kubernetes.client.ApiClient(emu.client_configuration())
        ...                                   # or: kubectl --kubeconfig emu.kubeconfig_path
        emu.faults.add(verb="patch", resource="deployments", status=503, times=2)
        emu.simulation.fail("Deployment", "web", namespace="shop")
        emu.counters.snapshot()
        emu.reset()                           # a fresh cluster again (kube-system, default/kubernetes)
        token = emu.users.add("system:serviceaccount:ops:deployer")  # RBAC applies to it
        emu.write_kubeconfig(path, token=token)

It is never presented as a cluster: no scheduler, no pods run, no admission
webhooks. RBAC applies to impersonated requests and to users added with
``emu.users.add``; the default kubeconfig is the all-powerful admin. See docs/emulator.md.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from vela_emulator import crds, seeds
from vela_emulator.api import Api
from vela_emulator.authn import ADMIN_TOKEN, Authenticator
from vela_emulator.calls import Call
from vela_emulator.controllers import DEFAULT_TICK, ControllerLoop
from vela_emulator.deletion import Deleter
from vela_emulator.faults import Counters, Faults
from vela_emulator.recorder import Recorder
from vela_emulator.registry import Registry
from vela_emulator.seeds import NamespaceDefaults
from vela_emulator.server import EmulatorHTTPServer
from vela_emulator.simulation import Simulator
from vela_emulator.store import WATCH_LOG_SIZE, Store
from vela_emulator.workloads import Workloads

INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
CONTEXT = "gitops-vela-emulator"


class Emulator:
    """A running emulator. Start with ``with Emulator() as emu`` or :meth:`start`/:meth:`stop`.

    ``port=0`` picks a free port. ``status_delay`` > 0 writes simulated status
    that many seconds after a change instead of at once (:meth:`settle` forces
    it). ``snapshot`` names a JSON file loaded at start and saved at stop.
    ``kubeconfig`` is where to write the kubeconfig (default: a temporary file).
    ``watch_history`` is how many events a watch can resume from (older: 410 Expired).
    ``controller_tick`` is the pause between rounds of the controllers (garbage collector,
    namespace controller): deletions take a few ticks; :meth:`settle` finishes them now.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        status_delay: float = 0.0,
        snapshot: str | os.PathLike[str] | None = None,
        kubeconfig: str | os.PathLike[str] | None = None,
        watch_history: int = WATCH_LOG_SIZE,
        controller_tick: float = DEFAULT_TICK,
    ) -> None:
        self.store = Store(log_size=watch_history)
        self.registry = Registry()
        self.users = Authenticator()  # the admin's token, users.add ones and issued ones
        self.api = Api(self.store, self.registry, self.users)
        self.controllers = ControllerLoop(self.store, tick=controller_tick)
        self.deleter = Deleter(self.api, self.controllers)
        self.faults = Faults()
        self.counters = Counters()
        self.simulation = Simulator(self.api, delay=status_delay)
        self.workloads = Workloads(
            self.api,
            self.simulation,
            delete=self.deleter.delete_object,
            recorder=Recorder(self.store),
            kick=self.controllers.kick,
        )
        self.deleter.after_remove.append(self.workloads.on_remove)
        self.deleter.after_remove.append(self.simulation.on_remove)
        self.controllers.add(self.workloads)
        self.namespace_defaults = NamespaceDefaults(self.api)
        self._port = port
        self._snapshot = Path(snapshot) if snapshot else None
        self._kubeconfig_arg = Path(kubeconfig) if kubeconfig else None
        self._kubeconfig: Path | None = None
        self._server: EmulatorHTTPServer | None = None
        self._fresh: str | None = None  # the seeded state as JSON, restored by reset()
        self._thread: threading.Thread | None = None

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        if self._snapshot is not None and self._snapshot.exists():
            self.load(self._snapshot)
        else:
            self._seed()
        self._server = EmulatorHTTPServer(
            ("127.0.0.1", self._port),
            api=self.api,
            deleter=self.deleter,
            faults=self.faults,
            counters=self.counters,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="emulator-http",
            daemon=True,
        )
        self._thread.start()
        self.simulation.start()
        self.controllers.start()
        self._kubeconfig = self.write_kubeconfig(self._kubeconfig_arg)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.simulation.stop()
        self.controllers.stop()
        if self._snapshot is not None:
            self.save(self._snapshot)
        if self._kubeconfig is not None and self._kubeconfig_arg is None:
            self._kubeconfig.unlink(missing_ok=True)
        self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----- where it is -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def kubeconfig_path(self) -> Path:
        if self._kubeconfig is None:
            raise RuntimeError("the emulator is not running")
        return self._kubeconfig

    def kubeconfig(self, *, token: str = ADMIN_TOKEN) -> dict[str, Any]:
        """A kubeconfig document whose current context points at this emulator, as the
        admin or as the user of a ``users.add`` token."""
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": CONTEXT, "cluster": {"server": self.url}}],
            "users": [{"name": CONTEXT, "user": {"token": token}}],
            "contexts": [
                {
                    "name": CONTEXT,
                    "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": "default"},
                }
            ],
            "current-context": CONTEXT,
            "preferences": {},
        }

    def write_kubeconfig(
        self, path: str | os.PathLike[str] | None = None, *, token: str = ADMIN_TOKEN
    ) -> Path:
        if path is None:
            fd, name = tempfile.mkstemp(prefix="gitops-vela-emulator-", suffix=".kubeconfig")
            os.close(fd)
            path = name
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(self.kubeconfig(token=token), sort_keys=False))
        return target

    def client_configuration(self, *, token: str = ADMIN_TOKEN) -> Any:
        """A ``kubernetes.client.Configuration`` for this emulator (admin, or a ``users.add`` token)."""
        from kubernetes import client  # imported late: only users of the Python client need it

        config = client.Configuration()
        config.host = self.url
        config.api_key = {"authorization": f"Bearer {token}"}
        return config

    # ----- state -----------------------------------------------------------------------------

    def _seed(self) -> None:
        """A fresh cluster's objects. Built through the API once (defaults, validation, the
        controllers running CoreDNS), then restored from that state: a reset costs a load,
        not the dozens of writes and controller rounds of the first time."""
        if self._fresh is not None:
            self.store.load(json.loads(self._fresh))
            return
        seeds.seed_cluster(self.api)
        ns_type = self.registry.get("", "v1", "namespaces")
        assert ns_type is not None
        for name in INITIAL_NAMESPACES:
            body = json.dumps(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            ).encode()
            self.api.create(
                Call("create", ns_type, body=body, query={"fieldManager": "kube-apiserver"})
            )
        seeds.seed_system(self.api)
        # the control plane is up before anyone connects: its Pods are Running already
        self.controllers.settle()
        self.simulation.settle()
        self._fresh = json.dumps(self.store.dump())

    def reset(self) -> None:
        """Back to a fresh cluster: objects, CRD kinds, faults, controls and counters cleared."""
        with self.store.lock:
            self.store.reset()
            for rtype in list(self.registry):
                if rtype.crd:
                    self.registry.remove_crd(rtype.crd)
            self.simulation.reset()
            self.controllers.reset()
            self._seed()
        self.faults.clear()
        self.counters.reset()
        self.users.clear()

    def settle(self) -> None:
        """Finish pending controller work now: simulated status (``status_delay``), garbage
        collection and namespace termination (until only finalizers hold objects)."""
        self.simulation.settle()
        self.controllers.settle()
        self.simulation.settle()

    def objects(self) -> int:
        return self.store.count()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write every object to a JSON file (what ``--snapshot`` keeps across restarts)."""
        data = self.store.dump()
        target = Path(path)
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(target)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Replace the state with a snapshot file; CRDs in it register their kinds again."""
        data = json.loads(Path(path).read_text())
        with self.store.lock:
            self.store.load(data)
            self.api.allocator.taken(self.store.items(("", "services")))
            for crd in self.store.items(("apiextensions.k8s.io", "customresourcedefinitions")):
                self.registry.add_crd_types(crd["metadata"]["name"], crds.types_from_crd(crd))
            self.controllers.reset()
            self.controllers.resync()
            self.simulation.forget_index()
