"""A repository a platform engineer writes definitions in: one workload, its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

GREETER = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata:
  name: greeter
  annotations:
    definition.oam.dev/description: A ConfigMap holding a greeting.
    gitops-vela.dev/example: |
      hello:
        type: greeter
        greeting: Hi
spec:
  parameters:
    type: object
    required: [greeting]
    additionalProperties: false
    properties:
      greeting: {type: string, maxLength: 20, description: What to say.}
  schematic:
    jsonnet:
      file: greeter.jsonnet
"""

TEMPLATE = """\
function(parameter, context) {
  output: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: context.name },
    data: { greeting: %s },
  },
}
"""

CASE = """\
# the greeting is shouted
services:
  hello:
    type: greeter
    greeting: Hi
expect:
  - kind: ConfigMap
    metadata: {name: hello}
    data: {greeting: HI}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """``greeter`` whose template passes the greeting through, and a case that wants it
    upper-cased: the test written first, failing."""
    root = tmp_path / "defs"
    write(
        root,
        {
            "definitions/greeter.yaml": GREETER,
            "definitions/greeter.jsonnet": TEMPLATE % "parameter.greeting",
            "definitions/tests/greeter/shouted.yaml": CASE,
        },
    )
    return root


def fix_template(root: Path) -> None:
    write(root, {"definitions/greeter.jsonnet": TEMPLATE % "std.asciiUpper(parameter.greeting)"})
