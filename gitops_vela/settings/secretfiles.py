"""Reading a secret from the file a setting names (values never enter settings)."""

from __future__ import annotations

from pathlib import Path

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic


def read_secret_file(path: Path) -> bytes:
    """The secret in ``path`` without its trailing newline. Never logged."""
    try:
        return path.read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise ConfigError(
            Diagnostic(path=str(path), message=f"cannot read secret file: {exc.strerror}")
        ) from exc
