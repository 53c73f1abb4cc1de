"""Fault injection (status codes, Retry-After, latency, dropped connections) and request counters."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request

import pytest
from vela_emulator import Emulator


def _get(emulator: Emulator, path: str) -> tuple[int, dict, dict]:
    try:
        with urllib.request.urlopen(emulator.url + path) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err), dict(err.headers)


def _patch(emulator: Emulator, path: str, body: dict, content_type: str) -> int:
    request = urllib.request.Request(
        emulator.url + path,
        data=json.dumps(body).encode(),
        method="PATCH",
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


CM = "/api/v1/namespaces/default/configmaps"


def test_status_fault_hits_a_number_of_requests_then_retires(emulator: Emulator) -> None:
    emulator.faults.add(verb="list", resource="configmaps", status=503, times=2, retry_after=1)
    first = _get(emulator, CM)
    assert first[0] == 503
    assert first[1]["reason"] == "ServiceUnavailable"
    assert first[2]["Retry-After"] == "1"
    assert _get(emulator, CM)[0] == 503
    assert _get(emulator, CM)[0] == 200
    assert emulator.faults.active == []


def test_429_has_too_many_requests_reason(emulator: Emulator) -> None:
    emulator.faults.add(resource="configmaps", status=429, retry_after=2, times=1)
    code, body, headers = _get(emulator, CM)
    assert (code, body["reason"], headers["Retry-After"]) == (429, "TooManyRequests", "2")
    assert body["details"]["retryAfterSeconds"] == 2


def test_fault_matches_only_its_verb_and_resource(emulator: Emulator) -> None:
    emulator.faults.add(verb="apply", resource="deployments", status=500)
    assert _get(emulator, "/apis/apps/v1/namespaces/default/deployments")[0] == 200
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    assert _patch(emulator, CM + "/x?fieldManager=t", cm, "application/apply-patch+yaml") == 201
    code = _patch(
        emulator,
        "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=t",
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}},
        "application/apply-patch+yaml",
    )
    assert code == 500


def test_dropped_connection_gives_no_answer(emulator: Emulator) -> None:
    emulator.faults.add(verb="get", drop=True, times=1)
    conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    conn.request("GET", "/api/v1/namespaces/default")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        conn.getresponse()
    conn.close()
    assert _get(emulator, "/api/v1/namespaces/default")[0] == 200


def test_latency_fault_is_recorded_and_request_still_succeeds(emulator: Emulator) -> None:
    fault = emulator.faults.add(verb="get", resource="namespaces", latency=0.05, times=1)
    assert _get(emulator, "/api/v1/namespaces/default")[0] == 200
    assert fault.hits == 1


def test_rate_hits_a_fraction(emulator: Emulator) -> None:
    emulator.faults.add(verb="list", resource="configmaps", status=500, rate=0.5)
    codes = [_get(emulator, CM)[0] for _ in range(40)]
    assert 0 < codes.count(500) < 40


def test_a_fault_needs_an_effect(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="status="):
        emulator.faults.add(verb="get")


def test_counters_count_reads_writes_and_applies(emulator: Emulator) -> None:
    emulator.counters.reset()
    _get(emulator, CM)
    _get(emulator, CM + "/missing")
    _patch(
        emulator,
        CM + "/c?fieldManager=t",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        "application/apply-patch+yaml",
    )
    _get(emulator, "/api")
    snap = emulator.counters.snapshot()
    assert snap["reads"] == 2
    assert snap["writes"] == 1
    assert snap["by_verb"] == {"list": 1, "get": 1, "patch": 1, "apply": 1}
    assert snap["by_resource"] == {"configmaps": 3}
    assert snap["discovery"] == 1
    assert snap["total"] == 4
    assert emulator.counters.count("patch", "configmaps") == 1
    emulator.counters.reset()
    assert emulator.counters.snapshot()["total"] == 0


def test_faulted_requests_are_counted_too(emulator: Emulator) -> None:
    emulator.counters.reset()
    emulator.faults.add(verb="list", status=500, times=1)
    _get(emulator, CM)
    assert emulator.counters.by_verb() == {"list": 1}
