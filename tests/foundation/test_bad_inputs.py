"""The bad-input corpus: each broken file gives a `file:line: key: message`, and the other apps still render."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render import render_repository
from gitops_vela.settings import RenderSettings
from tests.foundation.conftest import repo_catalog

BROKEN = "apps/broken/vela.yaml"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def render(root: Path, settings: RenderSettings | None = None) -> RepositoryRender:
    return render_repository(root, repo="acme", catalog=repo_catalog(root), settings=settings)


def broken_app_errors(result: RepositoryRender) -> list[str]:
    """The broken app's messages, after checking that the good apps rendered."""
    assert [app.name for app in result.apps] == ["report", "shop"]
    (failure,) = result.failures
    assert failure.path == BROKEN
    return [str(d) for d in failure.diagnostics]


def web_app(body: str, *, service_type: str = "") -> str:
    kind = f"    type: {service_type}\n" if service_type else ""
    return f"name: broken\nservices:\n  web:\n{kind}{body}"


APPFILE_CASES = {
    "yaml syntax error": (
        "name: broken\nservices:\n  web: {image: [\n",
        r"^apps/broken/vela.yaml:4: YAML syntax error: .+",
    ),
    "unknown type": (
        web_app("    image: x\n", service_type="webservise"),
        r"^apps/broken/vela.yaml:4: services.web.type: unknown workload type 'webservise' "
        r"\(did you mean 'webservice'\?\)$",
    ),
    "unknown trait or parameter": (
        web_app("    image: x\n    scalr: {replicas: 2}\n"),
        r"^apps/broken/vela.yaml:5: services.web.scalr: unknown parameter 'scalr' of workload "
        r"'webservice' \(did you mean 'scaler'\?\)$",
    ),
    "unknown trait parameter": (
        web_app("    image: x\n    scaler:\n      replica: 2\n"),
        r"^apps/broken/vela.yaml:6: services.web.scaler.replica: unknown parameter 'replica' of "
        r"trait 'scaler' \(did you mean 'replicas'\?\)$",
    ),
    "wrong type": (
        web_app("    image: x\n    port: http\n"),
        r"^apps/broken/vela.yaml:5: services.web.port: 'http' is not of type 'integer'$",
    ),
    "missing required": (
        web_app("    port: 80\n"),
        r"^apps/broken/vela.yaml:3: services.web: 'image' is a required property$",
    ),
    "conflicting traits": (
        web_app("    image: x\n    autoscale: {max: 3}\n    scaler: {replicas: 2}\n"),
        r"^apps/broken/vela.yaml:6: services.web.scaler: trait 'scaler' conflicts with trait "
        r"'autoscale'$",
    ),
    "trait not applicable": (
        web_app(
            "    image: x\n    schedule: '* * * * *'\n    scaler: {replicas: 2}\n",
            service_type="cron-task",
        ),
        r"^apps/broken/vela.yaml:7: services.web.scaler: trait 'scaler' does not apply to workload "
        r"'cron-task' \(it applies to: webservice, worker\)$",
    ),
    "annotation value not a string": (
        "name: broken\nannotations:\n  gitops-vela.dev/recreate: true\nservices:\n  web: {image: x}\n",
        r"^apps/broken/vela.yaml:3: annotations.gitops-vela.dev/recreate: must be a string, "
        r"got bool \(quote it\)$",
    ),
    "annotation key malformed": (
        "name: broken\nannotations:\n  'bad key/x/y': 'on'\nservices:\n  web: {image: x}\n",
        r"^apps/broken/vela.yaml:3: annotations.bad key/x/y: 'bad key/x/y' is not an annotation key",
    ),
    "annotations not a mapping": (
        "name: broken\nannotations: [a]\nservices:\n  web: {image: x}\n",
        r"^apps/broken/vela.yaml:2: annotations: must be a mapping of strings$",
    ),
    "bad app name": (
        "name: Broken_App\nservices:\n  web: {image: x}\n",
        r"^apps/broken/vela.yaml:1: name: app name 'Broken_App' is not a DNS-1123 label",
    ),
}


@pytest.mark.parametrize("case", sorted(APPFILE_CASES))
def test_broken_appfile_is_reported_and_others_render(repo: Path, case: str) -> None:
    text, pattern = APPFILE_CASES[case]
    write(repo, BROKEN, text)

    errors = broken_app_errors(render(repo))

    assert any(re.search(pattern, e) for e in errors), errors


