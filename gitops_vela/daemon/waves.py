"""Waves of a definition change: which apps a change reaches when, gated on their health.

A change to the definitions (a commit, a capability center's new ref) is
rolled out only to the apps it *touches*: those whose render with the new
definitions differs from their render with the definitions they run now. The
touched apps are ordered (``rollout.order`` labels or annotations first, then
by name) and cut into cumulative waves (``"1"``, ``"10%"``, ...). Each wave is
applied, then gated: every reached app Healthy within ``healthGate``, else the
rollout halts; after the gate holds, ``pause`` passes before the next wave.

Everything here is data in, data out, with the time passed in, so the daemon
and the tests drive the same state machine. The reconciler keeps which
definitions each app runs and renders accordingly (``daemon.reconcile``).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from gitops_vela.model.status import Health
from gitops_vela.render.waves import order_apps, wave_sizes
from gitops_vela.settings.tree import RolloutSettings
from gitops_vela.sync.health import HealthReport

__all__ = ["Command", "GateFailure", "Phase", "Rollout", "order_apps", "wave_sizes"]


class Phase(enum.StrEnum):
    GATING = "Gating"  # the current wave is applied; its apps must become Healthy
    PAUSING = "Pausing"  # the gate held; the next wave starts after ``pause``
    HALTED = "Halted"  # a wave's apps were not all Healthy within ``healthGate``
    PAUSED = "Paused"  # ``gitops-vela rollout pause``: no wave starts until resumed
    COMPLETE = "Complete"  # every touched app runs the new definitions
    ABORTED = "Aborted"  # ``gitops-vela rollout abort``: apps stay where they are


@dataclass(frozen=True, slots=True)
class GateFailure:
    """An app of a wave that was not Healthy in time, and the objects that were not."""

    app: str
    objects: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rollout:
    """One definition change on its way through the apps it touches.

    ``members`` are those apps in wave order; ``sizes`` the cumulative number
    reached by each wave; ``wave`` the index of the current one. ``since`` is
    when the current phase began (wall-clock seconds). ``held`` is the phase a
    pause interrupted, to go back to on resume.
    """

    revision: str  # the commit whose definitions are rolled out
    digest: str  # of those definitions (the catalog's digest)
    members: tuple[str, ...]
    sizes: tuple[int, ...]
    wave: int = 0
    phase: Phase = Phase.GATING
    since: float = 0.0
    failed: tuple[GateFailure, ...] = ()
    superseded: str = ""  # the revision of the rollout this one replaced
    rolled_back: bool = False  # the halt sent the reached apps back (``onFailure: rollback``)
    held: Phase | None = None

    @property
    def reached(self) -> frozenset[str]:
        """Apps that run the new definitions now."""
        if self.rolled_back or not self.members:
            return frozenset()
        return frozenset(self.members[: self.sizes[self.wave]])

    def waves(self) -> list[tuple[str, ...]]:
        """The apps each wave adds, in order."""
        bounds = (0, *self.sizes)
        return [self.members[a:b] for a, b in itertools.pairwise(bounds)]


def start(
    *,
    revision: str,
    digest: str,
    members: Sequence[str],
    settings: RolloutSettings,
    now: float,
    superseded: str = "",
) -> Rollout:
    """A rollout at its first wave (its apps are applied by this very run)."""
    sizes = wave_sizes(settings.waves, len(members))
    phase = Phase.GATING if members else Phase.COMPLETE
    return Rollout(
        revision=revision,
        digest=digest,
        members=tuple(members),
        sizes=sizes,
        phase=phase,
        since=now,
        superseded=superseded,
    )


def advance(rollout: Rollout, settings: RolloutSettings, *, now: float) -> Rollout:
    """Before a run renders: after the pause, the next wave begins."""
    if rollout.phase is Phase.PAUSING and now >= rollout.since + settings.pause:
        return replace(rollout, wave=rollout.wave + 1, phase=Phase.GATING, since=now)
    return rollout


def gate(
    rollout: Rollout,
    health: Mapping[str, HealthReport | None],
    settings: RolloutSettings,
    *,
    now: float,
) -> Rollout:
    """After a run synced: does the gate of the current wave hold, halt, or wait on?

    ``health`` is each reached app's health from this run's sync (``None``: it
    did not render or sync, which never passes a gate).
    """
    if rollout.phase is not Phase.GATING:
        return rollout
    unhealthy = [
        _failure(app, health.get(app))
        for app in sorted(rollout.reached)
        if not _ok(health.get(app))
    ]
    if not unhealthy:
        last = rollout.wave == len(rollout.sizes) - 1
        return replace(rollout, phase=Phase.COMPLETE if last else Phase.PAUSING, since=now)
    if now - rollout.since < settings.health_gate:
        return rollout
    return replace(
        rollout,
        phase=Phase.HALTED,
        since=now,
        failed=tuple(unhealthy),
        rolled_back=settings.on_failure == "rollback",
    )


def _ok(report: HealthReport | None) -> bool:
    return report is not None and report.health is Health.HEALTHY


def _failure(app: str, report: HealthReport | None) -> GateFailure:
    if report is None:
        return GateFailure(app, ("did not render or sync",))
    objects = tuple(
        f"{ref} is {verdict.health}" + (f": {verdict.message}" if verdict.message else "")
        for ref, verdict in report.objects
        if verdict.health is not Health.HEALTHY
    )
    return GateFailure(app, objects or (f"app is {report.health}",))


class Command(enum.StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    ABORT = "abort"


def command(rollout: Rollout, action: Command, *, now: float) -> Rollout:
    """``gitops-vela rollout pause|resume|abort``, applied to the rollout.

    Pause holds the current phase (the gate keeps being assessed on resume,
    with its full ``healthGate`` again); resume after a halt re-gates the same
    wave (after a rollback, it starts over at the first wave); abort ends the
    rollout where it stands. A finished or aborted rollout ignores commands.
    """
    if rollout.phase in (Phase.COMPLETE, Phase.ABORTED):
        return rollout
    if action is Command.ABORT:
        return replace(rollout, phase=Phase.ABORTED, since=now, held=None)
    if action is Command.PAUSE:
        if rollout.phase is Phase.PAUSED:
            return rollout
        return replace(rollout, phase=Phase.PAUSED, since=now, held=rollout.phase)
    if rollout.phase is Phase.HALTED:
        wave = 0 if rollout.rolled_back else rollout.wave
        return replace(
            rollout, phase=Phase.GATING, since=now, wave=wave, failed=(), rolled_back=False
        )
    if rollout.phase is Phase.PAUSED:
        back = rollout.held or Phase.GATING
        if back is Phase.HALTED:
            return command(replace(rollout, phase=Phase.HALTED, held=None), action, now=now)
        return replace(rollout, phase=back, since=now, held=None)
    return rollout
