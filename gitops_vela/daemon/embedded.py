"""``--embedded-cluster``: the Kubernetes API emulator, in-process, for trying the daemon.

Its state is kept in a snapshot file in the cache dir, so a restart finds the
objects it applied before, and a kubeconfig is written next to it for
``kubectl`` and ``gitops-vela status``/``diff``. It is an emulator, not a
cluster: nothing runs the containers.

The emulator is a distribution of its own (``gitops-vela-emulator``, import
``vela_emulator``) that the daemon image does not carry: it is imported here,
lazily, and only when asked for, so a daemon or CLI start loads none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_vela.errors import ConfigError
from gitops_vela.logs import get_logger
from gitops_vela.model.diagnostics import Diagnostic

if TYPE_CHECKING:
    from vela_emulator import Emulator

log = get_logger("gitops_vela.daemon")


def emulator_class() -> type[Emulator]:
    """The emulator's entry point, or a ConfigError saying how to install it."""
    try:
        from vela_emulator import Emulator
    except ImportError as exc:
        raise ConfigError(
            Diagnostic(
                path="--embedded-cluster",
                message="the Kubernetes API emulator is not installed: it is the separate "
                "distribution gitops-vela-emulator (in a checkout: pip install ./emulator)",
            )
        ) from exc
    return Emulator


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
        emulator = emulator_class()(kubeconfig=kubeconfig, snapshot=snapshot).start()
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
