"""The test cases of definitions, read from where platform engineers write them.

Two sources. A definition's ``gitops-vela.dev/example`` annotation is a case
of its own: the services must render, and use the definition. And every
``*.yaml`` in ``tests/<name>/`` next to the definition's file is a case file:

    services: {...}            # Appfile services using the definition (required)
    files: {path: text}        # files the services refer to, relative to the app
    expect: [objects]          # objects that must render, with at least these fields
    error: text | [texts]      # or: rendering must fail with these in its errors
    golden: file.golden.yaml   # or: the whole output, exactly (the default check)

A case with none of ``expect``/``error``/``golden`` is compared with
``<stem>.golden.yaml`` beside it, which ``defs test --update`` writes. The
name ``example.yaml`` is the example's own file: no services (they are the
annotation's), but the ``files`` they refer to and, if wanted, a check. A case
file that cannot be read is reported as a broken case with its file, line and
key, never skipped: a typo must not make a test pass by vanishing.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_vela.catalog.sandbox import PathRefused, confined_file, normalize
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.yamldoc import Document, YamlError, load_document, read_text

TESTS_DIR = "tests"
GOLDEN_SUFFIX = ".golden.yaml"
EXAMPLE = "example"
APPFILE_STEM = "vela"
MAX_CASE_BYTES = 1024 * 1024
_STEM = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KEYS = ("description", "services", "files", "expect", "error", "golden")


class CaseKind(enum.StrEnum):
    EXAMPLE = "example"  # renders, and uses the definition
    EXPECT = "expect"  # these objects, with at least these fields
    ERROR = "error"  # fails, with these texts in its errors
    GOLDEN = "golden"  # exactly this output


@dataclass(frozen=True, slots=True)
class Case:
    """One case: an Appfile's services to render, and what must come out.

    ``path``/``line`` say where the case is written (the definition file for
    the example); ``golden_file`` is the golden output on disk for a golden
    case. ``problems`` are set for a case file that could not be read: the
    runner reports it as broken without rendering.
    """

    definition: str
    name: str
    kind: CaseKind
    path: str
    line: int = 0
    services: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    expect: tuple[Mapping[str, Any], ...] = ()
    errors: tuple[str, ...] = ()
    golden: str = ""  # display path of the golden file
    golden_file: Path | None = None
    problems: tuple[Diagnostic, ...] = ()  # why the case file cannot be read, when it cannot
    annotation: bool = False  # the example annotation's case (``path`` is the definition's)

    @property
    def broken(self) -> bool:
        return bool(self.problems)

    @property
    def id(self) -> str:
        """How the case is named in output: ``file`` or ``definition-file::example``."""
        return f"{self.path}::{EXAMPLE}" if self.annotation else self.path


def collect_cases(
    definitions: Iterable[Definition],
    *,
    broken: Mapping[str, Diagnostic] | None = None,
    folders: Iterable[tuple[Path, str]] = (),
) -> list[Case]:
    """Every case of ``definitions``, plus a broken case for each ``tests/<name>/``
    folder beside them that names no definition (or one that failed to load).

    ``folders``: more definition folders (on disk, as shown) to look for such
    test folders in, e.g. a repository's ``definitions/`` when none loaded.
    """
    cases: list[Case] = []
    homes: dict[Path, tuple[str, set[str]]] = {path: (shown, set()) for path, shown in folders}
    for definition in definitions:
        directory, display = home_of(definition)
        homes.setdefault(directory, (display, set()))[1].add(definition.name)
        cases.extend(_case_files(definition, directory, display))
    for directory, (display, names) in sorted(homes.items()):
        cases.extend(_orphans(directory, display, names, broken or {}))
    return cases


def home_of(definition: Definition) -> tuple[Path, str]:
    """The folder holding a definition's file on disk, and how paths in it are shown
    (``definitions/`` in a repository, ``<builtin>/`` for the built-ins)."""
    shown = definition.path.rpartition("/")[0]
    relative = shown.partition(">")[2].lstrip("/") if shown.startswith("<") else shown
    return Path(definition.root) / relative, f"{shown}/" if shown else ""


def _example(definition: Definition, folder: Path, shown: str) -> list[Case]:
    """The annotation's case, with ``example.yaml``'s files and check when there is one."""
    if not definition.example.strip():
        return []
    line = definition.example_line
    case = Case(definition.name, EXAMPLE, CaseKind.EXAMPLE, definition.path, line, annotation=True)
    try:
        doc = load_document(definition.example, path=definition.path)
    except YamlError as exc:
        return [
            _broken(case, Diagnostic(definition.path, f"example: {exc.diagnostic.message}", line))
        ]
    if not isinstance(doc.value, dict) or not doc.value:
        message = "the example must be a mapping of service name to service"
        return [_broken(case, Diagnostic(definition.path, message, line, "metadata.annotations"))]
    own = folder / f"{EXAMPLE}.yaml"
    if not own.is_file():
        return [dataclasses.replace(case, services=doc.value)]
    found = _case_file(
        definition.name, own, f"{shown}{own.name}", Path(definition.root), services=doc.value
    )
    return [dataclasses.replace(found, path=definition.path, line=line, annotation=True)]


def _case_files(definition: Definition, directory: Path, display: str) -> list[Case]:
    folder = directory / TESTS_DIR / definition.name
    shown = f"{display}{TESTS_DIR}/{definition.name}/"
    cases = _example(definition, folder, shown)
    if not folder.is_dir():
        return cases
    root = Path(definition.root)
    found = sorted(
        f
        for f in [*folder.glob("*.yaml"), *folder.glob("*.yml")]
        if not f.name.endswith(GOLDEN_SUFFIX) and f.name != f"{EXAMPLE}.yaml"
    )
    return cases + [
        _case_file(definition.name, file, f"{shown}{file.name}", root) for file in found
    ]


def _case_file(
    definition: str,
    file: Path,
    shown: str,
    root: Path,
    *,
    services: Mapping[str, Any] | None = None,
) -> Case:
    """One case file; ``services`` are the example annotation's for ``example.yaml``."""
    stem = file.name.rsplit(".", 1)[0]
    broken = Case(definition, stem, CaseKind.EXPECT, shown)
    hint = "name case files in lower case, digits and '-', e.g. three-replicas.yaml"
    if not _STEM.match(stem):
        message = f"case name {stem!r} is not a DNS-1123 label"
        return _broken(broken, Diagnostic(shown, message, hint=hint))
    if stem == APPFILE_STEM:  # the default Appfile glob **/vela.yaml would make it an app
        message = "a case file named vela.yaml is read as an Appfile by render and the daemon"
        return _broken(broken, Diagnostic(shown, message, hint=hint))
    try:
        real = confined_file(root, str(file.relative_to(root)))
        doc = load_document(read_text(real, display=shown, limit=MAX_CASE_BYTES), path=shown)
    except (PathRefused, ValueError) as exc:
        return _broken(broken, Diagnostic(shown, f"case file {exc}"))
    except YamlError as exc:
        return _broken(broken, exc.diagnostic)
    problems: list[Diagnostic] = []
    case = _parse(
        doc, definition=definition, stem=stem, file=file, services=services, problems=problems
    )
    if problems:
        return _broken(broken, *problems)
    assert case is not None  # _parse says why in problems whenever it gives no case
    golden = case.golden_file
    if golden is not None and (golden.exists() or golden.is_symlink()):
        try:  # --update writes it and a diff shows it: it must be the repository's own file
            confined_file(root, str(golden.relative_to(root)))
        except (PathRefused, ValueError) as exc:
            return _broken(broken, Diagnostic(case.golden, f"golden file {exc}"))
    return case


