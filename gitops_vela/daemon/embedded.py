"""``--embedded-cluster``: the Kubernetes API emulator, in-process, for trying the daemon.

Its state is kept in a snapshot file in the cache dir, so a restart finds the
objects it applied before, and a kubeconfig is written next to it for
``kubectl`` and ``gitops-vela status``/``diff``. It is an emulator, not a
cluster: nothing runs the containers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gitops_vela.logs import get_logger
from gitops_vela.testing import Emulator

log = get_logger("gitops_vela.daemon")


@dataclass(frozen=True, slots=True)
class EmbeddedCluster:
    url: str
    kubeconfig: Path
    snapshot: Path

    @staticmethod
    @contextmanager
    def start(cache_dir: Path) -> Iterator[EmbeddedCluster]:
        folder = cache_dir / "embedded"
        folder.mkdir(parents=True, exist_ok=True)
        kubeconfig, snapshot = folder / "kubeconfig", folder / "state.json"
        emulator = Emulator(kubeconfig=kubeconfig, snapshot=snapshot).start()
        embedded = EmbeddedCluster(url=emulator.url, kubeconfig=kubeconfig, snapshot=snapshot)
        log.info(
            "embedded cluster started (an emulator: nothing runs containers)",
            url=embedded.url,
            kubeconfig=str(kubeconfig),
            hint=f"export KUBECONFIG={kubeconfig}",
        )
        try:
            yield embedded
        finally:
            try:
                emulator.stop()  # saves the state to the snapshot file
            except OSError as exc:
                log.error("could not save the embedded cluster's state", error=str(exc))
