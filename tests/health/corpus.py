"""The health corpus: live objects from the peers' own health tests, with their verdicts.

``corpus/`` is a copy of the shared ecosystem test data (see ``corpus/README.md``
for where each file comes from). ``agreement()`` measures how often our verdict
matches each peer's; ``python -m tests.health.corpus`` prints it.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from gitops_vela.model.status import Health
from gitops_vela.sync.health import ObjectHealth, assess

CORPUS = Path(__file__).resolve().parent / "corpus"

# Files whose peer test fills in a value when it runs, which the copy froze.
AS_THE_PEER_RUNS_IT: dict[str, str] = {
    "kstatus-podBeingScheduled.yaml": "the test sets creationTimestamp to its own time "
    "(a pod the scheduler has had no time for yet); the copy says 2000-01-01",
}


def _as_run(name: str, obj: dict[str, Any]) -> dict[str, Any]:
    if name == "kstatus-podBeingScheduled.yaml":
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        obj["metadata"]["creationTimestamp"] = stamp
    return obj


@dataclass(frozen=True, slots=True)
class Case:
    """One corpus file: the object, the peer that judged it and the verdict in our words."""

    file: str
    source: str
    peer: str
    expected: Health
    judged: str
    obj: dict[str, Any]


@cache
def cases() -> tuple[Case, ...]:
    index = yaml.safe_load((CORPUS / "expected.yaml").read_text())
    return tuple(
        Case(
            file=name,
            source=entry["source"],
            peer=str(entry["peer"]),
            expected=Health(entry["expected"]),
            judged=str(entry.get("judged") or ""),
            obj=yaml.safe_load((CORPUS / name).read_text()),
        )
        for name, entry in sorted(index["cases"].items())
    )


def verdict(case: Case) -> ObjectHealth:
    """Our verdict, evaluated now (so a time the peer's test fills in is current)."""
    return assess(_as_run(case.file, copy.deepcopy(case.obj)))


def agreement() -> dict[str, tuple[int, int]]:
    """Per peer (and ``all``): how many cases we judge as the peer does, of how many."""
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in cases():
        same = verdict(case).health is case.expected
        for key in (case.source, "all"):
            total[key] += 1
            agree[key] += same
    return {key: (agree[key], total[key]) for key in total}


if __name__ == "__main__":
    for case in cases():
        found = verdict(case)
        if found.health is not case.expected:
            print(f"{case.file}: {found.health} (peer {case.expected}) {found.message}")
    for key, (same, count) in sorted(agreement().items()):
        print(f"{key}: {same}/{count} = {same / count:.0%}")