def _broken(case: Case, *problems: Diagnostic) -> Case:
    return Case(
        case.definition,
        case.name,
        case.kind,
        case.path,
        problems[0].line or case.line,
        problems=problems,
        annotation=case.annotation,
    )


def _parse(
    doc: Document,
    *,
    definition: str,
    stem: str,
    file: Path,
    services: Mapping[str, Any] | None,
    problems: list[Diagnostic],
) -> Case | None:
    body = doc.value
    if not isinstance(body, dict):
        problems.append(doc.diagnostic((), "a case must be a mapping with services: and a check"))
        return None
    for key in body:
        if key not in _KEYS:
            problems.append(doc.diagnostic((key,), "unknown key", hint=f"use {', '.join(_KEYS)}"))
    if services is not None and "services" in body:
        message = "the example's services are its annotation's; give only files and a check here"
        problems.append(doc.diagnostic(("services",), message))
        return None
    services = body.get("services") if services is None else services
    if not isinstance(services, dict) or not services:
        problems.append(
            doc.diagnostic(("services",), "needs services: a mapping of name to service")
        )
        return None
    checks = [key for key in ("expect", "error", "golden") if key in body]
    if len(checks) > 1:
        problems.append(
            doc.diagnostic((checks[1],), f"give one of expect, error, golden (also {checks[0]})")
        )
        return None
    default = CaseKind.GOLDEN if stem != EXAMPLE else CaseKind.EXAMPLE
    kind = CaseKind(checks[0]) if checks else default
    case = Case(
        definition,
        stem,
        kind,
        doc.path,
        doc.line,
        services=services,
        files=_files(doc, body.get("files"), problems),
        expect=_expected(doc, body.get("expect"), problems) if kind is CaseKind.EXPECT else (),
        errors=_error_texts(doc, body.get("error"), problems) if kind is CaseKind.ERROR else (),
    )
    if kind is CaseKind.GOLDEN:
        name = body.get("golden", f"{stem}{GOLDEN_SUFFIX}")
        golden = _golden_name(doc, name, problems)
        folder = doc.path.rpartition("/")[0]
        case = _with_golden(case, f"{folder}/{golden}", file.parent / golden)
    return case


