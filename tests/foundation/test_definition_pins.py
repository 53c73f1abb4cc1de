"""Several versions of one definition side by side, ``name@MAJOR[.MINOR]`` pins, newest when
unpinned; rendered through ``render_repository`` and ``defs list`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_vela.catalog import load_catalog
from gitops_vela.cli import main
from gitops_vela.render import render_repository

WORKLOAD = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata: {name: box}
spec:
  version: "VERSION"
  parameters: {type: object, properties: {image: {type: string}}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          output: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: context.name},
                   data: {box: 'VERSION'}},
          outputs: {},
        }
"""

TRAIT = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata: {name: stamp}
spec:
  version: "VERSION"
  parameters: {type: object, properties: {}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {metadata+: {annotations+: {stamp: 'VERSION'}}},
          outputs: {},
        }
"""


def app(name: str, box: str = "box", stamp: str = "stamp") -> str:
    return f"name: {name}\nservices:\n  main:\n    type: {box}\n    {stamp}: {{}}\n"


def write_repo(root: Path, apps: dict[str, str], versions: tuple[str, ...]) -> Path:
    (root / "definitions").mkdir(parents=True)
    for version in versions:
        for kind, text in (("box", WORKLOAD), ("stamp", TRAIT)):
            path = root / "definitions" / f"{kind}-{version}.yaml"
            path.write_text(text.replace("VERSION", version))
    for name, text in apps.items():
        (root / "apps" / name).mkdir(parents=True)
        (root / "apps" / name / "vela.yaml").write_text(text)
    return root


def rendered(root: Path) -> dict[str, tuple[str, str]]:
    """app -> (the box version in the ConfigMap, the stamp version in its annotation)."""
    render = render_repository(root, repo="test", revision="r1")
    assert not render.failures, [str(d) for f in render.failures for d in f.diagnostics]
    out = {}
    for done in render.apps:
        (obj,) = done.objects
        out[done.name] = (obj["data"]["box"], obj["metadata"]["annotations"]["stamp"])
    return out


VERSIONS = ("1.0.0", "1.2.0", "2.0.0", "2.1.3")


def test_versions_coexist_and_pins_pick_the_newest_they_admit(tmp_path: Path) -> None:
    apps = {
        "latest": app("latest"),
        "major": app("major", "box@1", "stamp@1"),
        "minor": app("minor", "box@1.0", "stamp@2.1"),
        "exact": app("exact", "box@2.0.0", "stamp@1.2.0"),
    }
    root = write_repo(tmp_path, apps, VERSIONS)

    assert rendered(root) == {
        "latest": ("2.1.3", "2.1.3"),
        "major": ("1.2.0", "1.2.0"),
        "minor": ("1.0.0", "2.1.3"),
        "exact": ("2.0.0", "1.2.0"),
    }


def test_an_app_names_the_versions_it_renders_with(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"pinned": app("pinned", "box@1", "stamp@2")}, VERSIONS)

    (done,) = render_repository(root, repo="test", revision="r1").apps

    assert done.definitions == {"box@1.2.0", "stamp@2.1.3"}
    (obj,) = done.objects
    labels = obj["metadata"]["labels"]
    assert labels["workload.oam.dev/type"] == "box"  # a label value cannot hold '@'


@pytest.mark.parametrize(
    ("box", "stamp", "message"),
    [
        ("box@3", "stamp", "services.main.type: no version of workload type 'box' matches @3"),
        ("box", "stamp@1.9", "services.main.stamp@1.9: no version of trait 'stamp' matches @1.9"),
        ("box@one", "stamp", "services.main.type: workload type 'box': what follows '@' is not"),
        ("box", "stamp@v2", "services.main.stamp@v2: trait 'stamp': what follows '@' is not"),
    ],
)
def test_a_pin_no_version_matches_names_the_file_line_key_and_the_versions(
    tmp_path: Path, box: str, stamp: str, message: str
) -> None:
    root = write_repo(tmp_path, {"bad": app("bad", box, stamp)}, VERSIONS)

    render = render_repository(root, repo="test", revision="r1")

    (failure,) = render.failures
    (problem,) = failure.diagnostics
    assert str(problem).startswith(f"apps/bad/vela.yaml:{4 if box != 'box' else 5}: {message}")
    assert "2.1.3, 2.0.0, 1.2.0, 1.0.0" in str(problem)


def test_a_pin_on_a_definition_without_versions_says_it_has_none(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"bad": app("bad", "box@1", "stamp")}, VERSIONS)
    for path in (root / "definitions").iterdir():
        path.write_text(path.read_text().replace('  version: "', '  # version: "'))
        if "1.0.0" not in path.name:
            path.unlink()

    (failure,) = render_repository(root, repo="test", revision="r1").failures

    assert "it declares no spec.version" in str(failure.diagnostics[0])


def test_the_same_version_twice_is_refused_and_the_first_kept(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {}, ("1.0.0",))
    text = TRAIT.replace("VERSION", "1.0.0").replace("stamp: '1.0.0'", "stamp: 'again'")
    (root / "definitions" / "stamp-copy.yaml").write_text(text)

    catalog = load_catalog(root, origin="test", builtins=False)

    assert [str(d) for d in catalog.diagnostics] == [
        "definitions/stamp-copy.yaml:3: metadata.name: definition 'stamp' version 1.0.0"
        " is also defined in definitions/stamp-1.0.0.yaml"
    ]
    assert [d.version for d in catalog.versions("stamp")] == ["1.0.0"]


def test_a_repository_defining_a_name_replaces_every_version_a_center_has(
    tmp_path: Path,
) -> None:
    center = write_repo(tmp_path / "center", {}, ("1.0.0", "3.0.0"))
    repo = write_repo(tmp_path / "repo", {}, ("2.0.0",))

    catalog = load_catalog(repo, origin="repo", centers=[("shared", center / "definitions")])

    assert [(d.version, d.origin) for d in catalog.versions("stamp")] == [("2.0.0", "repo")]


def test_an_unversioned_definition_sorts_below_every_version(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"plain": app("plain")}, ("1.0.0",))
    unversioned = TRAIT.replace('  version: "VERSION"\n', "").replace("VERSION", "none")
    (root / "definitions" / "stamp-plain.yaml").write_text(unversioned)

    assert rendered(root)["plain"][1] == "1.0.0"


def test_defs_list_shows_each_version_and_who_uses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apps = {"a": app("a"), "b": app("b", "box@1", "stamp@1"), "c": app("c", "box@1")}
    root = write_repo(tmp_path, apps, ("1.0.0", "2.0.0"))

    assert main(["defs", "list", str(root)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    stamp = {row[1]: row[5] for row in rows if row[:1] == ["stamp"]}
    box = {row[1]: row[5] for row in rows if row[:1] == ["box"]}
    assert stamp == {"2.0.0": "2:a,c", "1.0.0": "1:b"}
    assert box == {"2.0.0": "1:a", "1.0.0": "2:b,c"}

    assert main(["defs", "list", str(root), "-o", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["definitions"]
    used = {(d["name"], d["version"]): d["usedBy"] for d in listed if d["name"] == "stamp"}
    assert used == {("stamp", "2.0.0"): ["a", "c"], ("stamp", "1.0.0"): ["b"]}


def test_defs_show_takes_a_pin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_repo(tmp_path, {}, VERSIONS)

    assert main(["defs", "show", "stamp@1", str(root)]) == 0

    out = capsys.readouterr().out
    assert out.startswith("# stamp@1.2.0 (TraitDefinition, ")
    assert "versions: 2.1.3, 2.0.0, 1.2.0, 1.0.0" in out
