"""Provenance benchmark: ``why`` on one object of a 10-service app, ``render --explain`` of
sample-repo.

    python bench/why_bench.py [--runs 5]

Targets (issue 18): ``why`` on one object of a 10-service app <= 1 s; ``render
--explain`` of sample-repo <= 5 s. Each is measured two ways:

- ``warm``: in this process, the Jsonnet worker pool started beforehand and every
  render cache cleared before each run (so the render and the trace are paid in
  full; only the pool's start-up is not): the median of ``--runs``;
- ``cli``: the command as a user types it, in a fresh process (interpreter,
  imports, worker start-up included): the median of ``--runs`` wall times.

The 10-service app is sample-repo plus ``apps/bench/vela.yaml``: ten webservices,
each with the five traits of ``render_bench`` (scaler, route, sidecar, labels,
resources). Prints the load average: on a shared machine wall times follow it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from render_bench import TRAITS

from gitops_vela.provenance.explain import explain_checkout
from gitops_vela.render import clear_caches, engine

SAMPLE = Path(__file__).resolve().parents[1] / "sample-repo"
CLI = [sys.executable, "-m", "gitops_vela"]


def bench_app(root: Path, services: int = 10) -> None:
    entries = {}
    for index in range(services):
        name = f"svc{index:02d}"
        entry: dict[str, object] = {"image": f"ghcr.io/acme/{name}:1.0", "port": 8080}
        for trait, params in TRAITS.items():
            entry[trait] = yaml.safe_load(yaml.safe_dump(params).replace("{name}", name))
        entries[name] = entry
    (root / "apps" / "bench").mkdir(parents=True)
    text = yaml.safe_dump({"name": "bench", "namespace": "bench", "services": entries})
    (root / "apps" / "bench" / "vela.yaml").write_text(text)


def median_seconds(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall seconds, and median CPU seconds of the commands' process trees (``cli``
    rows only: a fresh process and its Jsonnet workers, reaped when it exits)."""
    times, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpus)


def cli(*args: str) -> Callable[[], object]:
    def run() -> object:
        return subprocess.run([*CLI, *args], check=True, capture_output=True)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="why-bench-") as tmp:
        root = Path(tmp) / "sample-repo"
        shutil.copytree(SAMPLE, root)
        bench_app(root)
        engine.pool().run([])  # start the workers: paid once per process, not per command

        def why_warm() -> object:
            clear_caches()
            wanted = lambda o: o["kind"] == "Deployment" and o["metadata"]["name"] == "svc04"  # noqa: E731
            found = explain_checkout(root, repo="bench", apps=["bench"], wanted=wanted)
            assert len(found.objects) == 1 and found.objects[0].fields
            return found

        def explain_warm() -> object:
            clear_caches()
            found = explain_checkout(SAMPLE, repo="sample-repo")
            assert found.objects
            return found

        rows = [
            ("why one object, 10-service app", "warm", median_seconds(why_warm, args.runs), 1.0),
            (
                "why one object, 10-service app",
                "cli",
                median_seconds(
                    cli("why", "deployment/svc04", str(root), "--app", "bench", "--offline"),
                    args.runs,
                ),
                1.0,
            ),
            ("render --explain sample-repo", "warm", median_seconds(explain_warm, args.runs), 5.0),
            (
                "render --explain sample-repo",
                "cli",
                median_seconds(cli("render", str(SAMPLE), "--explain"), args.runs),
                5.0,
            ),
        ]
    print(
        f"provenance benchmark: {os.cpu_count()} CPUs, load average {load} (start),"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())} (end), median of {args.runs}"
    )
    print(f"{'scenario':32} {'how':5} {'seconds':>8} {'cpu_s':>6}  target")
    for scenario, how, (seconds, cpu), target in rows:
        verdict = "ok" if seconds <= target else "OVER"
        cpu_text = f"{cpu:6.2f}" if how == "cli" else "     -"
        print(f"{scenario:32} {how:5} {seconds:8.3f} {cpu_text}  <= {target:g} s {verdict}")


if __name__ == "__main__":
    main()
