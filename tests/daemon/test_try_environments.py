"""``scripts/try.sh environments``: two daemon configs, staging and prod, each its own cluster."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

from gitops_vela.settings import PromotionSettings, load_config_file

ROOT = Path(__file__).resolve().parents[2]


def test_try_environments_starts_a_staging_and_a_promoting_prod_daemon(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "try.sh", checkout / "scripts" / "try.sh")
    shutil.copytree(ROOT / "sample-repo", checkout / "sample-repo")
    bin_dir = checkout / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    calls = tmp_path / "calls"
    for name, body in (("python", "exit 0"), ("gitops-vela", f'echo "$@" >> {calls}')):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    work = tmp_path / "try"
    env = {**os.environ, "TRY_DIR": str(work), "TRY_PORT": "9550", "TRY_HEALTHY_FOR": "30s"}

    done = subprocess.run(
        [str(checkout / "scripts" / "try.sh"), "environments"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert f"gitops-vela status {work}/sample.git --env prod" in done.stdout
    started = sorted(calls.read_text().splitlines())
    assert started == [f"run --config {work}/prod.yaml", f"run --config {work}/staging.yaml"]
    staging = load_config_file(work / "staging.yaml")
    prod = load_config_file(work / "prod.yaml")
    assert (staging.server.port, prod.server.port) == (9550, 9551)
    assert staging.cluster.embedded and prod.cluster.embedded
    assert staging.cache_dir != prod.cache_dir  # two emulated clusters, two caches
    (s_repo,), (p_repo,) = staging.repositories, prod.repositories
    assert (s_repo.environment, s_repo.promotion) == ("staging", None)
    assert (p_repo.environment, p_repo.promotion) == ("prod", PromotionSettings("staging", 30))
    assert s_repo.url == p_repo.url == str(work / "sample.git")
