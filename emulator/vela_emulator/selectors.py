"""Label and field selectors with the grammar of ``k8s.io/apimachinery/pkg/labels``.

Label requirements, comma separated: ``k=v``, ``k==v``, ``k!=v``,
``k in (a,b)``, ``k notin (a,b)``, ``k``, ``!k``, ``k>1``, ``k<1``.
Field selectors accept ``=``, ``==`` and ``!=`` on the fields a kind supports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vela_emulator.apistatus import ApiStatus, bad_request

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*$")
_CMP = re.compile(rf"^\s*(?P<key>{_KEY})\s*(?P<op>==|!=|=|>|<)\s*(?P<value>\S*)\s*$")
_EXISTS = re.compile(rf"^\s*(?P<neg>!?)\s*(?P<key>{_KEY})\s*$")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # =, !=, in, notin, exists, !, >, <
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key, "")
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        return present and _compare(value, self.op, self.values[0])


def _compare(value: str, op: str, bound: str) -> bool:
    try:
        number = int(value)
    except ValueError:
        return False
    return number > int(bound) if op == ">" else number < int(bound)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_requirement(text: str) -> Requirement:
    if match := _SET.match(text):
        values = tuple(v.strip() for v in match["values"].split(","))
        for value in values:
            if not re.fullmatch(_VALUE, value):
                raise bad_request(f"unable to parse requirement: invalid label value: {value!r}")
        return Requirement(match["key"], match["op"], tuple(sorted(set(values))))
    if match := _CMP.match(text):
        op = "=" if match["op"] == "==" else match["op"]
        value = match["value"]
        if op in "<>":
            if not re.fullmatch(r"-?\d+", value):
                raise bad_request(
                    f"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: {value}"
                )
        elif not re.fullmatch(_VALUE, value):
            raise bad_request(
                f"unable to parse requirement: values[0][{match['key']}]: Invalid value: "
                f'"{value}": a valid label must be an empty string or consist of alphanumeric '
                "characters, '-', '_' or '.', and must start and end with an alphanumeric character"
            )
        return Requirement(match["key"], op, (value,))
    if match := _EXISTS.match(text):
        return Requirement(match["key"], "!" if match["neg"] else "exists")
    raise bad_request(f"unable to parse requirement: found '{text.strip()}', expected: identifier")


def parse_label_selector(text: str) -> tuple[Requirement, ...]:
    """All requirements of a selector; empty text selects everything."""
    if not text.strip():
        return ()
    return tuple(_parse_requirement(part) for part in _split_top_level(text))


def labels_match(requirements: tuple[Requirement, ...], labels: Mapping[str, str]) -> bool:
    return all(req.matches(labels) for req in requirements)


def selector_from_label_selector(selector: Mapping[str, Any]) -> str:
    """A ``metav1.LabelSelector`` (matchLabels/matchExpressions) as selector text."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], sorted(expr.get("values") or [])
        if op in ("In", "NotIn"):
            parts.append(f"{key} {op.lower()} ({','.join(values)})")
        else:
            parts.append(key if op == "Exists" else f"!{key}")
    return ",".join(parts)


# Fields each kind can be selected on besides metadata.name and metadata.namespace.
_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "Secret": ("type",),
    "Event": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "status.phase"),
    "Namespace": ("status.phase",),
    "Job": ("status.successful",),
}


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if path == "source" and isinstance(value, Mapping):
        value = value.get("component")
    return "" if value is None else str(value)


def parse_field_selector(text: str, kind: str) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate for a field selector; unknown fields are a 400 like the apiserver's."""
    checks: list[tuple[str, bool, str]] = []
    allowed = ("metadata.name", "metadata.namespace", *_KIND_FIELDS.get(kind, ()))
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"([^!=]+?)\s*(==|!=|=)\s*(.*)", part)
        if not match:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        path, op, value = match.groups()
        if path not in allowed:
            raise ApiStatus(400, "BadRequest", f"field label not supported: {path}")
        checks.append((path, op == "!=", value))

    def predicate(obj: Mapping[str, Any]) -> bool:
        return all((_field_value(obj, path) == value) != negate for path, negate, value in checks)

    return predicate
