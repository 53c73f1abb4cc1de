"""Run an independent client's own test suite against the emulator.

A measurement, not part of our suite: the kr8s client's sdist ships its
end-to-end tests, written against a kind cluster by people who never saw the
emulator. This script unpacks the sdist into a temporary directory, swaps the
kind fixture of its root ``conftest.py`` for one that hands out a running
``vela_emulator.Emulator`` (same attributes: ``kubeconfig_path``,
``kubectl_path``, ``kubectl(...)``), runs the suite in a separate virtualenv
(never the project's) and prints a pass/fail table.

Tests that need what no API server offers without nodes and a container
runtime (exec, port-forward, logs of running containers) are classified
``needs-node`` and not counted as emulator failures.

    python -m bench.client_suite                # fetches kr8s 0.20.15's sdist from PyPI once
    python -m bench.client_suite --sdist FILE   # or measure a given sdist
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import venv
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from vela_emulator import Emulator

KR8S_VERSION = "0.20.15"  # the release the figures in docs/emulator.md were measured with
CACHE = Path(".cache/client-suite")
DEFAULT_VENV = CACHE / "venv"

# The suite's test dependencies (its `dev` dependency group, without docs and
# pytest-kind: the kind cluster is what we replace) and kr8s' own runtime ones.
TEST_DEPENDENCIES = (
    "pytest>=7.2.2",
    "pytest-asyncio>=0.20.3",
    "pytest-timeout>=2.1.0",
    "trio>=0.22.0",
    "lightkube>=0.13.0",
    "kubernetes>=26.1.0",
    "pykube-ng>=23.6.0",
    "kubernetes-asyncio>=24.2.3",
    "kubernetes-validate>=1.28.0",
    "cryptography>=35",
    "packaging>=23.0",
    "pyyaml>=6.0",
    "python-jsonpath>=0.7.1",
    "anyio>=3.7.0",
    "httpx>=0.24.1",
    "httpx-ws>=0.7.0",
    "python-box>=7.0.1",
    "cachetools>=5.2.0",
    "exceptiongroup>=1.2.0",
    "typing_extensions>=4.12.2",
)

# Why a test cannot pass on any API server without nodes: it needs a container
# that really runs (exec, port-forward, logs) or a kubelet.
NEEDS_NODE = re.compile(r"exec(?!_raises)|port_forward|portforward|pod_logs")

# Replaces the sdist's root conftest.py: the same session fixture name and the
# attributes its tests use, backed by the emulator the runner started.
EMULATOR_CONFTEST = '''
import os
import subprocess
from pathlib import Path

import pytest


class EmulatorCluster:
    """What the suite uses of pytest-kind's KindCluster."""

    kubectl_path = "kubectl"

    def __init__(self, kubeconfig_path):
        self.kubeconfig_path = Path(kubeconfig_path)

    def kubectl(self, *args):
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig_path)}
        return subprocess.run(
            [self.kubectl_path, *args], env=env, check=True, capture_output=True, text=True
        ).stdout


@pytest.fixture
def ensure_gc():
    import gc
    gc.collect()
    yield
    gc.collect()


@pytest.fixture(scope="session", autouse=True)
def k8s_cluster():
    yield EmulatorCluster(os.environ["KUBECONFIG"])
