"""The built-in Jsonnet library (``vela.libsonnet`` and friends) as found-path -> source."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from gitops_vela.catalog import BUILTIN_DIR
from gitops_vela.catalog.sandbox import LIBRARY


@functools.cache
def library_files() -> Mapping[str, str]:
    """Every Jsonnet file of the built-in directory, read once per process."""
    if not BUILTIN_DIR.is_dir():
        return {}
    files = sorted([*BUILTIN_DIR.glob("*.libsonnet"), *BUILTIN_DIR.glob("*.jsonnet")])
    return {LIBRARY + file.name: file.read_text(encoding="utf-8") for file in files}
