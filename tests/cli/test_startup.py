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


# Like _PROBE, but prints which command modules the command line imported.
_MODULES_PROBE = _PROBE.replace(
    'print("exit", code, "kubernetes", "kubernetes" in sys.modules)',
    'print("exit", code, *sorted(m for m in sys.modules if m.endswith(("_cmd", "_cmds"))))',
)


def test_a_command_imports_only_its_own_command_module() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _MODULES_PROBE,
            "why",
            "deployment/frontend",
            str(SAMPLE),
            "--offline",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.split() == ["exit", "0", "gitops_vela.cli.why_cmd"], done.stderr


def test_every_command_is_in_the_lazy_table_and_its_module_registers_it() -> None:
    import argparse

    from gitops_vela.cli import _COMMANDS, build_parser

    def commands(parser: argparse.ArgumentParser) -> set[str]:
        found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(found[0].choices)

    assert commands(build_parser()) == set(_COMMANDS)
    for command in _COMMANDS:
        assert command in commands(build_parser(command))