def test_every_problem_of_a_file_is_reported_at_once(repo: Path) -> None:
    write(repo, BROKEN, web_app("    port: http\n    cpu: 1\n"))

    errors = broken_app_errors(render(repo))

    assert len(errors) == 3, errors
    assert any("'image' is a required property" in e for e in errors)
    assert any("services.web.cpu: unknown parameter 'cpu'" in e for e in errors)


def test_a_10_mb_appfile_is_refused_quickly(repo: Path) -> None:
    write(repo, BROKEN, "name: broken\nservices:\n" + "#" * 10_000_000 + "\n")

    (error,) = broken_app_errors(render(repo))

    assert error == "apps/broken/vela.yaml: file is 9.5 MiB, larger than the 1.0 MiB limit"


def test_duplicate_app_names_fail_both_files(repo: Path) -> None:
    write(repo, "apps/copy/vela.yaml", (repo / "apps/shop/vela.yaml").read_text())

    result = render(repo)

    assert [app.name for app in result.apps] == ["report"]
    assert sorted(str(d) for f in result.failures for d in f.diagnostics) == [
        "apps/copy/vela.yaml:1: name: app name 'shop' is also used by apps/shop/vela.yaml",
        "apps/shop/vela.yaml:1: name: app name 'shop' is also used by apps/copy/vela.yaml",
    ]


def definition(name: str, template: str, *, kind: str = "WorkloadDefinition") -> str:
    body = "\n".join(f"        {line}" for line in template.splitlines())
    return (
        f"apiVersion: core.oam.dev/v1beta1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n"
        f"  schematic:\n    jsonnet:\n      template: |\n{body}\n"
    )


TEMPLATE_CASES = {
    "template syntax error": (
        "function(parameter, context) { output: { kind: } }",
        r"^definitions/bad.yaml\[bad\]:1:48: syntax error: Unexpected: .+ \(definition 'bad', "
        r"used by service 'web' of app 'broken'\)$",
    ),
    "template runtime error": (
        "function(parameter, context) { output: error 'no image configured' }",
        r"^apps/broken/vela.yaml:3: services.web: definition 'bad' at "
        r"definitions/bad.yaml\[bad\]:1: runtime error: no image configured$",
    ),
    "endless recursion": (
        "local f(n) = f(n + 1) + 1;\nfunction(parameter, context) { output: f(0) }",
        r"^apps/broken/vela.yaml:3: services.web: definition 'bad' at .*: runtime error: max stack "
        r"frames exceeded\.( \(from [^()]+\))?$",
    ),
    "not a function": (
        "{ output: {} }",
        r"services.web: definition 'bad'.*the template must evaluate to function\(parameter, "
        r"context\), not object",
    ),
    "object without a name": (
        "function(parameter, context) { output: { apiVersion: 'v1', kind: 'ConfigMap' } }",
        r"^apps/broken/vela.yaml:3: services.web: definition 'bad' output: ConfigMap needs "
        r"metadata.name$",
    ),
    "imported file syntax error": (
        "local lib = import 'lib.libsonnet';\nfunction(parameter, context) { output: lib }",
        r"^definitions/lib.libsonnet:2:5: syntax error: Unexpected: .+ \(definition 'bad', "
        r"used by service 'web' of app 'broken'\)$",
    ),
    "runtime error with a trace": (
        "local lib = import 'lib.libsonnet';\nfunction(parameter, context) {\n"
        "  output: lib.need(parameter, 'image'),\n}",
        r"^apps/broken/vela.yaml:3: services.web: definition 'bad' at "
        r"definitions/lib.libsonnet:1: runtime error: image is required "
        r"\(from definitions/bad.yaml\[bad\]:3\)$",
    ),
}


@pytest.mark.parametrize("case", sorted(TEMPLATE_CASES))
def test_broken_template_names_definition_and_others_render(repo: Path, case: str) -> None:
    template, pattern = TEMPLATE_CASES[case]
    lib = "{ a: 1,\n    ,}" if case == "imported file syntax error" else ""
    lib = lib or "{ need(p, k):: if std.objectHas(p, k) then p[k] else error k + ' is required' }"
    write(repo, "definitions/lib.libsonnet", lib)
    write(repo, "definitions/bad.yaml", definition("bad", template))
    write(repo, BROKEN, "name: broken\nservices:\n  web:\n    type: bad\n")

    errors = broken_app_errors(render(repo))

    assert any(re.search(pattern, e) for e in errors), errors


