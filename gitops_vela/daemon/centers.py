"""Capability centers shared by every repository of the daemon.

Each reconcile asks for the centers' definitions. A center is refreshed (one
``ls-remote``) at most every ``ttl`` seconds however many repositories ask,
and a refresh that finds a new commit waits until no render is reading the
old snapshot: the source deletes a superseded snapshot directory, and a
render holds the directory while templates import files from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gitops_vela.errors import SourceError
from gitops_vela.logs import get_logger
from gitops_vela.settings import CapabilityCenterSettings
from gitops_vela.source import (
    CapabilityCenter,
    CenterSnapshot,
    CenterSource,
    Credentials,
    OpHook,
    centers_digest,
)

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CenterDefinitions:
    """What a render needs: ``(name, definitions dir)`` pairs and one digest for all."""

    dirs: tuple[tuple[str, Path], ...]
    digest: str
    errors: tuple[str, ...] = ()  # centers that could not be fetched (the last good is used)


def to_credentials(settings: CapabilityCenterSettings) -> Credentials:
    creds = settings.credentials
    return Credentials(
        token_file=creds.token_file,
        ssh_key_file=creds.ssh_key_file,
        known_hosts_file=creds.known_hosts_file,
    )


class Centers:
    def __init__(
        self,
        centers: Sequence[CapabilityCenterSettings],
        *,
        cache_dir: Path,
        on_op: OpHook | None = None,
        ttl: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sources = [
            CenterSource(
                CapabilityCenter(
                    name=c.name, url=c.url, ref=c.ref, path=c.path, credentials=to_credentials(c)
                ),
                cache_dir=cache_dir,
                on_op=on_op,
            )
            for c in centers
        ]
        self._ttl, self._clock = ttl, clock
        self._refreshed_at: float | None = None
        self._errors: tuple[str, ...] = ()
        self._cond = threading.Condition()
        self._readers = 0
        self._refreshing = False

    def invalidate(self) -> None:
        """The next ``use`` refreshes (a center was pushed to)."""
        with self._cond:
            self._refreshed_at = None

    @contextmanager
    def use(self) -> Iterator[CenterDefinitions]:
        """The centers' definitions, valid until the block ends."""
        self._refresh_if_due()
        with self._cond:
            self._cond.wait_for(lambda: not self._refreshing)
            self._readers += 1
            current = self._current()
        try:
            yield current
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def _refresh_if_due(self) -> None:
        with self._cond:
            now = self._clock()
            due = self._refreshed_at is None or now - self._refreshed_at >= self._ttl
            if not self._sources or not due or self._refreshing:
                return
            self._refreshing = True
            # Renders started earlier finish with the old snapshot first.
            self._cond.wait_for(lambda: self._readers == 0)
        errors: list[str] = []
        try:
            for source in self._sources:
                try:
                    source.fetch()
                except SourceError as exc:
                    errors.append(exc.message)
                    log.warning(
                        "capability center unavailable",
                        center=source.center.name,
                        error=exc.message,
                    )
        finally:
            with self._cond:
                self._refreshing = False
                self._refreshed_at = self._clock()
                self._errors = tuple(errors)
                self._cond.notify_all()

    def _current(self) -> CenterDefinitions:
        snapshots: list[CenterSnapshot] = [s.current for s in self._sources if s.current]
        return CenterDefinitions(
            dirs=tuple((s.name, s.definitions_dir) for s in snapshots),
            digest=centers_digest(snapshots),
            errors=self._errors,
        )
