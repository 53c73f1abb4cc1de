"""gitops-vela benchmarks: render, cold sync, no-op sync, one-app change, kubectl, memory.

    python bench/run.py [--quick] [--apps N] [--json FILE]

Generates N apps (default 1,000; ``--quick`` 100) that use the built-in
definitions (five objects each), then measures, against the Kubernetes API
emulator running in its own process:

  render          ms_per_service (fresh), cached_ms_per_service (inputs unchanged)
  cold_sync       apps, objects, seconds, requests, writes   (empty cluster; render included)
  noop_sync       seconds, requests, writes                   (the same again)
  one_app_change  seconds, writes, changed_objects            (one Appfile edited)
  drift           seconds_to_correct, writes                  (one owned object edited live)
  kubectl_ratio   gitops_vela_seconds, kubectl_seconds, ratio, reapply_ratio
  memory          rss_mib (peak RSS of the gitops-vela process), all_rss_mib (and its workers)
  shards          apps, seconds, max_share, max_rendered_share, max_requests, min_requests
                  (3 ``gitops-vela run`` replicas sharing the repository by app)

gitops-vela runs in a second process, long-lived like the daemon (one
cluster connection and its watch cache, warm Jsonnet workers, render caches). ``requests`` and
``writes`` are what the emulator served (writes: create/update/patch/delete
without dry runs). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import _apps
import _kubectl
from _emulator import Counts, EmulatorProcess
from _gitops import Drift, GitopsProcess, Memory, Poll
from _shards import ShardFigures, measure_shards

REPO = "bench"
QUICK_APPS = 100
FULL_APPS = 1000

Results = dict[str, dict[str, float | int | None]]

METRICS: dict[str, tuple[str, ...]] = {
    "render": ("ms_per_service", "cached_ms_per_service"),
    "cold_sync": ("apps", "objects", "seconds", "requests", "writes"),
    "noop_sync": ("seconds", "requests", "writes"),
    "one_app_change": ("seconds", "writes", "changed_objects"),
    "drift": ("seconds_to_correct", "writes"),
    "kubectl_ratio": ("gitops_vela_seconds", "kubectl_seconds", "ratio", "reapply_ratio"),
    "memory": ("rss_mib", "all_rss_mib"),
    "shards": (
        "apps",
        "seconds",
        "max_share",
        "max_rendered_share",
        "max_requests",
        "min_requests",
    ),
}


@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[Results], bool]


def _targets(apps: int) -> dict[tuple[str, str], Target]:
    cold_limit = 60.0 * apps / FULL_APPS
    return {
        ("render", "ms_per_service"): Target(
            "<= 15", lambda r: _le(r, "render", "ms_per_service", 15)
        ),
        ("render", "cached_ms_per_service"): Target(
            "~0 (<= 0.5)", lambda r: _le(r, "render", "cached_ms_per_service", 0.5)
        ),
        ("cold_sync", "seconds"): Target(
            f"<= {cold_limit:g} (60 per 1,000 apps)",
            lambda r: _le(r, "cold_sync", "seconds", cold_limit),
        ),
        ("noop_sync", "seconds"): Target("<= 2", lambda r: _le(r, "noop_sync", "seconds", 2)),
        ("noop_sync", "writes"): Target("0", lambda r: _le(r, "noop_sync", "writes", 0)),
        ("noop_sync", "requests"): Target("0", lambda r: _le(r, "noop_sync", "requests", 0)),
        ("drift", "seconds_to_correct"): Target(
            "<= 2", lambda r: _le(r, "drift", "seconds_to_correct", 2)
        ),
        ("drift", "writes"): Target("1", lambda r: r["drift"]["writes"] == 1),
        ("one_app_change", "writes"): Target(
            "= changed_objects",
            lambda r: r["one_app_change"]["writes"] == r["one_app_change"]["changed_objects"],
        ),
        ("kubectl_ratio", "ratio"): Target("<= 1.0", lambda r: _le(r, "kubectl_ratio", "ratio", 1)),
        ("kubectl_ratio", "reapply_ratio"): Target(
            "<= 0.1", lambda r: _le(r, "kubectl_ratio", "reapply_ratio", 0.1)
        ),
        ("memory", "rss_mib"): Target("<= 250", lambda r: _le(r, "memory", "rss_mib", 250)),
        ("memory", "all_rss_mib"): Target("<= 600", lambda r: _le(r, "memory", "all_rss_mib", 600)),
        ("shards", "max_share"): Target("<= 0.40", lambda r: _le(r, "shards", "max_share", 0.4)),
        ("shards", "max_rendered_share"): Target(
            "<= 0.40", lambda r: _le(r, "shards", "max_rendered_share", 0.4)
        ),
    }


def _le(results: Results, scenario: str, metric: str, limit: float) -> bool:
    value = results[scenario][metric]
    return value is not None and value <= limit


# -- running ---------------------------------------------------------------------------------


class Progress:
    """One line per step on a terminal (stderr); silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()

    def step(self, text: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            print(f"[{elapsed:6.1f}s] {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Polls:
    """The gitops-vela side's polls, each with what the emulator served during it."""

    cold: tuple[Poll, Counts]
    noop: tuple[Poll, Counts]
    steady: tuple[Poll, Counts]  # a second no-op: the verdict caches are warm
    change: tuple[Poll, Counts]
    drift: tuple[Drift, Counts]
    memory: Memory


def measure(workdir: Path, *, apps: int, progress: Progress) -> tuple[Results, list[str]]:
    """Every scenario; returns the metrics and notes for the table."""
    root = workdir / "repo"
    progress.step(f"generating {apps} apps")
    _apps.generate(root, apps=apps)
    notes: list[str] = []
    with EmulatorProcess(workdir / "kubeconfig") as emulator:
        polls = _gitops_polls(emulator, root, workdir / "manifests", apps, progress, notes)
        kubectl = _kubectl_runs(emulator, workdir / "manifests", progress, notes)
        _cli_runs(emulator, root, progress, notes, kubectl=kubectl)
        shards = _shard_runs(emulator, workdir, root, apps, progress, notes)
    return {**_results(polls, kubectl), "shards": shards}, notes


def _shard_runs(
    emulator: EmulatorProcess,
    workdir: Path,
    root: Path,
    apps: int,
    progress: Progress,
    notes: list[str],
) -> dict[str, float | int | None]:
    """Three daemons share the repository by app, on an emptied cluster."""
    emulator.reset()
    progress.step("shards: 3 gitops-vela run replicas, one repository, appShards 1024")
    before = emulator.counters()
    figures: ShardFigures = measure_shards(
        workdir / "shards", root, kubeconfig=emulator.kubeconfig, apps=apps, timeout=120 + apps
    )
    counts = _delta(before, emulator.counters())
    for label, phase in (("start", figures.start), ("commit to every app", figures.commit)):
        for replica in phase:
            notes.append(
                f"shards, {label}: {replica.name} {replica.apps} apps "
                f"({100 * replica.apps / apps:.1f}%), rendered {replica.rendered}, "
                f"{replica.changed} objects written, {replica.requests} requests sent"
            )
    notes.append(
        f"shards: all {apps} apps reconciled {figures.seconds:.1f}s after the 3 processes "
        f"started (start-up and Lease rounds included); emulator, both phases: "
        f"{counts.requests} requests, {counts.writes} writes (Leases and Events included)"
    )
    requests = [r.requests for r in figures.commit]
    return {
        "apps": sum(r.apps for r in figures.commit),
        "seconds": figures.seconds,
        "max_share": figures.max_share,
        "max_rendered_share": figures.max_rendered_share,
        "max_requests": max(requests),
        "min_requests": min(requests),
    }


def _gitops_polls(
    emulator: EmulatorProcess,
    root: Path,
    manifests: Path,
    apps: int,
    progress: Progress,
    notes: list[str],
) -> Polls:
    """Cold, no-op twice, one app changed; then memory, and the render dumped for kubectl."""
    progress.step("starting gitops-vela (Jsonnet workers)")
    started = time.perf_counter()
    with GitopsProcess(
        root=root, repo=REPO, kubeconfig=emulator.kubeconfig, progress=progress.enabled
    ) as gitops:
        notes.append(
            "gitops-vela process start (interpreter, imports, Jsonnet workers): "
            f"{time.perf_counter() - started:.2f}s, not in any figure"
        )
        progress.step("cold sync: render + apply to an empty cluster")
        cold = _poll(gitops, emulator, created=None, what="cold sync")
        progress.step("no-op sync: the same again, twice")
        noop = _poll(gitops, emulator, created=0, what="no-op sync")
        steady = _poll(gitops, emulator, created=0, what="second no-op sync")
        progress.step("one app changed")
        _apps.edit_one(root, apps // 2)
        change = _poll(gitops, emulator, created=0, what="one-app change")
        progress.step("drift: one owned ConfigMap edited live, corrected on its watch event")
        before = emulator.counters()
        drift = gitops.drift()
        drift_counts = _delta(before, emulator.counters())
        polls = Polls(cold, noop, steady, change, (drift, drift_counts), gitops.rss())
        gitops.dump(manifests, _apps.namespaces(apps))
    notes.insert(
        0,
        f"render fresh {cold[0].render_seconds:.2f}s + apply {cold[0].sync_seconds:.2f}s cold; "
        f"render {noop[0].render_seconds:.3f}s + sync {noop[0].sync_seconds:.2f}s no-op",
    )
    notes.append(
        f"memory: + {polls.memory.workers_mib:.0f} MiB peak RSS in {polls.memory.workers} "
        "Jsonnet worker processes (not in rss_mib)"
    )
    notes.append(
        f"drift: watch event {drift.seconds_to_event:.3f}s after the edit, corrected at "
        f"{drift.seconds_to_correct:.3f}s; gitops-vela sent {drift.requests} requests "
        f"({drift.writes} writes); emulator {_verbs(drift_counts)} (the edit included)"
    )
    for label, (poll, counts) in (
        ("cold sync", cold),
        ("no-op sync", noop),
        ("second no-op sync", steady),
        ("one-app change", change),
    ):
        notes.append(f"{label}: {poll.seconds:.2f}s; {_verbs(counts)}; CPU {_cpu(poll, counts)}")
    return polls


def _results(polls: Polls, kubectl: tuple[float | None, float | None]) -> Results:
    (cold, cold_counts), (noop, noop_counts) = polls.cold, polls.noop
    change, change_counts = polls.change
    return {
        "render": {
            "ms_per_service": 1000 * cold.render_seconds / cold.services,
            "cached_ms_per_service": 1000 * noop.render_seconds / noop.services,
        },
        "cold_sync": {
            "apps": cold.apps,
            "objects": cold.objects,
            "seconds": cold.seconds,
            "requests": cold_counts.requests,
            "writes": cold_counts.writes,
        },
        "noop_sync": {
            "seconds": noop.seconds,
            "requests": noop_counts.requests,
            "writes": noop_counts.writes,
        },
        "one_app_change": {
            "seconds": change.seconds,
            "writes": change_counts.writes,
            "changed_objects": change.changed_objects,
        },
        "kubectl_ratio": {
            "gitops_vela_seconds": cold.seconds,
            "kubectl_seconds": kubectl[0],
            "ratio": _ratio(cold.seconds, kubectl[0]),
            "reapply_ratio": _ratio(noop.seconds, kubectl[1]),
        },
        "drift": {
            "seconds_to_correct": polls.drift[0].seconds_to_correct,
            "writes": polls.drift[0].writes,
        },
        "memory": {"rss_mib": polls.memory.process_mib, "all_rss_mib": polls.memory.all_mib},
    }


def _poll(
    gitops: GitopsProcess, emulator: EmulatorProcess, *, created: int | None, what: str
) -> tuple[Poll, Counts]:
    """One poll, checked (``created`` None: every object must be created)."""
    before = emulator.counters()
    poll = gitops.poll()
    after = emulator.counters()
    _check(poll, created=poll.objects if created is None else created, what=what)
    return poll, _delta(before, after)


def _delta(before: Counts, after: Counts) -> Counts:
    verbs = {v: n - before.by_verb.get(v, 0) for v, n in after.by_verb.items()}
    return Counts(
        requests=after.requests - before.requests,
        reads=after.reads - before.reads,
        writes=after.writes - before.writes,
        dry_runs=after.dry_runs - before.dry_runs,
        by_verb={v: n for v, n in verbs.items() if n},
        cpu_seconds=after.cpu_seconds - before.cpu_seconds,
    )


def _check(poll: Poll, *, created: int, what: str) -> None:
    """A benchmark of a sync that failed measures nothing: stop with the reason."""
    if poll.failures:
        raise SystemExit(f"{what}: {poll.failures} apps failed to render or sync")
    if poll.actions.get("created", 0) != created:
        raise SystemExit(f"{what}: expected {created} objects created, got {poll.actions}")


def _kubectl_runs(
    emulator: EmulatorProcess, manifests: Path, progress: Progress, notes: list[str]
) -> tuple[float | None, float | None]:
    if not _kubectl.available():
        notes.append("kubectl not found on PATH: kubectl_ratio not measured")
        return None, None
    emulator.reset()
    progress.step("kubectl apply --server-side: empty cluster")
    start = emulator.counters()
    cold = _kubectl.kubectl_apply(manifests, kubeconfig=emulator.kubeconfig)
    middle = emulator.counters()
    progress.step("kubectl apply --server-side: the same again")
    again = _kubectl.kubectl_apply(manifests, kubeconfig=emulator.kubeconfig)
    end = emulator.counters()
    for label, counts in (("cold", _delta(start, middle)), ("again", _delta(middle, end))):
        notes.append(
            f"kubectl {label}: {counts.requests} requests, {counts.writes} writes; "
            f"CPU emulator {counts.cpu_seconds:.2f}s"
        )
    return cold, again


def _cli_runs(
    emulator: EmulatorProcess,
    root: Path,
    progress: Progress,
    notes: list[str],
    *,
    kubectl: tuple[float | None, float | None],
) -> None:
    """``gitops-vela apply`` twice on an empty cluster: CLI against CLI, for the notes."""
    emulator.reset()
    runs = []
    for label in ("empty cluster", "the same again"):
        progress.step(f"gitops-vela apply (a fresh process each time): {label}")
        runs.append(_kubectl.gitops_vela_apply(root, repo=REPO, kubeconfig=emulator.kubeconfig))
    ratios = [_ratio(ours, theirs) for ours, theirs in zip(runs, kubectl, strict=True)]
    text = ", ".join("n/a" if r is None else f"{r:.2f}" for r in ratios)
    notes.append(
        f"gitops-vela apply CLI (fresh process, render not cached): {runs[0]:.2f}s cold, "
        f"{runs[1]:.2f}s again; / kubectl: {text}"
    )


def _cpu(poll: Poll, counts: Counts) -> str:
    return f"gitops-vela {poll.cpu_seconds:.2f}s, emulator {counts.cpu_seconds:.2f}s"


def _ratio(ours: float, theirs: float | None) -> float | None:
    return None if not theirs else ours / theirs


def _verbs(counts: Counts) -> str:
    parts = [f"{verb} {n}" for verb, n in sorted(counts.by_verb.items()) if verb != "apply"]
    return ", ".join(parts) + f" (dry runs {counts.dry_runs})"


# -- reporting -------------------------------------------------------------------------------


def table(results: Results, *, apps: int, notes: list[str], load: str) -> str:
    targets = _targets(apps)
    rows = [("scenario", "metric", "value", "target", "")]
    for scenario, metrics in METRICS.items():
        for metric in metrics:
            target = targets.get((scenario, metric))
            value = results[scenario][metric]
            judged = target is not None and value is not None and apps >= QUICK_APPS
            verdict = _verdict(target, results) if target and judged else ""
            rows.append((scenario, metric, _format(value), target.text if target else "", verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    header = f"gitops-vela benchmark: {apps} apps, {os.cpu_count()} CPUs, load average {load}"
    if apps < QUICK_APPS:
        notes = [
            f"targets not judged below {QUICK_APPS} apps: fixed costs (catalog load, "
            "kubectl start-up) dominate",
            *notes,
        ]
    return "\n".join([header, "", *(line.rstrip() for line in lines), "", *notes]) + "\n"


def _verdict(target: Target, results: Results) -> str:
    return "ok" if target.met(results) else "MISSED"


def _format(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="gitops-vela benchmarks against the Kubernetes API emulator",
        epilog="example: python bench/run.py --quick --json /tmp/bench.json",
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_APPS} apps (under 2 minutes)")
    parser.add_argument("--apps", type=int, help=f"number of apps (default {FULL_APPS})")
    parser.add_argument("--json", metavar="FILE", help="write {scenario: {metric: value}} here")
    args = parser.parse_args(argv)
    apps = args.apps or (QUICK_APPS if args.quick else FULL_APPS)
    if apps < 1:
        parser.error("--apps must be at least 1")
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="gitops-vela-bench-") as tmp:
        results, notes = measure(Path(tmp), apps=apps, progress=Progress(sys.stderr.isatty()))
    load = f"{load_before} (start), {_load()} (end)"
    sys.stdout.write(table(results, apps=apps, notes=notes, load=load))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
