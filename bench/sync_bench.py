"""Sync benchmark: 1,000 apps x 5 objects against the emulator.

Runs a cold apply, a no-op re-apply and a one-object change, and prints the
time and the requests each sent (counted by the client, by verb; dry-run
applies are counted apart as ``patch-dry-run``).

Targets on a 2-core machine: cold <= 60 s; no-op 0 writes, at most
(kinds + 2) list requests, <= 2 s; one change = 1 write.

    python bench/sync_bench.py [--apps 1000] [--namespaces 20] [--concurrency 8] [--in-process]

By default the emulator runs as its own process (``gitops-vela emulator``),
as it would beside a daemon; ``--in-process`` runs it in this interpreter.
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gitops_vela.cluster import Cluster, load_configuration
from gitops_vela.model.labels import OWNER, owner_value
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.sync import SyncOptions, SyncResult, sync_apps

KINDS = 5  # Deployment, Service, ConfigMap, Secret, Ingress


def build_app(index: int, *, namespaces: int, image: str = "nginx:1.25") -> RenderedApp:
    name = f"app-{index:04d}"
    namespace = f"team-{index % namespaces:02d}"
    labels = {"app": name}
    meta = {"name": name, "namespace": namespace, "labels": {OWNER: owner_value("bench", name)}}
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"mode": "fast"}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta,
            "type": "Opaque",
            "data": {"token": base64.b64encode(f"token-{index}".encode()).decode()},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {"name": "web", "image": image, "resources": {"limits": {"cpu": 0.5}}}
                        ]
                    },
                },
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": meta,
            "spec": {
                "rules": [
                    {
                        "host": f"{name}.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": name, "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ]
            },
        },
    ]
    return RenderedApp(
        "bench", name, namespace, f"apps/{name}/vela.yaml", tuple(objects), str(index)
    )


@contextmanager
def emulator(in_process: bool) -> Iterator[Any]:
    if in_process:
        from vela_emulator import Emulator

        with Emulator() as emu:
            yield emu.client_configuration()
        return
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
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
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while not kubeconfig.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.2)
            yield load_configuration(str(kubeconfig))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def run(cluster: Cluster, apps: list[RenderedApp], label: str) -> tuple[float, dict[str, int]]:
    cluster.requests.clear()
    start = time.perf_counter()
    result: SyncResult = sync_apps(cluster, apps, options=SyncOptions(prune=True))
    elapsed = time.perf_counter() - start
    if not result.ok:
        failed = [a for a in result.apps if not a.ok]
        raise SystemExit(f"{label}: {len(failed)} app(s) failed, first: {failed[0].errors[:2]}")
    requests = dict(cluster.requests)
    writes = sum(
        n for verb, n in requests.items() if verb in ("patch", "create", "update", "delete")
    )
    print(
        f"{label:<12} {elapsed:7.2f} s   writes {writes:5d}   lists {requests.get('list', 0):3d}   {requests}"
    )
    return elapsed, requests


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    apps = [build_app(i, namespaces=args.namespaces) for i in range(args.apps)]
    print(
        f"{args.apps} apps x {KINDS} objects = {args.apps * KINDS} objects, concurrency {args.concurrency}"
    )
    with (
        emulator(args.in_process) as configuration,
        Cluster(configuration, concurrency=args.concurrency) as cluster,
    ):
        cold, _ = run(cluster, apps, "cold apply")
        noop, requests = run(cluster, apps, "no-op")
        changed = list(apps)
        changed[7] = build_app(7, namespaces=args.namespaces, image="nginx:1.26")
        _, one = run(cluster, changed, "one change")
    noop_writes = sum(
        n for v, n in requests.items() if v in ("patch", "create", "update", "delete")
    )
    one_writes = sum(n for v, n in one.items() if v in ("patch", "create", "update", "delete"))
    checks = {
        "cold <= 60 s": cold <= 60,
        "no-op 0 writes": noop_writes == 0,
        f"no-op lists <= {KINDS + 2}": requests.get("list", 0) <= KINDS + 2,
        "no-op <= 2 s": noop <= 2,
        "one change = 1 write": one_writes == 1,
    }
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
