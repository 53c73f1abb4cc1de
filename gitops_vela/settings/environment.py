"""The ``GITOPS_VELA_*`` environment variables, applied over the file or the flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace as _replace
from pathlib import Path
from typing import Any

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.addresses import parse_listen
from gitops_vela.settings.tree import LOG_FORMATS, Settings

ENV_PREFIX = "GITOPS_VELA_"


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """``GITOPS_VELA_{CACHE_DIR,NAMESPACE,LOG_LEVEL,LOG_FORMAT,LISTEN}`` over the file.

    ``POD_NAMESPACE`` (the downward API) sets the namespace when nothing else does.
    """
    changes: dict[str, Any] = {}
    if value := environ.get(ENV_PREFIX + "CACHE_DIR"):
        changes["cache_dir"] = Path(value).expanduser().resolve()
    if value := environ.get(ENV_PREFIX + "NAMESPACE") or environ.get("POD_NAMESPACE"):
        changes["namespace"] = value
    if value := environ.get(ENV_PREFIX + "LOG_LEVEL"):
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ConfigError(
                Diagnostic(path=ENV_PREFIX + "LOG_LEVEL", message=f"unknown level {value!r}")
            )
        changes["log_level"] = value.lower()
    if value := environ.get(ENV_PREFIX + "LOG_FORMAT"):
        if value not in LOG_FORMATS:
            raise ConfigError(
                Diagnostic(
                    path=ENV_PREFIX + "LOG_FORMAT",
                    message=f"unknown format {value!r}: use {', '.join(LOG_FORMATS)}",
                )
            )
        changes["log_format"] = value
    if value := environ.get(ENV_PREFIX + "LISTEN"):
        try:
            host, port = parse_listen(value)
        except ValueError as exc:
            raise ConfigError(Diagnostic(path=ENV_PREFIX + "LISTEN", message=str(exc))) from exc
        changes["server"] = _replace(settings.server, host=host, port=port)
    return _replace(settings, **changes)
