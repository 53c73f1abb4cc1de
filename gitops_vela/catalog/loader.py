"""Build a ``Catalog`` from the built-ins, capability centers and a repository.

Precedence, lowest first: built-ins, centers (in the order given), the
repository. A source that defines a name replaces every version of it the
earlier sources had (the versions of one name coexist within one source, so
a repository overriding a center's ``scaler`` owns all of ``scaler``);
replacing a built-in is flagged (``Definition.overrides_builtin``). One
broken document is a diagnostic, never a reason to drop the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

from gitops_vela.catalog.catalog import Catalog, check_catalog
from gitops_vela.catalog.definitions import MAX_SOURCE_BYTES, Roots, parse_definition
from gitops_vela.catalog.sandbox import LIBRARY, PathRefused
from gitops_vela.errors import DefinitionError
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.yamldoc import Document, YamlError, load_documents, read_text

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
DEFINITIONS_DIR = "definitions"


Layer = tuple[list[Definition], list[Diagnostic], dict[str, Diagnostic]]
"""Definitions of one source, its problems, and the first problem of each broken name."""


def load_catalog(
    root: Path | None,
    *,
    origin: str,
    centers: Sequence[tuple[str, Path]] = (),
    builtins: bool = True,
) -> Catalog:
    """Every definition visible to a repository's apps, with the problems found."""
    layers: list[Layer] = []
    if builtins and BUILTIN_DIR.is_dir():
        layers.append(_load_dir(BUILTIN_DIR, space=LIBRARY, origin="builtin", root=BUILTIN_DIR))
    for name, directory in centers:
        space = f"<center:{name}>/"
        layers.append(_load_dir(directory, space=space, origin=f"center:{name}", root=directory))
    if root is not None and (root / DEFINITIONS_DIR).is_dir():
        layers.append(
            _load_dir(
                root / DEFINITIONS_DIR, space="", origin=origin, root=root, prefix="definitions/"
            )
        )
    return _merge(layers)


def _merge(layers: Iterable[Layer]) -> Catalog:
    by_name: dict[str, list[Definition]] = {}
    broken: dict[str, Diagnostic] = {}
    diagnostics: list[Diagnostic] = []
    for definitions, problems, broken_names in layers:
        diagnostics.extend(problems)
        replaced = {
            name: by_name.pop(name) for name in {d.name for d in definitions} & by_name.keys()
        }
        for definition in definitions:
            previous = replaced.get(definition.name, ())
            overrides = any(p.origin == "builtin" or p.overrides_builtin for p in previous)
            by_name.setdefault(definition.name, []).append(
                dataclasses.replace(definition, overrides_builtin=overrides)
            )
            broken.pop(definition.name, None)
        for name, problem in broken_names.items():
            if name not in by_name:  # a broken override leaves the earlier one usable
                broken.setdefault(name, problem)
    every = [d for versions in by_name.values() for d in versions]
    diagnostics.extend(check_catalog(every))
    return Catalog(every, diagnostics=tuple(diagnostics), broken=broken)


def _load_dir(directory: Path, *, space: str, origin: str, root: Path, prefix: str = "") -> Layer:
    dirs = {space: root} if space == LIBRARY else {space: root, LIBRARY: BUILTIN_DIR}
    roots = Roots(dirs)
    definitions: list[Definition] = []
    problems: list[Diagnostic] = []
    broken: dict[str, Diagnostic] = {}
    seen: dict[str, str] = {}
    for file in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        display = f"{space}{prefix}{file.name}"
        try:
            text = read_text(file, display=display, limit=MAX_SOURCE_BYTES)
            parsed = _parse_file(
                text, display=display, origin=origin, space=space, roots=roots, root=root
            )
        except YamlError as exc:
            problems.append(exc.diagnostic)
            continue
        for doc, definition, failure in parsed:
            if definition is None:
                problems.extend(failure or ())
                if failure:
                    broken.setdefault(_name_of(doc.value), failure[0])
            elif definition.ref in seen:
                message = (
                    f"definition {_shown(definition)} is also defined in {seen[definition.ref]}"
                )
                problems.append(doc.diagnostic(("metadata", "name"), message))
            else:
                seen[definition.ref] = display
                definitions.append(definition)
    broken.pop("", None)
    return definitions, problems, broken


Parsed = list[tuple[Document, Definition | None, tuple[Diagnostic, ...] | None]]
_parsed: OrderedDict[str, Parsed] = OrderedDict()
_parsed_lock = threading.Lock()


def _parse_file(
    text: str, *, display: str, origin: str, space: str, roots: Roots, root: Path
) -> Parsed:
    """The definitions of one YAML file, reused while the file and its templates are unchanged.

    Definitions are loaded on every poll; parsing and checking them again
    each time would cost tens of milliseconds per repository.
    """
    key = hashlib.sha256(f"{display}\0{origin}\0{root}\0{text}".encode()).hexdigest()
    with _parsed_lock:
        cached = _parsed.get(key)
    if cached is not None and _sources_unchanged(cached, roots):
        return cached
    parsed: Parsed = []
    for doc in load_documents(text, path=display):
        try:
            definition = parse_definition(doc, origin=origin, space=space, roots=roots, root=root)
            parsed.append((doc, definition, None))
        except DefinitionError as exc:
            parsed.append((doc, None, exc.diagnostics))
    if all(failure is None for _, _, failure in parsed):  # a fix elsewhere may cure a failure
        with _parsed_lock:
            _parsed[key] = parsed
            while len(_parsed) > 512:
                _parsed.popitem(last=False)
    return parsed


def _sources_unchanged(parsed: Parsed, roots: Roots) -> bool:
    for _, definition, _ in parsed:
        for found, source in definition.sources.items() if definition else ():
            if found.endswith("]"):
                continue  # an inline template: part of the YAML text
            try:
                if roots.read(found) != source:
                    return False
            except PathRefused:
                return False
    return True


def _shown(definition: Definition) -> str:
    if definition.version:
        return f"{definition.name!r} version {definition.version}"
    return repr(definition.name)


def _name_of(body: object) -> str:
    if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
        return str(body["metadata"].get("name") or "")
    return ""
