"""An Appfile as one environment sees it: the base, its ``environments.<env>`` block, its overlay.

One repository describes dev, staging and prod; each cluster's daemon renders
its own environment. The layers are deep-merged in order (base, then the
Appfile's ``environments.<env>`` block, then the overlay file
``<stem>.<env>.yaml`` next to the Appfile): maps merge, anything else
(lists included) replaces, ``null`` removes the key. Services and traits are
keys like any other, so an environment adds or removes them the same way.

The merge runs before the Appfile is checked, and the merged document keeps,
for every key, the file and line where its value was written: an error in a
value an environment set names that environment's block (or overlay file),
an error in an inherited value names the base.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Collection, Mapping
from typing import Any

from gitops_vela.errors import AppfileError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render.values import did_you_mean
from gitops_vela.yamldoc import Document, KeyPath

ENVIRONMENTS = "environments"
# What an environment may change: everything but the app's name (its identity everywhere).
ENVIRONMENT_KEYS = ("namespace", "labels", "annotations", "services")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_OVERLAY = re.compile(r"^(?P<stem>.+)\.(?P<env>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.yaml\Z")


@dataclasses.dataclass(frozen=True, slots=True)
class Layer:
    """A block merged over the base: the mapping at ``at`` in ``doc``."""

    doc: Document
    at: KeyPath

    @property
    def value(self) -> Any:
        value = self.doc.value
        for key in self.at:
            value = value.get(key) if isinstance(value, dict) else None
        return value


def is_environment_name(name: str) -> bool:
    return len(name) <= 63 and bool(_NAME.match(name))


def overlay_of(path: str) -> tuple[str, str] | None:
    """``apps/shop/vela.prod.yaml`` -> (``apps/shop/vela.yaml``, ``prod``); None if not that shape."""
    match = _OVERLAY.match(path)
    if match is None:
        return None
    return f"{match.group('stem')}.yaml", match.group("env")


def declared_environments(doc: Document, overlays: Collection[str] = ()) -> tuple[str, ...]:
    """The environments an Appfile names: its blocks and its overlay files, sorted."""
    blocks = doc.value.get(ENVIRONMENTS) if isinstance(doc.value, dict) else None
    names = set(overlays)
    if isinstance(blocks, dict):
        names.update(n for n in blocks if isinstance(n, str) and is_environment_name(n))
    return tuple(sorted(names))


def environment_document(
    doc: Document, environment: str = "", overlay: Document | None = None
) -> Document:
    """The Appfile ``doc`` merged for ``environment`` ("" = the base alone), without its blocks.

    Every environment block is checked whichever one is selected, so a broken
    prod block is reported by a staging render too; ``AppfileError`` carries
    all problems found.
    """
    if not isinstance(doc.value, dict):
        return doc  # the Appfile check reports it
    problems = _check_blocks(doc)
    layers: list[Layer] = []
    blocks = doc.value.get(ENVIRONMENTS)
    if environment and isinstance(blocks, dict) and blocks.get(environment) is not None:
        layers.append(Layer(doc, (ENVIRONMENTS, environment)))
    if overlay is not None:
        problems.extend(_check_layer(Layer(overlay, ()), what=f"overlay for {environment!r}"))
        if overlay.value is not None:
            layers.append(Layer(overlay, ()))
    if problems:
        raise AppfileError(sorted(problems, key=lambda d: (d.path, d.line)))
    if not layers and ENVIRONMENTS not in doc.value:
        return doc  # the common case: nothing to merge or strip
    return merge(doc, layers)


def merge(base: Document, layers: list[Layer]) -> Document:
    """``base`` (less its ``environments``) with each layer deep-merged over it, in order."""
    value = {k: copy.deepcopy(v) for k, v in base.value.items() if k != ENVIRONMENTS}
    origins: dict[KeyPath, tuple[Document, KeyPath]] = {}
    for layer in layers:
        _merge_into(value, layer.value, dst=(), src=layer.at, doc=layer.doc, origins=origins)
    lines: dict[KeyPath, int] = {}
    sources: dict[KeyPath, tuple[str, KeyPath]] = {}
    _record(value, (), base, (), origins, lines=lines, sources=sources)
    return Document(value, base.path, lines, base.line, sources)


def _merge_into(
    target: dict[str, Any],
    block: dict[str, Any],
    *,
    dst: KeyPath,
    src: KeyPath,
    doc: Document,
    origins: dict[KeyPath, tuple[Document, KeyPath]],
) -> None:
    for key, value in block.items():
        here, there = (*dst, key), (*src, key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value, dst=here, src=there, doc=doc, origins=origins)
            continue
        for stale in [k for k in origins if k[: len(here)] == here]:
            del origins[stale]  # an earlier layer's value there is gone
        if value is None:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)
            origins[here] = (doc, there)


def _record(
    value: Any,
    path: KeyPath,
    doc: Document,
    src: KeyPath,
    origins: dict[KeyPath, tuple[Document, KeyPath]],
    *,
    lines: dict[KeyPath, int],
    sources: dict[KeyPath, tuple[str, KeyPath]],
) -> None:
    """The line of every key of the merged ``value``, read where that key was written."""
    if path in origins:
        doc, src = origins[path]
        sources[path] = (doc.path, src)
    line = doc.lines.get(src)
    if line:
        lines[path] = line
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        _record(child, (*path, key), doc, (*src, key), origins, lines=lines, sources=sources)


def _check_blocks(doc: Document) -> list[Diagnostic]:
    blocks = doc.value.get(ENVIRONMENTS)
    if blocks is None:
        return []
    if not isinstance(blocks, dict):
        message = "must map environment names to blocks (environments: {prod: {services: ...}})"
        return [doc.diagnostic((ENVIRONMENTS,), message)]
    problems: list[Diagnostic] = []
    for name in blocks:
        if not is_environment_name(name):
            message = f"environment name {name!r} is not a DNS-1123 label"
            hint = "lower case letters, digits and '-'"
            problems.append(doc.diagnostic((ENVIRONMENTS, name), message, hint=hint))
        else:
            layer = Layer(doc, (ENVIRONMENTS, name))
            problems.extend(_check_layer(layer, what=f"environment {name!r}"))
    return problems


def _check_layer(layer: Layer, *, what: str) -> list[Diagnostic]:
    """A block is a mapping of the keys an environment may change (empty is allowed)."""
    value, doc = layer.value, layer.doc
    if value is None:
        return []
    if not isinstance(value, dict):
        message = f"{what} must be a mapping of {', '.join(ENVIRONMENT_KEYS)}"
        return [doc.diagnostic(layer.at, message)]
    problems = []
    for key in value:
        where: KeyPath = (*layer.at, key)
        if key == "name":
            message = f"{what} cannot rename the app: the name is the same in every environment"
            problems.append(doc.diagnostic(where, message))
        elif key not in ENVIRONMENT_KEYS:
            hint = (
                did_you_mean(key, ENVIRONMENT_KEYS) or f"it may set {', '.join(ENVIRONMENT_KEYS)}"
            )
            problems.append(doc.diagnostic(where, f"unknown key {key!r} in {what}", hint=hint))
    return problems


def declared_by(render: RepositoryRender) -> tuple[str, ...]:
    """Every environment some rendered app of ``render`` declares, sorted."""
    return tuple(sorted({name for app in render.apps for name in app.environments}))


def undeclared(render: RepositoryRender, environment: str) -> str:
    """A warning when no rendered app declares ``environment`` (a typo renders the base
    everywhere, silently); "" when one does, or when there is nothing to say (an app that
    failed may declare it)."""
    if not environment or not render.apps or render.failures:
        return ""
    known = declared_by(render)
    if environment in known:
        return ""
    hint = f" (declared: {', '.join(known)})" if known else ""
    return f"no Appfile declares environment {environment!r}: every app renders its base{hint}"


def with_environment_checks(
    base: RepositoryRender, environments: Mapping[str, RepositoryRender]
) -> RepositoryRender:
    """The base render plus the failures only an environment has (``validate`` checks each
    declared environment): an error already in the base is reported once; one that names
    no environment block or overlay says in which environment it happens."""
    seen = {str(d) for failure in base.failures for d in failure.diagnostics}
    failures = list(base.failures)
    for name, render in sorted(environments.items()):
        for failure in render.failures:
            new = tuple(_in_environment(d, name) for d in failure.diagnostics if str(d) not in seen)
            seen.update(str(d) for d in failure.diagnostics)
            if new:
                failures.append(dataclasses.replace(failure, diagnostics=new))
    return dataclasses.replace(base, failures=tuple(failures))


def _in_environment(diagnostic: Diagnostic, environment: str) -> Diagnostic:
    overlay = overlay_of(diagnostic.path)
    if diagnostic.key.startswith(f"{ENVIRONMENTS}.{environment}") or (
        overlay is not None and overlay[1] == environment
    ):
        return diagnostic
    return dataclasses.replace(
        diagnostic, message=f"{diagnostic.message} (in environment {environment!r})"
    )
