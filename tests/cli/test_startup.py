"""Offline commands do not import the Kubernetes client (~0.2-0.3 CPU-s at every start).

Each command runs in a fresh interpreter, as a user starts it (``python -m
gitops_vela``), and reports which of the client's modules it loaded; a command
that connects still loads it, so the check can fail both ways.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[2] / "sample-repo"

# Runs the CLI's entry point like `python -m gitops_vela ARGS`, then prints whether the
# official client was imported (stdout of the command goes to /dev/null).
_PROBE = """\
import contextlib, os, runpy, sys
sys.argv = ["gitops-vela", *sys.argv[1:]]
with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
    try:
        runpy.run_module("gitops_vela", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
print("exit", code, "kubernetes", "kubernetes" in sys.modules)
"""


def _probe(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("render", "--help"),
        ("render", str(SAMPLE), "--env", "prod"),
        ("validate", str(SAMPLE)),
        ("why", "deployment/frontend", "spec.replicas", str(SAMPLE), "--offline"),
        ("defs", "list", str(SAMPLE)),
    ],
    ids=["render-help", "render", "validate", "why-offline", "defs-list"],
)
def test_offline_commands_do_not_import_the_kubernetes_client(args: tuple[str, ...]) -> None:
    assert _probe(*args) == "exit 0 kubernetes False"


def test_a_command_that_connects_still_loads_the_client(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: none\n"
        "clusters: [{name: none, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: none, context: {cluster: none, user: none}}]\n"
        "users: [{name: none, user: {token: t}}]\n"
    )
    why = ("why", "deployment/frontend", "spec.replicas", str(SAMPLE))
    # nothing listens there: a note on stderr, the render side still shown (exit 0)
    assert _probe(*why, "--kubeconfig", str(kubeconfig)) == "exit 0 kubernetes True"
