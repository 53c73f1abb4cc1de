"""Snapshot across restarts, and the ``gitops-vela emulator`` command in the foreground."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import yaml
from kubernetes import client, dynamic
from vela_emulator import Emulator

from gitops_vela.cli import main
from tests.emulator.helpers import configmap


def test_snapshot_keeps_objects_and_crd_kinds_across_restarts(tmp_path: Path) -> None:
    snapshot = tmp_path / "cluster.json"
    with Emulator(snapshot=snapshot) as first:
        dyn = dynamic.DynamicClient(client.ApiClient(first.client_configuration()))
        dyn.resources.get(api_version="v1", kind="ConfigMap").create(
            body=configmap("kept", "default", {"a": "1"}), namespace="default"
        )
        crd = yaml.safe_load(
            (
                Path(__file__).parent.parent
                / "testdata/crds/monitoring.coreos.com_servicemonitors.yaml"
            ).read_text()
        )
        dyn.resources.get(
            api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
        ).create(body=crd)
        rv = (
            dyn.resources.get(api_version="v1", kind="ConfigMap")
            .get(namespace="default")
            .metadata.resourceVersion
        )
    assert snapshot.exists()
    with Emulator(snapshot=snapshot) as second:
        dyn = dynamic.DynamicClient(client.ApiClient(second.client_configuration()))
        cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
        assert cms.get(name="kept", namespace="default").data.a == "1"
        assert int(cms.get(namespace="default").metadata.resourceVersion) >= int(rv)
        assert dyn.resources.get(
            api_version="monitoring.coreos.com/v1", kind="ServiceMonitor"
        ).namespaced


def test_cli_prints_url_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitops_vela",
            "emulator",
            "--port",
            "0",
            "--kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Kubernetes API emulator listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["clusters"][0]["cluster"]["server"] == url
        configuration = client.Configuration()
        configuration.host = url
        names = [
            n.metadata.name
            for n in client.CoreV1Api(client.ApiClient(configuration)).list_namespace().items
        ]
        assert "default" in names
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_cli_help_has_an_example(capsys: object) -> None:
    try:
        main(["emulator", "--help"])
    except SystemExit as done:
        assert done.code == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "--kubeconfig" in out and "example:" in out


def test_cli_reports_a_busy_port(capsys: object) -> None:
    with Emulator() as running:
        code = main(["emulator", "--port", str(running.port), "--kubeconfig", "/dev/null"])
    assert code == 2
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err  # type: ignore[attr-defined]


def test_services_after_a_restart_get_fresh_cluster_ips(tmp_path: Path) -> None:
    snapshot = tmp_path / "cluster.json"
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "a"},
        "spec": {"type": "NodePort", "ports": [{"port": 80}]},
    }
    with Emulator(snapshot=snapshot) as first:
        services = dynamic.DynamicClient(
            client.ApiClient(first.client_configuration())
        ).resources.get(api_version="v1", kind="Service")
        before = services.create(body=svc, namespace="default").spec
    with Emulator(snapshot=snapshot) as second:
        services = dynamic.DynamicClient(
            client.ApiClient(second.client_configuration())
        ).resources.get(api_version="v1", kind="Service")
        after = services.create(body={**svc, "metadata": {"name": "b"}}, namespace="default").spec
    assert after.clusterIP != before.clusterIP
    assert after.ports[0].nodePort != before.ports[0].nodePort
