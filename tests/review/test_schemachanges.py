"""The parameter-schema change classifier: breaking vs compatible."""

from typing import Any

import pytest

from gitops_vela.review.schemachanges import Severity, classify_schema_change, is_breaking

BASE: dict[str, Any] = {
    "type": "object",
    "required": ["image"],
    "additionalProperties": False,
    "properties": {
        "image": {"type": "string"},
        "port": {"type": "integer", "default": 80},
        "protocol": {"type": "string", "enum": ["TCP", "UDP"]},
        "replicas": {"type": "integer", "minimum": 1},
        "resources": {
            "type": "object",
            "properties": {"cpu": {"type": "string"}},
        },
        "ports": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    },
}


def changed(**edits: Any) -> dict[str, Any]:
    import copy

    schema = copy.deepcopy(BASE)
    for path, value in edits.items():
        node = schema
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return schema


def only(changes: tuple[Any, ...]) -> tuple[str, Severity, str]:
    assert len(changes) == 1, changes
    return changes[0].path, changes[0].severity, changes[0].message


def test_identical_schemas_have_no_changes() -> None:
    assert classify_schema_change(BASE, changed()) == ()


def test_new_required_parameter_is_breaking() -> None:
    new = changed(required=["image", "protocol"])
    assert only(classify_schema_change(BASE, new)) == (
        "protocol",
        Severity.BREAKING,
        "new required parameter",
    )


def test_new_required_parameter_with_a_default_is_compatible() -> None:
    new = changed(required=["image", "port"])
    path, severity, _ = only(classify_schema_change(BASE, new))
    assert (path, severity) == ("port", Severity.COMPATIBLE)


def test_new_required_added_parameter_is_breaking_and_the_addition_compatible() -> None:
    new = changed(required=["image", "domain"], properties__domain={"type": "string"})
    changes = classify_schema_change(BASE, new)
    assert [(c.path, c.severity, c.message) for c in changes] == [
        ("domain", Severity.BREAKING, "new required parameter"),
    ]
    assert is_breaking(changes)


def test_removed_parameter_is_breaking() -> None:
    new = changed(properties__protocol=None)
    assert only(classify_schema_change(BASE, new)) == (
        "protocol",
        Severity.BREAKING,
        "parameter removed",
    )


def test_added_optional_parameter_is_compatible() -> None:
    changes = classify_schema_change(BASE, changed(properties__debug={"type": "boolean"}))
    assert only(changes) == ("debug", Severity.COMPATIBLE, "parameter added")
    assert not is_breaking(changes)


@pytest.mark.parametrize(
    ("old", "new", "severity"),
    [
        ("integer", "string", Severity.BREAKING),
        ("number", "integer", Severity.BREAKING),
        ("integer", "number", Severity.COMPATIBLE),
        ("string", ["string", "integer"], Severity.COMPATIBLE),
        (["string", "integer"], "string", Severity.BREAKING),
    ],
)
def test_type_narrowed_or_widened(old: Any, new: Any, severity: Severity) -> None:
    before = changed(properties__port={"type": old})
    after = changed(properties__port={"type": new})
    assert only(classify_schema_change(before, after))[:2] == ("port", severity)


def test_type_added_where_any_was_accepted_is_breaking() -> None:
    before = changed(properties__port={})
    after = changed(properties__port={"type": "integer"})
    assert only(classify_schema_change(before, after))[1] is Severity.BREAKING
    assert only(classify_schema_change(after, before))[1] is Severity.COMPATIBLE


def test_enum_narrowed_widened_added_removed() -> None:
    narrowed = changed(properties__protocol__enum=["TCP"])
    assert only(classify_schema_change(BASE, narrowed)) == (
        "protocol",
        Severity.BREAKING,
        "enum narrowed: 'UDP' no longer accepted",
    )
    widened = changed(properties__protocol__enum=["TCP", "UDP", "SCTP"])
    assert only(classify_schema_change(BASE, widened))[1] is Severity.COMPATIBLE
    dropped = changed(properties__protocol={"type": "string"})
    assert only(classify_schema_change(BASE, dropped))[1] is Severity.COMPATIBLE
    added = changed(properties__image__enum=["nginx"])
    assert only(classify_schema_change(BASE, added))[1] is Severity.BREAKING


def test_removed_default_is_breaking_changed_default_compatible() -> None:
    removed = changed(properties__port={"type": "integer"})
    assert only(classify_schema_change(BASE, removed)) == (
        "port",
        Severity.BREAKING,
        "default 80 removed",
    )
    moved = changed(properties__port={"type": "integer", "default": 8080})
    assert only(classify_schema_change(BASE, moved)) == (
        "port",
        Severity.COMPATIBLE,
        "default changed: 80 -> 8080",
    )


def test_nested_and_array_item_paths() -> None:
    nested = changed(properties__resources__properties={"cpu": {"type": "integer"}})
    assert only(classify_schema_change(BASE, nested))[:2] == ("resources.cpu", Severity.BREAKING)
    items = changed(properties__ports__items={"type": "object", "properties": {}})
    assert only(classify_schema_change(BASE, items)) == (
        "ports[].name",
        Severity.BREAKING,
        "parameter removed (no longer documented)",
    )


def test_bounds_tightened_are_breaking_loosened_compatible() -> None:
    tighter = changed(properties__replicas={"type": "integer", "minimum": 2})
    assert only(classify_schema_change(BASE, tighter))[1] is Severity.BREAKING
    looser = changed(properties__replicas={"type": "integer", "minimum": 0})
    assert only(classify_schema_change(BASE, looser))[1] is Severity.COMPATIBLE
    capped = changed(properties__replicas={"type": "integer", "minimum": 1, "maximum": 10})
    assert only(classify_schema_change(BASE, capped))[1] is Severity.BREAKING
    pattern = changed(properties__image={"type": "string", "pattern": "^ghcr.io/"})
    assert only(classify_schema_change(BASE, pattern))[1] is Severity.BREAKING


def test_additional_properties_closed_is_breaking() -> None:
    opened = changed(additionalProperties=None)
    assert only(classify_schema_change(BASE, opened))[1] is Severity.COMPATIBLE
    assert only(classify_schema_change(opened, BASE))[1] is Severity.BREAKING


def test_no_longer_required_is_compatible_and_breaking_sorts_first() -> None:
    new = changed(required=[], properties__port={"type": "integer"})
    changes = classify_schema_change(BASE, new)
    assert [c.severity for c in changes] == [Severity.BREAKING, Severity.COMPATIBLE]
    assert str(changes[1]) == "image: no longer required"


def test_empty_schemas() -> None:
    assert classify_schema_change({}, {}) == ()
    assert is_breaking(classify_schema_change({}, {"type": "object", "required": ["a"]}))
