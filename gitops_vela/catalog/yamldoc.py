"""YAML documents with the line of every key, for messages a person can act on.

PyYAML's composer gives nodes with start marks; we build plain values from
them ourselves and record ``key path -> line`` on the way. Aliases are
expanded by reference, so a "billion laughs" document would blow up: the
number of nodes visited is capped. Only the safe YAML tags are understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_vela.model.diagnostics import Diagnostic

KeyPath = tuple[str | int, ...]
MAX_NODES = 200_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """One YAML document: its value and the 1-based line of each key path."""

    value: Any
    path: str
    lines: dict[KeyPath, int] = field(default_factory=dict)
    line: int = 1

    def line_of(self, key: KeyPath) -> int:
        """The line of ``key``, or of its nearest ancestor that has one."""
        for end in range(len(key), -1, -1):
            found = self.lines.get(tuple(key[:end]))
            if found:
                return found
        return self.line

    def diagnostic(self, key: KeyPath, message: str, *, hint: str = "") -> Diagnostic:
        return Diagnostic(self.path, message, self.line_of(key), key_text(key), hint)


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


def load_documents(text: str, *, path: str) -> list[Document]:
    """Every document of a YAML stream (empty documents skipped)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(Diagnostic(path, f"YAML syntax error: {problem}", line)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(Diagnostic(path, f"YAML error: {exc}")) from exc
    return [_document(node, path=path) for node in nodes if node is not None]


def _document(node: yaml.Node, *, path: str) -> Document:
    builder = _Builder(path)
    value = builder.build(node, ())
    return Document(value, path, builder.lines, node.start_mark.line + 1)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[KeyPath, int] = {}
        self.visited = 0
        self._scalars = _Loader("")

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
            line = node.start_mark.line + 1
            raise YamlError(Diagnostic(self.path, f"YAML error: {exc.problem}", line)) from exc
