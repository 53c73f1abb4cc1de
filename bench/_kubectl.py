"""Command-line applies, timed as a user runs them (process start-up included).

``kubectl apply --server-side -f DIR`` is the baseline gitops-vela is compared
with; ``gitops-vela apply PATH`` (a fresh process: render with no cache, then
sync) is the same comparison CLI against CLI, reported beside the table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path


def available() -> bool:
    return shutil.which("kubectl") is not None


def kubectl_apply(folder: Path, *, kubeconfig: Path) -> float:
    """Seconds one ``kubectl apply --server-side`` of every file in ``folder`` took."""
    return _timed(
        ["kubectl", "--kubeconfig", str(kubeconfig), "apply", "--server-side", "-f", str(folder)]
    )


def gitops_vela_apply(root: Path, *, repo: str, kubeconfig: Path) -> float:
    """Seconds one ``gitops-vela apply`` of the repository at ``root`` took."""
    command = [sys.executable, "-m", "gitops_vela", "apply", str(root), "--repo", repo]
    return _timed([*command, "--prune", "--kubeconfig", str(kubeconfig)])


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:4])} ... failed ({done.returncode}):\n{done.stderr[-2000:]}"
        )
    return seconds
