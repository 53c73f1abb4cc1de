"""Smoke test of the benchmark harness: ``bench/run.py`` on 5 apps, as a user runs it.

Checks the shape of what it reports and the request counts that do not
depend on the machine; never timings (benchmarks are not timed tests).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "bench" / "run.py"

METRICS = {
    "render": {"ms_per_service", "cached_ms_per_service"},
    "cold_sync": {"apps", "objects", "seconds", "requests", "writes"},
    "noop_sync": {"seconds", "requests", "writes"},
    "one_app_change": {"seconds", "writes", "changed_objects"},
    "drift": {"seconds_to_correct", "writes"},
    "kubectl_ratio": {"gitops_vela_seconds", "kubectl_seconds", "ratio", "reapply_ratio"},
    "memory": {"rss_mib", "all_rss_mib"},
    "shards": {
        "apps",
        "seconds",
        "max_share",
        "max_rendered_share",
        "max_requests",
        "min_requests",
    },
}


def test_run_on_five_apps_reports_every_metric(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(RUN), "--apps", "5", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())

    assert {s: set(m) for s, m in results.items()} == METRICS
    kubectl = shutil.which("kubectl") is not None
    for scenario, metrics in results.items():
        for metric, value in metrics.items():
            if scenario == "kubectl_ratio" and metric != "gitops_vela_seconds" and not kubectl:
                assert value is None
            else:
                assert isinstance(value, int | float) and value >= 0, (scenario, metric, value)

    # Counts, not times: 5 apps of 5 objects; a quiet poll writes nothing; an
    # edit of one Appfile (image + ConfigMap value) writes exactly its 2 objects.
    assert results["cold_sync"]["apps"] == 5
    assert results["cold_sync"]["objects"] == 25
    assert results["cold_sync"]["writes"] >= 25
    assert results["noop_sync"]["writes"] == 0
    assert results["noop_sync"]["requests"] == 0  # the watch cache answers every list
    assert results["drift"]["writes"] == 1  # the edited object, re-applied once
    assert results["memory"]["all_rss_mib"] > results["memory"]["rss_mib"]
    assert results["one_app_change"]["changed_objects"] == 2
    assert results["one_app_change"]["writes"] == 2
    # Three replicas sharing the repository by app: between them every app, once.
    assert results["shards"]["apps"] == 5
    assert 0 < results["shards"]["max_share"] <= 1
    assert results["shards"]["min_requests"] <= results["shards"]["max_requests"]
    for scenario, metrics in METRICS.items():
        for metric in metrics:
            assert metric in done.stdout, f"table lacks {scenario}.{metric}"
