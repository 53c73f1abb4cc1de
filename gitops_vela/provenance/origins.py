"""What provenance finds, as plain data: for each leaf of an object, its templates and inputs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from gitops_vela.provenance.fields import MISSING, FieldPath, format_path, scalar_text


class SourceKind(enum.StrEnum):
    APPFILE = "appfile"  # a value written in the Appfile
    DEFAULT = "default"  # a parameter's default in the definition's schema
    CONTEXT = "context"  # context.<name> (service name, namespace, revision...)
    CONSTANT = "constant"  # written in the template itself
    GITOPS_VELA = "gitops-vela"  # added after the templates ran (labels, namespace)


@dataclass(frozen=True, slots=True)
class Source:
    """One input a field's value comes from.

    ``file``/``line`` point at what to edit (the Appfile line, the default in
    the definition's YAML); ``key`` is the Appfile key or the context name.
    """

    kind: SourceKind
    key: str = ""
    file: str = ""
    line: int = 0
    definition: str = ""  # for defaults and constants: whose schema or template
    # Where the value is (or, for a default, would be) written in the Appfile: a review
    # compares this key at base and head to tell an Appfile change from a definition change.
    appfile_key: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.kind is SourceKind.APPFILE:
            return f"{where} {self.key}".strip()
        if self.kind is SourceKind.DEFAULT:
            return f"default of parameter {self.key} of definition {self.definition} ({where})"
        if self.kind is SourceKind.CONTEXT:
            return f"context.{self.key}"
        if self.kind is SourceKind.CONSTANT:
            return f"constant in template ({where})" if where else "constant in template"
        return f"{self.key} (added by gitops-vela)" + (f", from {where}" if where else "")

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value, "text": str(self)}
        for name in ("key", "file", "line", "definition"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True, slots=True)
class Step:
    """A template that set or changed a field: the workload, or a trait (in the order they apply)."""

    definition: str
    role: str  # "workload" | "trait"
    value: Any  # the field's value after this template ran (MISSING: removed)
    template: str = ""  # the template's file

    def __str__(self) -> str:
        return f"{self.role} {self.definition}"


@dataclass(frozen=True, slots=True)
class Owner:
    """A field manager of the live object that owns a field (from managedFields)."""

    manager: str
    operation: str
    time: str = ""
    subresource: str = ""

    def __str__(self) -> str:
        how = self.operation + (f", subresource {self.subresource}" if self.subresource else "")
        return f"{self.manager} ({how})" + (f" at {self.time}" if self.time else "")


@dataclass(frozen=True, slots=True)
class Live:
    """The field in the cluster: its value, whether it drifted, who wrote it."""

    value: Any
    drifted: bool
    owners: tuple[Owner, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldOrigin:
    """Where one leaf of a rendered object comes from.

    ``steps``: every template that set or changed the value, in the order
    they ran; the last one wins. ``sources``: the inputs the value was carried
    from (or, when none carries it, the inputs that change it); ``depends``:
    further inputs that change it without being carried into it.
    """

    path: FieldPath
    value: Any
    steps: tuple[Step, ...]
    sources: tuple[Source, ...]
    depends: tuple[Source, ...] = ()
    live: Live | None = None

    @property
    def field(self) -> str:
        return format_path(self.path)

    @property
    def set_by(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def comment(self) -> str:
        """One line for ``render --explain``: the first source, and the template that set it."""
        what = ", ".join(str(s) for s in self.sources[:2]) or "unknown"
        if self.set_by is None or self.sources[0].kind is SourceKind.GITOPS_VELA:
            return what
        return f"{what} ({', then '.join(str(s) for s in self.steps)})"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "field": self.field,
            "value": self.value,
            "steps": [
                {"role": s.role, "definition": s.definition, "template": s.template}
                | ({} if s.value is MISSING else {"value": s.value})
                for s in self.steps
            ],
            "sources": [s.as_dict() for s in self.sources],
        }
        if self.depends:
            data["dependsOn"] = [s.as_dict() for s in self.depends]
        if self.live is not None:
            data["live"] = {
                "value": None if self.live.value is MISSING else self.live.value,
                "present": self.live.value is not MISSING,
                "drifted": self.live.drifted,
                "writtenBy": [
                    {"manager": o.manager, "operation": o.operation}
                    | ({"time": o.time} if o.time else {})
                    | ({"subresource": o.subresource} if o.subresource else {})
                    for o in self.live.owners
                ],
            }
        return data

    def value_text(self) -> str:
        return scalar_text(self.value)


@dataclass(frozen=True, slots=True)
class ObjectOrigin:
    """Every leaf of one rendered object, with the app and service that render it."""

    app: str
    appfile: str
    service: str
    definition: str  # the workload or trait whose template produced the object
    role: str
    object: dict[str, Any]
    fields: tuple[FieldOrigin, ...] = field(default=())

    @property
    def kind(self) -> str:
        return str(self.object.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.object.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str:
        return str((self.object.get("metadata") or {}).get("namespace") or "")
