"""pytest fixtures (registered through the ``pytest11`` entry point ``gitops_vela``).

``emulator``
    A running :class:`~vela_emulator.Emulator` with fresh state for each
    test (one server per session, :meth:`~Emulator.reset` between tests).
``kube``
    The fidelity suite's target, parametrized: ``emulator`` always, and ``real``
    too when ``GITOPS_VELA_E2E_KUBECONFIG`` names a kubeconfig.
    Gives a kubeconfig, a client configuration and a fresh namespace.
``kubectl``
    Runs ``kubectl`` against ``kube`` (skips with a reason when the binary is missing).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vela_emulator.emulator import Emulator

E2E_ENV = "GITOPS_VELA_E2E_KUBECONFIG"


@pytest.fixture(scope="session")
def _gitops_vela_emulator_server() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator(_gitops_vela_emulator_server: Emulator) -> Iterator[Emulator]:
    """A running emulator with an empty cluster (namespaces default, kube-system, ...)."""
    emu = _gitops_vela_emulator_server
    emu.reset()
    yield emu
    emu.faults.clear()


@dataclass
class KubeTarget:
    """Where a fidelity test runs: the emulator or a real cluster, plus its own namespace."""

    name: str  # "emulator" or "real"
    kubeconfig_path: Path
    namespace: str
    emulator: Emulator | None

    def client_configuration(self) -> Any:
        if self.emulator is not None:
            return self.emulator.client_configuration()
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(self.kubeconfig_path), client_configuration=configuration
        )
        return configuration

    def dynamic_client(self) -> Any:
        from kubernetes import client, dynamic

        api_client = client.ApiClient(self.client_configuration())
        return dynamic.DynamicClient(api_client)  # type: ignore[no-untyped-call]


def _kubectl_path() -> str | None:
    return shutil.which("kubectl")


def _run_kubectl(
    kubeconfig: Path, *args: str, stdin: str | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    binary = _kubectl_path()
    if binary is None:
        pytest.skip("kubectl is not installed: the kubectl half of this scenario needs it")
    return subprocess.run(
        [binary, "--kubeconfig", str(kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


# "real" joins only when a cluster is named, so runs without one are not full of skips.
_TARGETS: list[Any] = ["emulator"]
if os.environ.get(E2E_ENV):
    _TARGETS.append(pytest.param("real", marks=pytest.mark.e2e))


@pytest.fixture(params=_TARGETS)
def kube(request: pytest.FixtureRequest) -> Iterator[KubeTarget]:
    namespace = f"gv-{secrets.token_hex(4)}"
    if request.param == "real":
        target = KubeTarget("real", Path(os.environ[E2E_ENV]), namespace, None)
    else:
        emu = request.getfixturevalue("emulator")
        target = KubeTarget("emulator", emu.kubeconfig_path, namespace, emu)
    _create_namespace(target)
    yield target
    if target.emulator is None:
        _run_kubectl(
            target.kubeconfig_path,
            "delete",
            "namespace",
            namespace,
            "--wait=false",
            "--ignore-not-found",
        )


def _create_namespace(target: KubeTarget) -> None:
    from kubernetes import client

    api = client.CoreV1Api(client.ApiClient(target.client_configuration()))
    body: Any = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": target.namespace}}
    api.create_namespace(body)


class Kubectl:
    """``kubectl`` bound to a kubeconfig; ``run`` returns the finished process."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig

    def run(
        self, *args: str, stdin: str | None = None, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        return _run_kubectl(self.kubeconfig, *args, stdin=stdin, check=check)

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        """Run and return stdout; a failure fails the test with kubectl's stderr."""
        done = self.run(*args, stdin=stdin)
        if done.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done.stdout


@pytest.fixture
def kubectl(kube: KubeTarget) -> Kubectl:
    if _kubectl_path() is None:
        pytest.skip("kubectl is not installed: the kubectl half of this scenario needs it")
    return Kubectl(kube.kubeconfig_path)
