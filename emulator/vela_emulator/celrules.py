"""``x-kubernetes-validations``: the CEL rules of a CRD schema, evaluated per schema node.

Each rule sees the node's value as ``self``; a transition rule (one that
names ``oldSelf``) runs only on updates where the old object has a value at
the same place (through object fields, map keys and map-list keys, as
apiextensions correlates them). A rule that is false fails with its
``message`` (or ``messageExpression``), else ``failed rule: <rule>``, at the
node's path plus ``fieldPath``, as ``Invalid value: "<schema type>": ...``
unless ``reason`` says otherwise. Evaluation uses the ``common-expression-language``
package (the CEL specification's semantics) plus :mod:`.celfunctions`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import cel

from vela_emulator import fielderrors
from vela_emulator.celfunctions import FUNCTIONS
from vela_emulator.fielderrors import Cause

Schema = dict[str, Any]
_MISSING = object()
_ROOT_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


@lru_cache(maxsize=1024)
def _program(rule: str) -> Any:
    return cel.compile(rule)


def causes(obj: Any, old: Any, schema: Schema | None, *, digest: str) -> list[Cause]:
    """Every failed rule of a custom resource (``old`` is None on create).

    ``digest`` names the schema (the CRD version's schema digest): whether it has
    rules at all is found once per schema, so rule-free CRDs cost nothing.
    """
    if not isinstance(schema, dict):
        return []
    if digest not in _HAS_RULES:
        _HAS_RULES[digest] = _declares_rules(schema)
    if not _HAS_RULES[digest]:
        return []
    found: list[Cause] = []
    for path, value, previous, node in _nodes(obj, _MISSING if old is None else old, schema, ""):
        for rule in node.get("x-kubernetes-validations") or ():
            found.extend(_check(rule, value, previous, node, path))
    return found


_HAS_RULES: dict[str, bool] = {}


def _declares_rules(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "x-kubernetes-validations" in schema or any(
            _declares_rules(v) for v in schema.values()
        )
    return isinstance(schema, list) and any(_declares_rules(v) for v in schema)


def _nodes(
    value: Any, old: Any, schema: Schema, path: str
) -> Iterator[tuple[str, Any, Any, Schema]]:
    """(path, value, old value or _MISSING, schema) for every node that has a value."""
    if value is None:
        return
    yield path, value, old, schema
    if isinstance(value, dict):
        props: Schema = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if not path and key in _ROOT_FIELDS:
                continue
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if isinstance(sub, dict):
                before = old.get(key, _MISSING) if isinstance(old, dict) else _MISSING
                yield from _nodes(item, before, sub, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        keys = schema.get("x-kubernetes-list-map-keys") or ()
        olds = _by_keys(old, keys) if keys and isinstance(old, list) else {}
        for i, item in enumerate(value):
            before = olds.get(_key(item, keys), _MISSING) if keys else _MISSING
            yield from _nodes(item, before, schema["items"], f"{path}[{i}]")


def _key(item: Any, keys: Any) -> tuple[Any, ...]:
    return tuple(item.get(k) for k in keys) if isinstance(item, dict) else ()


def _by_keys(items: list[Any], keys: Any) -> dict[tuple[Any, ...], Any]:
    return {_key(item, keys): item for item in items}


def _check(rule: Schema, value: Any, old: Any, node: Schema, path: str) -> list[Cause]:
    text = str(rule.get("rule") or "")
    transition = "oldSelf" in text
    if transition and old is _MISSING:
        return []  # transition rules only judge changes
    context: dict[str, Any] = {"self": value}
    if transition:
        context["oldSelf"] = old
    field = path + str(rule.get("fieldPath") or "")
    kind = str(node.get("type") or "object")
    try:
        verdict = _program(text).execute(cel.Context(variables=context, functions=FUNCTIONS))
    except KeyError as exc:
        return [
            _failure(field, kind, f"no such key: {exc.args[0]} evaluating rule: {text.strip()}")
        ]
    except (ValueError, TypeError, RuntimeError, ZeroDivisionError, IndexError) as exc:
        return [_failure(field, kind, f"{exc} evaluating rule: {text.strip()}")]
    if verdict is True:
        return []
    return [_reasoned(rule, field, kind, _message(rule, context))]


def _message(rule: Schema, context: dict[str, Any]) -> str:
    if rule.get("messageExpression"):
        try:
            shown = _program(str(rule["messageExpression"])).execute(
                cel.Context(variables=context, functions=FUNCTIONS)
            )
        except (KeyError, ValueError, TypeError, RuntimeError):
            shown = None
        if isinstance(shown, str) and shown.strip():
            return shown.strip()
    if rule.get("message"):
        return str(rule["message"]).strip()
    return f"failed rule: {str(rule.get('rule') or '').strip()}"


def _failure(field: str, kind: str, detail: str) -> Cause:
    return fielderrors.invalid(field, kind, detail)


def _reasoned(rule: Schema, field: str, kind: str, detail: str) -> Cause:
    reason = rule.get("reason")
    if reason == "FieldValueForbidden":
        return fielderrors.forbidden(field, detail)
    if reason == "FieldValueRequired":
        return fielderrors.required(field, detail)
    if reason == "FieldValueDuplicate":
        return fielderrors.duplicate(field, kind)
    return fielderrors.invalid(field, kind, detail)
