"""structlog setup: JSON lines for machines, a readable console renderer on a TTY.

The daemon logs to stdout (one JSON object per line: ``timestamp``, ``level``,
``event`` and context such as ``repo``, ``app``, ``revision``, ``duration``).
Commands that print data on stdout log to stderr. Every line passes through
two guards:

- credentials in URLs are redacted (``https://***@host/...``), in every
  string value, wherever it came from;
- expected errors (``GitopsVelaError``) are logged as ``error`` and
  ``reason`` fields, never as tracebacks; only bugs carry a traceback.

Records of the standard ``logging`` module (APScheduler, urllib3, the
Kubernetes client) are routed through the same pipeline, so nothing prints a
line of another format.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from gitops_vela.errors import GitopsVelaError

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_LEVELS["error"] = logging.ERROR
# Libraries that say too much at INFO for a daemon that polls every minute.
_QUIET_LIBRARIES = ("urllib3", "kubernetes", "git")
# APScheduler warns when a tick finds the previous run still going: by design here
# (one run per repository at a time), so only its errors are worth a line.
_QUIETER_LIBRARIES = ("apscheduler",)


def redact(text: str) -> str:
    """``https://user:token@host/x`` -> ``https://***@host/x``."""
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


def _redact_values(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_values(v) for v in value]
    return value


def redact_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        event_dict[key] = _redact_values(value)
    return event_dict


def expected_errors_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Turn an expected error into fields; keep the traceback only for bugs."""
    exc_info = event_dict.get("exc_info")
    exc = exc_info if isinstance(exc_info, BaseException) else None
    if exc_info is True:
        exc = sys.exc_info()[1]
    if isinstance(exc, GitopsVelaError):
        del event_dict["exc_info"]
        event_dict.setdefault("error", exc.message)
        event_dict.setdefault("reason", str(exc.reason))
    return event_dict


def _leading_keys(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """``timestamp``, ``level``, ``event`` first: lines read left to right."""
    head = {k: event_dict.pop(k) for k in ("timestamp", "level", "event") if k in event_dict}
    return {**head, **event_dict}


class _ToStructlog(logging.Handler):
    """Forwards standard-library records into structlog (one writer, one format)."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = structlog.get_logger(record.name)
        fields: dict[str, Any] = {"logger": record.name}
        if record.exc_info and record.exc_info[1] is not None:
            fields["exc_info"] = record.exc_info[1]
        logger.log(record.levelno, record.getMessage(), **fields)


def configure(
    *, json: bool | None = None, level: str = "info", stream: TextIO | None = None
) -> None:
    """Configure logging once per process.

    ``stream`` defaults to stderr (safe for commands that print data);
    the daemon passes stdout. ``json=None`` picks JSON unless ``stream`` is a TTY.
    """
    stream = stream or sys.stderr
    if json is None:
        json = not stream.isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        expected_errors_processor,
        # Tracebacks of bugs only, and without locals (they may hold secrets).
        structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
        if json
        else structlog.processors.format_exc_info,
        redact_processor,
        _leading_keys,
        renderer,
    ]
    numeric = _LEVELS.get(level.lower(), logging.INFO)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    _route_standard_logging(numeric)


def _route_standard_logging(level: int) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _ToStructlog):
            root.removeHandler(handler)
    root.addHandler(_ToStructlog())
    root.setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in _QUIETER_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.ERROR))


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
