"""Manifests as YAML text that reads like ``kubectl get -o yaml``."""

from __future__ import annotations

from typing import Any

import yaml

from gitops_vela.yamldoc import DUMPER


class _Dumper(DUMPER):  # type: ignore[misc]
    """Keeps key order; multi-line strings become literal blocks (``|``)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # The emitter falls back to a quoted scalar when a block cannot hold the text
    # (trailing spaces, control characters), so this never changes the value.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(obj: Any, *, sort_keys: bool = False, allow_unicode: bool = False) -> str:
    """One YAML document, keys in the order the object holds them unless ``sort_keys``.

    Diffs use it too: a literal block puts each line of an embedded file on a
    line of its own, so a diff shows the one line that changed.
    """
    return str(yaml.dump(obj, Dumper=_Dumper, sort_keys=sort_keys, allow_unicode=allow_unicode))
