"""``gitops-vela run ... | head -3``: the daemon outlives its log reader and still stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from tests.daemon.conftest import GitRemote, appfile, replicas, wait_for


@pytest.mark.slow
def test_a_daemon_whose_log_pipe_breaks_keeps_working_and_stops_on_sigterm(
    remote: GitRemote, emulator: Emulator, cluster: Cluster, tmp_path: Path
) -> None:
    env = {**os.environ, "GITOPS_VELA_LOG_FORMAT": "json"}
    env.pop("KUBECONFIG", None)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gitops_vela", "run", "--repo", remote.url),
            *("--interval", "1s", "--listen", "127.0.0.1:0"),
            *("--kubeconfig", str(emulator.kubeconfig_path)),
            *("--cache-dir", str(tmp_path / "cache")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        first = [proc.stdout.readline() for _ in range(3)]  # what `head -3` reads
        proc.stdout.close()  # ... before it leaves
        assert all(line.startswith(b"{") for line in first)
        wait_for(lambda: replicas(cluster) == 1, what="the first apply")
        remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=3)})
        wait_for(lambda: replicas(cluster) == 3, what="a change applied after the pipe broke")
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
