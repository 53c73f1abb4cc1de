"""Emulator throughput and memory: small GETs and applies per second, bytes per stored object.

Run: ``python -m bench.emulator_bench [--requests 4000] [--clients 4] [--objects 2000]``.
Clients are keep-alive HTTP/1.1 connections in threads (as a controller's
connection pool would be); the target is at least 2,000 requests per second.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
import tracemalloc
from collections.abc import Callable

from vela_emulator import Emulator
from vela_emulator.calls import Call

Request = Callable[[http.client.HTTPConnection, int], None]


def _get(conn: http.client.HTTPConnection, i: int) -> None:
    conn.request("GET", f"/api/v1/namespaces/default/configmaps/bench-{i % 50}")
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status


def _apply(conn: http.client.HTTPConnection, i: int) -> None:
    name = f"applied-{i % 50}"
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "bench"}},
        "data": {"n": str(i)},
    }
    conn.request(
        "PATCH",
        f"/api/v1/namespaces/default/configmaps/{name}?fieldManager=bench&force=true",
        body=json.dumps(body),
        headers={"Content-Type": "application/apply-patch+yaml"},
    )
    response = conn.getresponse()
    response.read()
    assert response.status in (200, 201), response.status


def _throughput(emu: Emulator, request: Request, *, total: int, clients: int) -> float:
    per_client = total // clients

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", emu.port)
        for i in range(per_client):
            request(conn, offset + i)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n * per_client,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_client * clients / (time.perf_counter() - start)


def _seed(emu: Emulator) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", emu.port)
    for i in range(50):
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"bench-{i}"},
            "data": {"k": "v"},
        }
        conn.request(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        conn.getresponse().read()
    conn.close()


def _deployment(i: int) -> bytes:
    labels = {"app": f"d{i}"}
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"d{i}", "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
            },
        },
    }
    return json.dumps(body).encode()


def _bytes_per_object(objects: int, *, history: bool) -> float:
    """Memory per stored Deployment (defaulted, managedFields, simulated status[, watch history])."""
    with Emulator(watch_history=20_000 if history else 1) as emu:
        rtype = emu.registry.get("apps", "v1", "deployments")
        assert rtype is not None
        bodies = [_deployment(i) for i in range(objects)]
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for body in bodies:
            emu.api.create(
                Call("create", rtype, "default", body=body, query={"fieldManager": "bench"})
            )
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    return (after - before) / objects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--objects", type=int, default=2000)
    args = parser.parse_args()
    with Emulator() as emu:
        _seed(emu)
        get_rate = _throughput(emu, _get, total=args.requests, clients=args.clients)
        apply_rate = _throughput(emu, _apply, total=args.requests // 2, clients=args.clients)
        counted = emu.counters.snapshot()
    with_history = _bytes_per_object(args.objects, history=True)
    alone = _bytes_per_object(args.objects, history=False)
    print(f"GET configmap          {get_rate:8.0f} req/s  ({args.clients} keep-alive clients)")
    print(f"server-side apply      {apply_rate:8.0f} req/s")
    print(f"memory per Deployment  {alone / 1024:8.1f} KiB  ({args.objects} stored)")
    print(
        f"  with watch history   {with_history / 1024:8.1f} KiB  (its create and status events kept)"
    )
    print(f"requests counted       {counted['total']:8d}")
    verdict = "meets" if max(get_rate, apply_rate) >= 2000 else "MISSES"
    print(f"target 2,000 req/s: {verdict}")


if __name__ == "__main__":
    main()
