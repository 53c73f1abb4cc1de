"""The client-suite runner tells node-bound failures from the emulator's own."""

from __future__ import annotations

from pathlib import Path

from bench.client_suite import classify

JUNIT = """<?xml version="1.0"?>
<testsuites><testsuite>
  <testcase classname="kr8s.tests.test_objects" name="test_pod_exec">
    <failure message="httpx_ws._exceptions.WebSocketUpgradeError: &lt;Response [404]&gt;">tb</failure>
  </testcase>
  <testcase classname="kr8s.tests.test_objects" name="test_adoption">
    <error message="failed on setup with WebSocketUpgradeError">fixture nginx_pod: pod.exec</error>
  </testcase>
  <testcase classname="kr8s.tests.test_objects" name="test_pod_logs">
    <failure message="ServerError: the server could not find the requested resource">tb</failure>
  </testcase>
  <testcase classname="kr8s.tests.test_auth" name="test_exec">
    <error message="failed on setup with KeyError: 'client-certificate-data'">tb</error>
  </testcase>
  <testcase classname="kr8s.tests.test_api" name="test_version"/>
  <testcase classname="kr8s.tests.test_io" name="test_trio_port_forward">
    <skipped message="not yet implemented for trio"/>
  </testcase>
</testsuite></testsuites>
"""


def test_failures_are_classified_by_their_cause(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    results = {o.test.split("::")[1]: o.result for o in classify(junit)}
    assert results == {
        "test_pod_exec": "needs-node",
        "test_adoption": "needs-node",  # its fixture execs into a Pod
        "test_pod_logs": "needs-node",
        "test_exec": "failed",  # an exec credential plugin: no node involved
        "test_version": "passed",
        "test_trio_port_forward": "skipped",
    }
