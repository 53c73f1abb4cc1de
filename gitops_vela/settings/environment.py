"""The ``GITOPS_VELA_*`` environment variables, applied over the file or the flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace as _replace
from pathlib import Path
from typing import Any

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.addresses import parse_listen
from gitops_vela.settings.tree import LOG_FORMATS, RenderSettings, Settings

ENV_PREFIX = "GITOPS_VELA_"


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """``GITOPS_VELA_{CACHE_DIR,NAMESPACE,LOG_LEVEL,LOG_FORMAT,LISTEN}`` over the file,
    and the ``GITOPS_VELA_RENDER_*`` variables of ``render_settings``.

    ``POD_NAMESPACE`` (the downward API) sets the namespace when nothing else does.
    """
    changes: dict[str, Any] = {"render": render_settings(environ, settings.render)}
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


def render_settings(
    environ: Mapping[str, str], base: RenderSettings | None = None
) -> RenderSettings:
    """``GITOPS_VELA_RENDER_WORKERS`` and ``GITOPS_VELA_RENDER_MEMORY_MB`` over ``base``.

    The render commands call it too: they have no config file, only the environment.
    """
    base = base or RenderSettings()
    changes = {
        field: _positive_int(environ, ENV_PREFIX + name)
        for field, name in (("workers", "RENDER_WORKERS"), ("memory_mb", "RENDER_MEMORY_MB"))
        if environ.get(ENV_PREFIX + name)
    }
    return _replace(base, **changes)


def _positive_int(environ: Mapping[str, str], name: str) -> int:
    text = environ[name]
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(
            Diagnostic(path=name, message=f"expected a positive integer, got {text!r}")
        )
    return int(text)