def _with_golden(case: Case, shown: str, file: Path) -> Case:
    return Case(
        case.definition,
        case.name,
        case.kind,
        case.path,
        case.line,
        services=case.services,
        files=case.files,
        golden=shown,
        golden_file=file,
    )


def _files(doc: Document, value: Any, problems: list[Diagnostic]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(
            doc.diagnostic(("files",), "must map a path (relative to the app) to its text")
        )
        return {}
    files: dict[str, str] = {}
    for path, text in value.items():
        try:
            files[normalize(str(path))] = text
        except PathRefused as exc:
            problems.append(doc.diagnostic(("files", path), str(exc)))
    return files


def _expected(
    doc: Document, value: Any, problems: list[Diagnostic]
) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list) or not value:
        problems.append(doc.diagnostic(("expect",), "must be a list of objects"))
        return ()
    for index, obj in enumerate(value):
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("kind"), str)
            or not isinstance(name, str)
        ):
            message = "each expected object needs kind and metadata.name (they say which object)"
            problems.append(doc.diagnostic(("expect", index), message))
    return tuple(value)


def _error_texts(doc: Document, value: Any, problems: list[Diagnostic]) -> tuple[str, ...]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) and t for t in texts):
        problems.append(
            doc.diagnostic(("error",), "must be a text, or a list of texts, the errors contain")
        )
        return ()
    return tuple(texts)


def _golden_name(doc: Document, value: Any, problems: list[Diagnostic]) -> str:
    if not isinstance(value, str) or "/" in value or not value.endswith(GOLDEN_SUFFIX):
        message = f"must be a file name beside the case ending in {GOLDEN_SUFFIX}"
        problems.append(doc.diagnostic(("golden",), message))
        return ""
    return value


def _orphans(
    directory: Path, display: str, names: set[str], broken: Mapping[str, Diagnostic]
) -> list[Case]:
    """A tests folder for a name that is not loaded: a typo, or a definition that broke."""
    folder = directory / TESTS_DIR
    if not folder.is_dir():
        return []
    cases = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in names):
        shown = f"{display}{TESTS_DIR}/{sub.name}/"
        if sub.name in broken:
            message = (
                f"definition {sub.name!r} did not load, so its tests cannot run: {broken[sub.name]}"
            )
        else:
            message = f"no definition named {sub.name!r} beside this folder"
        problem = Diagnostic(
            shown,
            message,
            hint="" if sub.name in broken else "rename the folder after the definition it tests",
        )
        cases.append(Case(sub.name, sub.name, CaseKind.EXPECT, shown, problems=(problem,)))
    return cases
