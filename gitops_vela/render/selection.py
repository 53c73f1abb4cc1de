"""Which apps a command works on: ``--app NAME`` (repeatable) and ``-l SELECTOR``.

A selector is written as kubectl writes label selectors and is matched
against the Appfile's ``labels:`` (``tier=web``, ``tier!=batch``, ``env in
(prod,staging)``, ``env notin (dev)``, ``team``, ``!legacy``; requirements
separated by commas all hold). An Appfile that failed to load is matched by
the labels it declares when they can still be read; when they cannot, it is
kept, so a broken app the selector may have meant is reported, never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from gitops_vela.model.rendered import AppFailure, RepositoryRender
from gitops_vela.render.discover import parse_appfile, read_appfile_text
from gitops_vela.yamldoc import YamlError

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_VALUE = r"[A-Za-z0-9]?(?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_SET = re.compile(rf"^({_KEY})\s+(in|notin)\s+\(\s*({_VALUE}(?:\s*,\s*{_VALUE})*)\s*\)$")
_EQUALITY = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_EXISTS = re.compile(rf"^(!?)\s*({_KEY})$")


class SelectorError(ValueError):
    """A selector that does not parse; the message shows the part that is wrong."""


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str  # in, notin, exists, !exists
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "!exists":
            return self.key not in labels
        if self.operator == "in":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values  # notin: a missing key matches


@dataclass(frozen=True, slots=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


def parse_selector(text: str) -> Selector:
    """``tier=web,env in (prod,staging),!legacy`` -> a ``Selector``; ``SelectorError`` if bad."""
    parts = [p.strip() for p in _split(text)]
    if not any(parts):
        raise SelectorError("empty selector: give e.g. -l tier=web")
    return Selector(tuple(_requirement(part) for part in parts))


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses (``env in (a,b),tier=web`` is two parts)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _requirement(part: str) -> Requirement:
    if match := _SET.match(part):
        values = frozenset(v.strip() for v in match.group(3).split(","))
        return Requirement(match.group(1), match.group(2), values)
    if match := _EQUALITY.match(part):
        operator = "notin" if match.group(2) == "!=" else "in"
        return Requirement(match.group(1), operator, frozenset({match.group(3)}))
    if match := _EXISTS.match(part):
        return Requirement(match.group(2), "!exists" if match.group(1) else "exists")
    raise SelectorError(
        f"invalid selector requirement {part!r}: use key=value, key!=value,"
        " 'key in (a,b)', 'key notin (a,b)', key or !key"
    )


def select_apps(
    render: RepositoryRender,
    *,
    root: Path,
    names: Collection[str] = (),
    selector: Selector | None = None,
) -> RepositoryRender:
    """The apps (and failures) named in ``names`` (all when empty) that match ``selector``."""
    apps = tuple(
        a
        for a in render.apps
        if (not names or a.name in names) and (selector is None or selector.matches(a.labels))
    )
    failures = tuple(
        f
        for f in render.failures
        if (not names or f.name in names) and _failure_selected(f, root, selector)
    )
    return replace(render, apps=apps, failures=failures)


def _failure_selected(failure: AppFailure, root: Path, selector: Selector | None) -> bool:
    if selector is None:
        return True
    labels = declared_labels(root, failure.path)
    return labels is None or selector.matches(labels)


def declared_labels(root: Path, relative: str) -> dict[str, str] | None:
    """The ``labels:`` an Appfile declares, read leniently; None when they cannot be read."""
    try:
        doc = parse_appfile(read_appfile_text(root, relative), relative)
    except (YamlError, OSError):
        return None
    body = doc.value if doc is not None else None
    labels = body.get("labels", {}) if isinstance(body, dict) else None
    if not isinstance(labels, dict):
        return None
    return {str(k): str(v) for k, v in labels.items()}
