"""Cutting the apps a definition change touches into cumulative waves (``rollout.waves``).

Pure and offline, so the daemon's rollout and ``review`` (which prints the
waves a pull request's definition change would go through) cut them the same.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from gitops_vela.model.rendered import RenderedApp


def plan_waves(
    apps: Iterable[RenderedApp], waves: Sequence[str], order: Sequence[str]
) -> list[tuple[str, ...]]:
    """The app names each wave adds, in order."""
    members = order_apps(apps, order)
    bounds = (0, *wave_sizes(waves, len(members)))
    return [members[a:b] for a, b in itertools.pairwise(bounds)]


def wave_sizes(waves: Sequence[str], total: int) -> tuple[int, ...]:
    """Cumulative apps reached per wave, for ``total`` touched apps.

    A percentage is rounded up (so ``10%`` of 3 apps is 1), every wave reaches
    at least one app more than the one before or is dropped, and the last
    wave reaches every app even when the list does not end at 100%.
    """
    sizes: list[int] = []
    if total == 0:
        return ()
    for wave in waves:
        wanted = math.ceil(total * int(wave[:-1]) / 100) if wave.endswith("%") else int(wave)
        count = min(max(wanted, 1), total)
        if not sizes or count > sizes[-1]:
            sizes.append(count)
    if not sizes or sizes[-1] < total:
        sizes.append(total)
    return tuple(sizes)


def order_apps(apps: Iterable[RenderedApp], keys: Sequence[str]) -> tuple[str, ...]:
    """App names sorted by the ``order`` keys (label, else annotation), then by name.

    Values compare as numbers when both are numbers (tier ``2`` before ``10``);
    an app without a key sorts after every app that has it.
    """

    def sort_key(app: RenderedApp) -> tuple[object, ...]:
        parts: list[object] = []
        for key in keys:
            value = app.labels.get(key, app.annotations.get(key))
            if value is None:
                parts.append((2, 0, ""))
            elif value.isdigit():
                parts.append((0, int(value), value))
            else:
                parts.append((1, 0, value))
        return (*parts, app.name)

    return tuple(app.name for app in sorted(apps, key=sort_key))