'''


@dataclass(frozen=True)
class Outcome:
    """One test of the client suite and what became of it."""

    test: str
    result: str  # passed, failed, skipped, needs-node
    message: str


def ensure_venv(path: Path) -> Path:
    """A virtualenv with the suite's dependencies, created once and reused."""
    python = path / "bin" / "python"
    if not python.exists():
        venv.create(path, with_pip=True)
    # Cheap when everything is there already; keeps an old venv up to date.
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *TEST_DEPENDENCIES,
        ],
        check=True,
    )
    return python


def fetch_sdist(version: str, into: Path) -> Path:
    """kr8s' sdist from PyPI, downloaded once and checked against PyPI's digest."""
    target = into / f"kr8s-{version}.tar.gz"
    if target.exists():
        return target
    with urllib.request.urlopen("https://pypi.org/pypi/kr8s/json", timeout=60) as r:
        releases = json.load(r)["releases"]
    sdist = next(u for u in releases[version] if u["packagetype"] == "sdist")
    with urllib.request.urlopen(sdist["url"], timeout=120) as r:
        data = r.read()
    if hashlib.sha256(data).hexdigest() != sdist["digests"]["sha256"]:
        raise SystemExit(f"{sdist['url']}: sha256 does not match PyPI's digest")
    into.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def unpack(sdist: Path, into: Path) -> Path:
    """The sdist's source tree with the emulator conftest in place of kind's."""
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    root = next(p for p in into.iterdir() if p.is_dir())
    (root / "conftest.py").write_text(EMULATOR_CONFTEST)
    return root


def classify(junit: Path) -> list[Outcome]:
    """Outcomes from pytest's JUnit XML, node-bound tests set apart."""
    outcomes = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        problem = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        if problem is None:
            result, message = "passed", ""
        else:
            message = (
                (problem.get("message") or "").splitlines()[0][:100]
                if problem.get("message")
                else ""
            )
            result = "skipped" if problem.tag == "skipped" else "failed"
        if result == "failed" and NEEDS_NODE.search(case.get("name", "")):
            result = "needs-node"
        outcomes.append(Outcome(name, result, message))
    return outcomes


def run_suite(
    python: Path, root: Path, kubeconfig: Path, junit_dir: Path, selection: list[str]
) -> list[Path]:
    """One pytest run per test file, so a run that pytest aborts (a timeout
    inside trio's event loop is an INTERNALERROR) loses only that file's rest."""
    env = {
        "KUBECONFIG": str(kubeconfig),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": str(root),
    }
    targets = selection or sorted(
        str(p.relative_to(root)) for p in (root / "kr8s" / "tests").glob("test_*.py")
    )
    reports = []
    for index, target in enumerate(targets):
        junit = junit_dir / f"junit-{index}.xml"
        command = [
            str(python), "-m", "pytest", target, "-o", "addopts=", "-p", "no:cacheprovider",
            "-q", "--timeout=60", f"--junitxml={junit}",
        ]  # fmt: skip
        subprocess.run(command, cwd=root, env=env, check=False)
        if junit.exists():
            reports.append(junit)
        else:
            print(f"client suite: {target} did not run; see its output above", file=sys.stderr)
    return reports


def collected(python: Path, root: Path, selection: list[str]) -> int:
    """How many tests the suite has, to tell tests that never reported."""
    command = [
        str(python),
        "-m",
        "pytest",
        *(selection or ["kr8s/tests"]),
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "--collect-only",
        "-q",
    ]
    out = subprocess.run(command, cwd=root, env={"PYTHONPATH": str(root), "KUBECONFIG": "/dev/null", "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=False).stdout  # fmt: skip
    return sum(1 for line in out.splitlines() if "::" in line)


def table(outcomes: list[Outcome], total: int) -> str:
    """The per-test table, then the totals the docs quote."""
    lines = [f"{o.result:<10} {o.test}  {o.message}" for o in outcomes]
    counts = Counter(o.result for o in outcomes)
    counted = counts["passed"] + counts["failed"]
    lines.append("")
    lines.append(
        f"passed {counts['passed']} of {counted} counted tests "
        f"({counts['needs-node']} need a node, {counts['skipped']} skipped by the suite, {total - len(outcomes)} never reported (their run aborted), {total} in all)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sdist", type=Path, help=f"a kr8s sdist (default: {KR8S_VERSION} from PyPI, cached)"
    )
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument(
        "tests", nargs="*", help="test paths or node ids inside the sdist (default: kr8s/tests)"
    )
    args = parser.parse_args(argv)
    sdist = args.sdist or fetch_sdist(KR8S_VERSION, CACHE.resolve())
    python = ensure_venv(args.venv.resolve())
    with tempfile.TemporaryDirectory(prefix="client-suite-") as tmp, Emulator() as emulator:
        root = unpack(sdist, Path(tmp))
        total = collected(python, root, args.tests)
        reports = run_suite(python, root, emulator.kubeconfig_path, Path(tmp), args.tests)
        outcomes = [
            outcome for report in reports for outcome in classify(report) if outcome.test != "::"
        ]
    print(table(outcomes, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
