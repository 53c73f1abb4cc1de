"""``kubectl apply --server-side -f DIR``, timed: the baseline gitops-vela is compared with."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path


def available() -> bool:
    return shutil.which("kubectl") is not None


def apply(folder: Path, *, kubeconfig: Path) -> float:
    """Seconds one ``kubectl apply --server-side`` of every file in ``folder`` took."""
    command = [
        "kubectl",
        "--kubeconfig",
        str(kubeconfig),
        "apply",
        "--server-side",
        "-f",
        str(folder),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"kubectl apply failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds
