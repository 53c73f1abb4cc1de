"""Smoke test of ``bench/daemon_bench.py`` on 3 apps: the shape and the counts of its drift figures.

Never timings (benchmarks are not timed tests): that the correction was seen
in the cluster, that the run planned the edited app alone, and how its writes
split between the app's objects and the rest.
"""

from __future__ import annotations

from bench import daemon_bench


def test_drift_is_measured_to_the_corrected_object_and_its_writes_split() -> None:
    results = daemon_bench.run(3)
    assert results["drift_to_corrected"] is not None  # the watcher saw the Git image again
    assert results["drift_to_corrected"] >= 0 and results["drift_poll"] >= 0
    assert results["drift_planned"] == 1
    spent = results["drift_writes_by_resource"]
    assert set(spent) <= daemon_bench.OBJECT_RESOURCES | {"events", "configmaps"}
    assert results["drift_object_writes"] == sum(
        n for r, n in spent.items() if r in daemon_bench.OBJECT_RESOURCES
    )
    # The Deployment re-applied once, besides the dry runs the emulator counts as patches.
    assert results["drift_object_writes"] - results["drift_dry_runs"] == 1
    assert results["drift_other_writes"] == spent.get("events", 0) + spent.get("configmaps", 0)
