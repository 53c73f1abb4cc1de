"""Line-aware YAML and parameter values: the pieces messages are made of."""

from __future__ import annotations

import pytest

from gitops_vela import yamldoc
from gitops_vela.render.values import did_you_mean, fill_defaults
from gitops_vela.yamldoc import YamlError, key_text, load_documents


def test_every_key_has_its_line() -> None:
    (doc,) = load_documents(
        "name: shop\nservices:\n  web:\n    env:\n      - name: A\n        value: b\n",
        path="vela.yaml",
    )

    assert doc.line_of(("services", "web", "env", 0, "value")) == 6
    assert doc.line_of(("services", "web", "missing")) == 3
    assert str(doc.diagnostic(("services", "web"), "boom")) == "vela.yaml:3: services.web: boom"


def test_key_text_writes_list_indexes_in_brackets() -> None:
    assert key_text(("services", "web", "env", 0, "name")) == "services.web.env[0].name"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "f.yaml:2: a: duplicate key"),
        ("a: [1,\n", "f.yaml:2: YAML syntax error: "),
        (
            "a: !!python/object:os.system x\n",
            "f.yaml:1: YAML error: could not determine a constructor",
        ),
    ],
)
def test_bad_yaml_is_reported_with_its_line(text: str, message: str) -> None:
    with pytest.raises(YamlError) as raised:
        load_documents(text, path="f.yaml")

    assert str(raised.value.diagnostic).startswith(message)


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]

    with pytest.raises(YamlError, match="alias bomb"):
        load_documents("\n".join(lines), path="bomb.yaml")


def test_timestamps_and_merge_keys_stay_plain_data() -> None:
    (doc,) = load_documents(
        "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\nt: 2024-01-01\n", path="f"
    )

    assert doc.value["m"] == {"x": 3, "y": 2}
    assert doc.value["t"] == "2024-01-01"


def test_defaults_are_filled_recursively_into_objects_and_arrays() -> None:
    schema = {
        "type": "object",
        "properties": {
            "port": {"type": "integer", "default": 80},
            "probe": {"type": "object", "properties": {"path": {"default": "/healthz"}}},
            "rules": {
                "type": "array",
                "items": {"type": "object", "properties": {"path": {"default": "/"}}},
            },
            "tls": {"type": "object", "properties": {"enabled": {"default": False}}},
        },
    }
    values = {"probe": {}, "rules": [{"host": "a"}, {"path": "/b"}]}

    filled = fill_defaults(values, schema)

    assert filled == {
        "port": 80,
        "probe": {"path": "/healthz"},
        "rules": [{"host": "a", "path": "/"}, {"path": "/b"}],
    }
    assert values == {"probe": {}, "rules": [{"host": "a"}, {"path": "/b"}]}  # not mutated


def test_did_you_mean_offers_the_closest_name_only_when_close() -> None:
    assert did_you_mean("replica", ["replicas", "image"]) == "did you mean 'replicas'?"
    assert did_you_mean("zzz", ["replicas", "image"]) == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: [testapp\n\n\n",
            "f.yaml:1: YAML syntax error: while parsing a flow sequence; "
            "f.yaml:4: did not find expected ',' or ']'",
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            "f.yaml:1: YAML syntax error: while parsing a block mapping; "
            "f.yaml:3: did not find expected key",
        ),
        ("a: b\n c: d\n", "f.yaml:2: YAML syntax error: mapping values are not allowed"),
    ],
)
def test_a_syntax_error_names_both_marks(text: str, message: str) -> None:
    for load in (load_documents, yamldoc.load, yamldoc.load_all):
        with pytest.raises(YamlError) as raised:
            load(text, path="f.yaml")
        assert str(raised.value.diagnostic).startswith(message), load


def test_bytes_that_are_not_utf8_are_one_diagnostic() -> None:
    with pytest.raises(YamlError, match=r"^f.yaml: not UTF-8 text"):
        yamldoc.load(b"a: \xff\n", path="f.yaml")


def test_one_document_is_expected_where_one_is_read() -> None:
    assert yamldoc.load_document("", path="f.yaml").value is None
    assert yamldoc.load_document("a: 1\n", path="f.yaml").line_of(("a",)) == 1
    with pytest.raises(YamlError, match=r"^f.yaml:3: expected one YAML document"):
        yamldoc.load_document("a: 1\n---\nb: 2\n", path="f.yaml")
