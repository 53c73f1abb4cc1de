"""The Jsonnet engine: sandboxed imports, time limits, crashed workers, health-policy calls."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest

from gitops_vela.errors import RenderError
from gitops_vela.render import engine
from gitops_vela.render.engine import Job
from gitops_vela.settings.tree import RenderSettings

LIBRARY = {"<builtin>/vela.libsonnet": "{ double(x):: 2 * x }"}


def run(source: str, **kwargs: object) -> engine.JobResult:
    (outcome,) = engine.evaluate([Job("<app>/main.jsonnet", source, **kwargs)])  # type: ignore[arg-type]
    return outcome


def test_imports_resolve_in_the_importer_directory_then_the_library() -> None:
    files = {
        "definitions/t.jsonnet": "local lib = import 'lib/x.libsonnet'; local v = import 'vela.libsonnet'; v.double(lib.n)",
        "definitions/lib/x.libsonnet": "{ n: 21 }",
        **LIBRARY,
    }

    outcome = run("import '<def:t>'", files=files, entries={"<def:t>": "definitions/t.jsonnet"})

    assert outcome.ok and json.loads(outcome.text) == 42


@pytest.mark.parametrize(
    ("imported", "message"),
    [
        (
            "../../secret.libsonnet",
            "import refused: '../../secret.libsonnet' points outside the repository",
        ),
        ("/etc/hostname", "import refused: '/etc/hostname' is an absolute path"),
        ("other.libsonnet", "import 'other.libsonnet' not found"),
    ],
)
def test_imports_outside_the_given_files_are_refused(imported: str, message: str) -> None:
    files = {"definitions/t.jsonnet": f"import '{imported}'"}

    outcome = run("import '<def:t>'", files=files, entries={"<def:t>": "definitions/t.jsonnet"})

    assert not outcome.ok and message in outcome.text


def test_the_library_cannot_reach_back_into_a_repository() -> None:
    files = {
        "<builtin>/vela.libsonnet": "import '../definitions/t.jsonnet'",
        "definitions/t.jsonnet": "1",
    }

    outcome = run("import 'vela.libsonnet'", files=files)

    assert not outcome.ok and "points outside the repository" in outcome.text


def test_an_evaluation_over_its_time_is_stopped_and_the_pool_recovers() -> None:
    slow = "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1); f(60)"

    outcome = run(slow, timeout=0.5)

    assert outcome.timed_out and not outcome.ok
    assert run("1 + 1").text.strip() == "2"


def test_an_idle_worker_that_died_is_replaced_transparently() -> None:
    pool = engine.pool()
    run("0")  # make sure a worker is idle
    for worker in list(pool._idle):
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()

    assert run("1").text.strip() == "1"


def test_a_worker_dying_under_a_job_is_reported_and_replaced() -> None:
    slow = "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1); f(60)"
    pool = engine.pool()
    run("0")
    victims = [worker.process.pid for worker in pool._idle]
    killer = threading.Timer(0.3, lambda: [os.kill(pid, signal.SIGKILL) for pid in victims])
    killer.start()

    outcome = run(slow, timeout=5)

    killer.join()
    assert outcome.crashed and "the Jsonnet worker died (exit code -9)" in outcome.text
    assert run("3").text.strip() == "3"


def test_a_template_allocating_without_bound_crashes_its_worker_only() -> None:
    outcome = run("std.length(std.range(1, 600000000))")  # ~4.8 GB: over the address-space cap

    assert outcome.crashed
    assert run("4").text.strip() == "4"


def test_concurrent_callers_share_the_pool() -> None:
    results: list[str] = []

    def call(n: int) -> None:
        results.append(run(f"{n} * 2").text.strip())

    threads = [threading.Thread(target=call, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=int) == ["0", "2", "4", "6", "8", "10"]


def test_call_function_passes_named_arguments() -> None:
    policy = (
        "function(object) { healthy: object.status.ready == object.spec.replicas, message: 'ok' }"
    )
    live = {"spec": {"replicas": 2}, "status": {"ready": 2}}

    assert engine.call_function(policy, args={"object": live}, name="healthPolicy") == {
        "healthy": True,
        "message": "ok",
    }


def test_call_function_errors_name_the_caller() -> None:
    with pytest.raises(RenderError) as raised:
        engine.call_function(
            "function(object) object.missing", args={"object": {}}, name="policy of 'x'"
        )

    assert str(raised.value).startswith(
        "policy of 'x': RUNTIME ERROR: Field does not exist: missing"
    )


def test_call_function_times_out() -> None:
    slow = "function(object) local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1); f(60)"

    with pytest.raises(RenderError, match=r"did not finish within 0\.3s"):
        engine.call_function(slow, args={"object": {}}, name="policy", timeout=0.3)


def test_start_boots_every_worker_at_once_and_the_next_run_uses_them() -> None:
    pool = engine.Pool(RenderSettings(workers=2))
    try:
        pool.start()
        booted = {worker.process.pid for worker in pool._idle}
        assert len(booted) == 2  # both started, neither waited for
        pool.start()  # already full: nothing more
        assert pool._count == 2

        outcome = pool.run([Job("a.jsonnet", "1 + 1"), Job("b.jsonnet", "2 + 2")])

        assert [r.text.strip() for r in outcome] == ["2", "4"]
        assert {worker.process.pid for worker in pool._idle} == booted
    finally:
        pool.close()
