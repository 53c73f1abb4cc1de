"""The one boundary where YAML is read: every file, every caller, one translation.

- ``LOADER``/``DUMPER``: PyYAML's safe loader and dumper, libyaml's when it is
  installed (several times faster on big repositories).
- ``load``/``load_all``: plain values, the fast path (status files, the review's
  dependency index, files named by an Appfile, kubeconfigs).
- ``load_documents``/``load_document``: ``Document`` values that also know the
  line of every key, for messages a person can act on (Appfiles, definitions,
  the daemon's config file).
- ``YamlError``: every PyYAML error (and bad UTF-8) becomes one ``Diagnostic``,
  translated by ``diagnostic_of``. A syntax error names both marks PyYAML
  gives: the construct that was left open (its line is the diagnostic's) and
  where the parser noticed, e.g.
  ``vela.yaml:1: YAML syntax error: while parsing a flow sequence; vela.yaml:3: did
  not find expected ',' or ']'``. Callers wrap it in their own ``UserError``.

``Document`` values are built from PyYAML's node tree by ourselves, recording
``key path -> line`` on the way. Aliases are expanded by reference, so a
"billion laughs" document would blow up: the number of nodes visited is
capped. Only the safe YAML tags are understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_vela.model.diagnostics import Diagnostic

KeyPath = tuple[str | int, ...]
MAX_NODES = 200_000

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class YamlError(Exception):
    """A YAML document could not be read; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def key_text(path: KeyPath) -> str:
    """``('services', 'web', 'env', 0, 'name')`` -> ``services.web.env[0].name``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else part
    return text


@dataclass(frozen=True)
class Document:
    """One YAML document: its value and the 1-based line of each key path.

    ``sources`` is for documents merged from several places (an Appfile's
    environment block, an overlay file): the subtree at a key path of
    ``value`` was written in that file at that key path there, so messages
    name the place a person has to edit, not the merged result.
    """

    value: Any
    path: str
    lines: dict[KeyPath, int] = field(default_factory=dict)
    line: int = 1
    sources: dict[KeyPath, tuple[str, KeyPath]] = field(default_factory=dict)

    def line_of(self, key: KeyPath) -> int:
        """The line of ``key``, or of its nearest ancestor that has one."""
        for end in range(len(key), -1, -1):
            found = self.lines.get(tuple(key[:end]))
            if found:
                return found
        return self.line

    def source_of(self, key: KeyPath) -> tuple[str, KeyPath]:
        """The file and key path where ``key`` was written (itself unless merged)."""
        for end in range(len(key), -1, -1) if self.sources else ():
            found = self.sources.get(tuple(key[:end]))
            if found is not None:
                return found[0], (*found[1], *key[end:])
        return self.path, key

    def diagnostic(self, key: KeyPath, message: str, *, hint: str = "") -> Diagnostic:
        path, written = self.source_of(key)
        return Diagnostic(path, message, self.line_of(key), key_text(written), hint)


def read_text(file: Path, *, display: str, limit: int) -> str:
    """Read a UTF-8 file no larger than ``limit`` bytes (a huge file is an error, not a hang)."""
    try:
        size = file.stat().st_size
        if size > limit:
            raise YamlError(
                Diagnostic(
                    display,
                    f"file is {_mib(size)}, larger than the {_mib(limit)} limit",
                )
            )
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(Diagnostic(display, f"not UTF-8 text: {exc.reason}")) from exc
    except OSError as exc:
        raise YamlError(Diagnostic(display, f"cannot read file: {exc.strerror}")) from exc


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def load(text: str | bytes, *, path: str) -> Any:
    """The one document of ``text`` as plain values (``None`` when it is empty)."""
    decoded = _decoded(text, path=path)
    try:
        return yaml.load(decoded, Loader=LOADER)
    except yaml.YAMLError as exc:
        raise YamlError(diagnostic_of(exc, path=path, text=decoded)) from exc


def load_all(text: str | bytes, *, path: str) -> list[Any]:
    """Every document of a YAML stream as plain values (empty documents skipped)."""
    decoded = _decoded(text, path=path)
    try:
        documents = list(yaml.load_all(decoded, Loader=LOADER))
    except yaml.YAMLError as exc:
        raise YamlError(diagnostic_of(exc, path=path, text=decoded)) from exc
    return [d for d in documents if d is not None]


def load_documents(text: str | bytes, *, path: str) -> list[Document]:
    """Every document of a YAML stream, with lines (empty documents skipped)."""
    decoded = _decoded(text, path=path)
    try:
        nodes = list(yaml.compose_all(decoded, Loader=LOADER))
    except yaml.YAMLError as exc:
        raise YamlError(diagnostic_of(exc, path=path, text=decoded)) from exc
    return [_document(node, path=path) for node in nodes if node is not None]


def load_document(text: str | bytes, *, path: str) -> Document:
    """The one document of ``text``, with lines; an empty file is a ``None`` value."""
    documents = load_documents(text, path=path)
    if len(documents) > 1:
        line = documents[1].line
        raise YamlError(Diagnostic(path, "expected one YAML document, found several", line))
    return documents[0] if documents else Document(None, path)


def diagnostic_of(exc: yaml.YAMLError, *, path: str, text: str = "") -> Diagnostic:
    """The one translation of a PyYAML error: both of its marks, on one line.

    ``text`` (what was parsed) turns a bad character's offset into its line.
    """
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1 if text else 0
        what = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        return Diagnostic(path, f"YAML error: {what}", line)
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Diagnostic(path, f"YAML error: {' '.join(str(exc).split())}")
    what = (
        "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
    )
    problem, context = exc.problem or "invalid YAML", exc.context
    problem_line = _line(exc.problem_mark)
    context_line = _line(exc.context_mark)
    if not context:
        return Diagnostic(path, f"{what}: {problem}", problem_line or context_line)
    if not context_line or context_line == problem_line:
        return Diagnostic(path, f"{what}: {context}: {problem}", problem_line or context_line)
    where = f"{path}:{problem_line}: " if problem_line else ""
    return Diagnostic(path, f"{what}: {context}; {where}{problem}", context_line)


def _line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 0


def _decoded(text: str | bytes, *, path: str) -> str:
    if isinstance(text, str):
        return text
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(Diagnostic(path, f"not UTF-8 text: {exc.reason}")) from exc


def _document(node: yaml.Node, *, path: str) -> Document:
    builder = _Builder(path)
    value = builder.build(node, ())
    return Document(value, path, builder.lines, node.start_mark.line + 1)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[KeyPath, int] = {}
        self.visited = 0
        self._scalars = LOADER("")

    def build(self, node: yaml.Node, key: KeyPath) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise YamlError(
                Diagnostic(self.path, f"document has more than {MAX_NODES} nodes (alias bomb?)")
            )
        self.lines.setdefault(key, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*key, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, key: KeyPath) -> dict[str, Any]:
        merged = any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value)
        if merged:  # "<<: *base": explicit keys then override merged ones
            self._scalars.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = self._scalar(key_node)
            line = key_node.start_mark.line + 1
            if not isinstance(name, str | int | float | bool) or name is None:
                raise YamlError(Diagnostic(self.path, "mapping keys must be scalars", line))
            text = str(name).lower() if isinstance(name, bool) else str(name)
            if text in result and not merged:
                child = key_text((*key, text))
                raise YamlError(Diagnostic(self.path, "duplicate key", line, child))
            self.lines[(*key, text)] = line
            result[text] = self.build(value_node, (*key, text))
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise YamlError(
                Diagnostic(self.path, "mapping keys must be scalars", node.start_mark.line + 1)
            )
        if node.tag.endswith((":timestamp", ":binary")):
            return node.value  # keep the text: parameters travel as JSON
        try:
            return self._scalars.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlError(diagnostic_of(exc, path=self.path)) from exc
