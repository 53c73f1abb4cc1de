"""``gitops-vela defs vet``: what loading a definition does not catch, with file:line: key;
errors exit 1 (and fail ``validate``), warnings do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_vela.catalog import load_catalog
from gitops_vela.cli import main
from gitops_vela.defcheck import Severity, vet_catalog
from gitops_vela.defcheck.vet import _reads
from tests.defcheck.conftest import fix_template, write

# Every flaw vet knows, one of each, in one trait.
FLAWED = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: stamp
spec:
  appliesToWorkloads: [greeter, greter]
  conflictsWith: [nosuch]
  parameters:
    type: object
    additionalProperties: false
    properties:
      color:
        type: string
        enum: [red, blue]
        default: green
        description: Color of the stamp.
      size: {type: integer}
  schematic:
    jsonnet:
      template: |
        // parameter.commented is not a read
        function(parameter, context) {
          patch: { data+: { color: parameter.color, shade: parameter.shade } },
        }
"""

# a health policy that reads status without asking whether there is one yet
FRAGILE = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata:
  name: gauge
  annotations:
    definition.oam.dev/description: A ConfigMap whose health is its status.
    gitops-vela.dev/example: |
      g:
        type: gauge
spec:
  parameters: {type: object, properties: {}}
  status:
    healthPolicy: |
      function(object) { healthy: object.status.ready, message: '' }
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          output: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: context.name } },
        }
"""


def vet(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["defs", "vet", *args])
    return code, capsys.readouterr().out


def test_a_clean_repository(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fix_template(repo)
    code, out = vet(capsys, str(repo))
    assert (code, out) == (0, "1 definitions vetted: 0 errors, 0 warnings\n")


def test_each_flaw_is_named_where_it_is(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"definitions/stamp.yaml": FLAWED})
    code, out = vet(capsys, str(repo))
    assert code == 1
    lines = out.splitlines()
    expected = [
        "error: definitions/stamp.yaml:15: spec.parameters.properties.color.default:"
        " default \"green\" is not valid for its own schema: 'green' is not one of ['red', 'blue']",
        "error: definitions/stamp.yaml:6: spec.appliesToWorkloads[1]: appliesToWorkloads names"
        " 'greter', which is no workload definition (did you mean 'greeter'?)",
        "error: definitions/stamp.yaml:7: spec.conflictsWith[0]: conflictsWith names 'nosuch',"
        " which is no definition",
        "error: definitions/stamp.yaml:18: spec.schematic: the template reads parameter 'shade',"
        " which spec.parameters does not declare (declare it (with a description) or stop"
        " reading it)",
        "warning: definitions/stamp.yaml:3: metadata.annotations: no description (say what it"
        " renders in definition.oam.dev/description: defs list and show print it)",
        "warning: definitions/stamp.yaml:3: metadata.annotations: no example (add"
        " gitops-vela.dev/example: services using it, which defs test renders)",
        "warning: definitions/stamp.yaml:17: spec.parameters.properties.size: parameter has no"
        " description (defs show prints it as the parameter's documentation)",
        "warning: definitions/stamp.yaml:17: spec.parameters.properties.size: parameter 'size' is"
        " declared but the template never reads it (remove it, or use it)",
    ]
    assert [line for line in lines if "stamp.yaml" in line] == expected
    assert lines[-1] == "2 definitions vetted: 4 errors, 4 warnings"


def test_warnings_alone_exit_zero(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fix_template(repo)
    write(
        repo,
        {
            "definitions/greeter.yaml": (repo / "definitions/greeter.yaml")
            .read_text()
            .replace(", description: What to say.", "")
        },
    )
    code, out = vet(capsys, str(repo), "-o", "json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    assert [w["message"] for w in document["warnings"]] == ["parameter has no description"]


def test_a_health_policy_that_fails_on_the_example(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fix_template(repo)
    write(repo, {"definitions/gauge.yaml": FRAGILE})
    code, out = vet(capsys, str(repo))
    assert code == 1
    (line,) = [line for line in out.splitlines() if line.startswith("error:")]
    assert line.startswith(
        "error: definitions/gauge.yaml:13: spec.status.healthPolicy: the health policy of"
        " ConfigMap g (rendered by the example) does not evaluate on it:"
    )
    assert line.endswith("does not evaluate on it: RUNTIME ERROR: Field does not exist: status")

    write(
        repo,
        {
            "definitions/gauge.yaml": FRAGILE.replace(
                "object.status.ready", "std.get(std.get(object, 'status', {}), 'ready', false)"
            )
        },
    )
    assert vet(capsys, str(repo))[0] == 0


def test_validate_fails_on_the_errors_only(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fix_template(repo)
    write(
        repo,
        {"apps/hello/vela.yaml": "name: hello\nservices:\n  hi: {type: greeter, greeting: Hi}\n"},
    )
    assert main(["validate", str(repo)]) == 0
    capsys.readouterr()

    write(repo, {"definitions/stamp.yaml": FLAWED})
    code = main(["validate", str(repo), "-o", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["ok"] is False
    messages = [e["message"] for e in document["errors"]]
    assert len(messages) == 4
    assert any("which spec.parameters does not declare" in m for m in messages)
    assert not any("description" in m for m in messages)  # warnings stay with defs vet


def test_the_builtins_are_vet_clean() -> None:
    catalog = load_catalog(None, origin="test")
    findings = vet_catalog(list(catalog), catalog)
    assert [str(f) for f in findings] == []
    assert Severity.ERROR  # the severities findings carry


@pytest.mark.parametrize(
    ("source", "reads", "whole"),
    [
        ("function(parameter, context) parameter.a + parameter['b']", {"a", "b"}, False),
        (
            "function(p, c) if std.objectHas(p, 'x') then vela.opt(p, 'y') else {}",
            {"x", "y"},
            False,
        ),
        ("function(parameter, context) vela.container(parameter, context)", set(), True),
        ("function(parameter, context) /* parameter.gone */ {} # parameter.too", set(), False),
    ],
)
def test_reads_of_the_template(source: str, reads: set[str], whole: bool) -> None:
    name = source.split("(")[1].split(",")[0]
    assert _reads([source], name) == (reads, whole)