def test_template_syntax_error_is_reported_once_for_every_service_using_it(repo: Path) -> None:
    write(
        repo, "definitions/bad.jsonnet", "function(parameter, context)\n  { output: { kind: } }\n"
    )
    write(
        repo,
        "definitions/bad.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: WorkloadDefinition\nmetadata:\n  name: bad\n"
        "spec:\n  schematic:\n    jsonnet:\n      file: bad.jsonnet\n",
    )
    services = "".join(f"  {name}:\n    type: bad\n" for name in ("api", "web"))
    write(repo, BROKEN, f"name: broken\nservices:\n{services}")

    (error,) = broken_app_errors(render(repo))

    assert re.fullmatch(
        r"definitions/bad.jsonnet:2:\d+: syntax error: Unexpected: .+ \(definition 'bad', "
        r"used by services 'api', 'web' of app 'broken'\)",
        error,
    ), error


def test_endless_template_times_out_naming_definition_and_app(repo: Path) -> None:
    endless = "local f(n) = if n == 0 then 1 else f(n - 1) + f(n - 1);\n"
    endless += "function(parameter, context) { patch: { metadata+: { n: f(60) } } }"
    write(repo, "definitions/slow.yaml", definition("slow", endless, kind="TraitDefinition"))
    write(repo, BROKEN, web_app("    image: x\n    scaler: {}\n    slow: {}\n"))

    (error,) = broken_app_errors(render(repo, RenderSettings(timeout=1.0)))

    assert error == (
        "apps/broken/vela.yaml:3: services.web: definition 'slow' did not finish within 1s "
        "(endless recursion or a loop?) in app 'broken'"
    )


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("../../outside.libsonnet", "'../../outside.libsonnet' points outside the repository"),
        ("/etc/hostname", "'/etc/hostname' is an absolute path"),
        (
            "link.libsonnet",
            "'definitions/link.libsonnet' is a symlink leading outside the repository",
        ),
    ],
)
def test_import_escaping_the_repository_is_refused(
    repo: Path, tmp_path: Path, target: str, expected: str
) -> None:
    (tmp_path / "outside.libsonnet").write_text("{ secret: 'x' }")
    os.symlink(tmp_path / "outside.libsonnet", repo / "definitions" / "link.libsonnet")
    template = f"local s = import '{target}';\nfunction(parameter, context) {{ output: s }}"
    write(repo, "definitions/bad.yaml", definition("bad", template))
    write(repo, BROKEN, "name: broken\nservices:\n  web:\n    type: bad\n")

    result = render(repo)

    assert [str(d) for d in result.catalog_diagnostics] == [
        f"definitions/bad.yaml:7: spec.schematic.jsonnet: definitions/bad.yaml[bad]: import {expected}"
    ]
    (error,) = broken_app_errors(result)
    assert error.startswith(
        "apps/broken/vela.yaml:4: services.web.type: workload type 'bad' is broken: "
    )


def test_broken_definition_does_not_hide_the_others(repo: Path) -> None:
    write(
        repo,
        "definitions/zz-bad.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata: {name: zz}\nspec:\n"
        "  parameters: {type: object, properties: {n: {type: nonsense}}}\n"
        "  schematic: {jsonnet: {template: 'function(p, c) {}'}}\n",
    )

    result = render(repo)

    assert [app.name for app in result.apps] == ["report", "shop"]
    (problem,) = result.catalog_diagnostics
    assert str(problem).startswith(
        "definitions/zz-bad.yaml:5: spec.parameters.properties.n.type: invalid JSON Schema: "
    )


def test_a_broken_trait_is_named_as_broken_not_unknown(repo: Path) -> None:
    write(
        repo,
        "definitions/bad.yaml",
        definition("shiny", "x", kind="TraitDefinition").replace(
            "spec:\n", "spec:\n  conflictsWith: nope\n"
        ),
    )
    write(repo, BROKEN, web_app("    image: x\n    shiny: {}\n"))

    (error,) = broken_app_errors(render(repo))

    assert error == (
        "apps/broken/vela.yaml:5: services.web.shiny: trait 'shiny' is broken: "
        "definitions/bad.yaml:6: spec.conflictsWith: must be a list of strings"
    )
