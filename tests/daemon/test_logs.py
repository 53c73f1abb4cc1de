"""Log lines: JSON for machines, credentials redacted, tracebacks only for bugs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from gitops_vela import logs
from gitops_vela.errors import SourceError


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    logs.configure(json=True, stream=out, level="info")
    yield out
    reset()


def reset() -> None:
    structlog.reset_defaults()
    for handler in list(logging.getLogger().handlers):
        if type(handler).__module__ == logs.__name__:
            logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_lines_are_json_with_the_agreed_fields(stream: io.StringIO) -> None:
    logs.get_logger("t").info("reconciled", repo="shop", app="web", revision="abc", duration=0.2)
    (line,) = lines(stream)
    assert list(line)[:3] == ["timestamp", "level", "event"]
    assert line["timestamp"].endswith("Z")
    assert {k: line[k] for k in ("level", "event", "repo", "app", "revision", "duration")} == {
        "level": "info",
        "event": "reconciled",
        "repo": "shop",
        "app": "web",
        "revision": "abc",
        "duration": 0.2,
    }


def test_credentials_in_urls_are_redacted_everywhere(stream: io.StringIO) -> None:
    log = logs.get_logger("t")
    log.info(
        "cloning https://x-access-token:ghp_secret@github.com/a/b.git", urls=["ssh://git:pw@h/x"]
    )
    text = stream.getvalue()
    assert "ghp_secret" not in text and ":pw@" not in text
    assert "https://***@github.com/a/b.git" in text and "ssh://***@h/x" in text


def test_expected_errors_are_fields_not_tracebacks(stream: io.StringIO) -> None:
    try:
        raise SourceError("fetch https://tok@host/r.git failed: connection refused")
    except SourceError as exc:
        logs.get_logger("t").warning("reconcile failed", exc_info=exc)
    (line,) = lines(stream)
    assert line["error"] == "fetch https://***@host/r.git failed: connection refused"
    assert line["reason"] == "SourceFailed"
    assert "exception" not in line


def test_bugs_keep_their_traceback_without_local_variables(stream: io.StringIO) -> None:
    try:
        token = "s3cr3t"  # a local: must never reach the log
        raise KeyError(token[:0] + "missing")
    except KeyError:
        logs.get_logger("t").exception("reconcile crashed")
    (line,) = lines(stream)
    assert line["exception"][0]["exc_type"] == "KeyError"
    assert "s3cr3t" not in stream.getvalue()


def test_standard_library_loggers_share_the_format(stream: io.StringIO) -> None:
    logging.getLogger("kubernetes.client").warning("retrying https://u:p@api/x")
    logging.getLogger("apscheduler.scheduler").warning("job skipped: still running")
    (line,) = lines(stream)
    assert line["event"] == "retrying https://***@api/x" and line["logger"] == "kubernetes.client"


def test_a_terminal_gets_a_readable_console_renderer() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    logs.configure(stream=out)
    try:
        logs.get_logger("t").info("reconciled", repo="shop")
        assert "reconciled" in out.getvalue() and not out.getvalue().startswith("{")
    finally:
        reset()
