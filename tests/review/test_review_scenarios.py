"""``gitops-vela review`` on real Git branches, through the CLI a CI job calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_vela.cli import main
from tests.review.conftest import ALPHA, APPS, DEFINITIONS, Repo


def review(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


def review_json(capsys: pytest.CaptureFixture[str], repo: Repo, *extra: str) -> tuple[int, Any]:
    code, out, _ = review(
        capsys, "--base", "main", "--head", "feature", str(repo.path), "--format", "json", *extra
    )
    return code, json.loads(out)


def add_team_annotation(platform: Repo) -> None:
    """A compatible change to the `annotate` trait, committed on the feature branch."""
    platform.edit(
        "definitions/annotate.yaml",
        "owner: parameter.owner }",
        "owner: parameter.owner, 'team.example.com/owner': parameter.owner }",
    )
    platform.commit("annotate: also write the team annotation")


def test_trait_change_touches_only_the_app_using_it(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    add_team_annotation(platform)

    code, out, err = review(capsys, "--base", "main", "--head", "feature", str(platform.path))

    assert code == 0, err
    assert "Head is clean" in out
    assert "`annotate`" in out
    assert "<b>platform/alpha</b>: changed" in out
    assert "platform/beta" not in out
    assert "| Apps unaffected | 1 |" in out
    assert "+    team.example.com/owner: team-a" in out
    assert out.index("| Apps changed") < out.index("<details")  # summary first


def test_new_required_parameter_breaks_the_app_and_says_where(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit("definitions/annotate.yaml", "required: [owner]", "required: [owner, team]")
    platform.edit(
        "definitions/annotate.yaml",
        "owner: {type: string}",
        "owner: {type: string}\n      team: {type: string}",
    )
    platform.commit("annotate: team is now required")

    code, out, err = review(capsys, "--base", "main", "--head", "feature", str(platform.path))

    assert code == 1
    assert "Head breaks" in out
    assert "**breaking**: `team`: new required parameter" in out
    assert "platform/alpha</b>: broken" in out
    broken = [line for line in err.splitlines() if "app platform/alpha" in line]
    assert broken and "apps/alpha/vela.yaml:" in broken[0] and "team" in broken[0]


def test_template_syntax_error_is_reported_and_breaks(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit("definitions/tiny.jsonnet", "outputs: {},", "outputs: {,")
    platform.commit("tiny: typo")

    code, data = review_json(capsys, platform)

    assert code == 1
    (tiny,) = [d for d in data["definitions"] if d["name"] == "tiny"]
    assert tiny["status"] == "changed" and tiny["breaking"]
    assert any("tiny.jsonnet" in p for p in tiny["problems"]), tiny
    assert {a["name"] for a in data["apps"] if a["status"] == "broken"} == {"alpha", "beta"}


def test_definition_removed_while_still_used(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.remove("definitions/annotate.yaml")
    platform.commit("drop annotate")

    code, out, err = review(capsys, "--base", "main", "--head", "feature", str(platform.path))

    assert code == 1
    assert "definition annotate: removed but used by platform/alpha" in err
    assert "platform/alpha</b>: broken" in out
    assert "platform/beta" not in out


def test_definition_removed_when_unused_is_clean(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.remove("definitions/portal.yaml")
    platform.edit("apps/beta/vela.yaml", "    portal:\n      port: 8080\n", "")
    platform.commit("drop portal and its only use")

    code, data = review_json(capsys, platform)

    assert code == 0, data["breaking"]
    assert [(d["name"], d["status"]) for d in data["definitions"]] == [("portal", "removed")]
    (beta,) = data["apps"]
    assert beta["name"] == "beta" and beta["status"] == "changed"
    assert [o["change"] for o in beta["objects"]] == ["removed"]


def test_json_report_has_the_same_content(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit("definitions/tiny.yaml", "default: 1", "default: 2")
    platform.commit("tiny: two replicas by default")

    code, data = review_json(capsys, platform)

    assert code == 0 and data["ok"] is True
    assert data["base"]["ref"] == "main" and len(data["head"]["sha"]) == 40
    (tiny,) = data["definitions"]
    assert tiny["aspects"] == ["parameters"]
    assert tiny["schemaChanges"] == [
        {"path": "replicas", "severity": "compatible", "message": "default changed: 1 -> 2"}
    ]
    assert sorted(tiny["usedBy"]) == ["platform/alpha", "platform/beta"]
    assert {a["name"] for a in data["apps"]} == {"alpha", "beta"}
    assert data["appsTotal"] == 2 and data["appsUnaffected"] == 0
    diff = data["apps"][0]["objects"][0]["diff"]
    assert "-  replicas: 1" in diff and "+  replicas: 2" in diff


def test_changed_appfile_is_reviewed_without_definition_changes(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit("apps/beta/vela.yaml", "port: 8080", "port: 'http'")
    platform.write({"apps/gamma/vela.yaml": ALPHA.replace("alpha", "gamma")})
    platform.commit("beta: a bad port; add gamma")

    code, data = review_json(capsys, platform)

    assert code == 1
    statuses = {a["name"]: a["status"] for a in data["apps"]}
    assert statuses == {"beta": "broken", "gamma": "added"}
    (beta,) = [a for a in data["apps"] if a["name"] == "beta"]
    assert any(e.startswith("apps/beta/vela.yaml:") and "port" in e for e in beta["errors"])


def test_trait_conflict_introduced(platform: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    platform.edit(
        "definitions/portal.yaml",
        "appliesToWorkloads: [tiny]",
        "appliesToWorkloads: [tiny]\n  conflictsWith: [annotate]",
    )
    platform.edit("apps/alpha/vela.yaml", "owner: team-a\n", "owner: team-a\n    portal: {}\n")
    platform.commit("portal conflicts with annotate")

    code, data = review_json(capsys, platform)

    assert code == 1
    (alpha,) = [a for a in data["apps"] if a["name"] == "alpha"]
    assert alpha["status"] == "broken" and alpha["conflicts"], alpha


def test_cross_repository_blast_radius(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    center = Repo(tmp_path / "center")
    center.write(DEFINITIONS)
    center.commit("capabilities v1")
    center.branch("feature")
    center.edit("definitions/annotate.yaml", "required: [owner]", "required: [owner, team]")
    center.edit(
        "definitions/annotate.yaml",
        "owner: {type: string}",
        "owner: {type: string}\n      team: {type: string}",
    )
    center.commit("annotate: team required")
    shop = tmp_path / "shop"
    (shop / "apps" / "alpha").mkdir(parents=True)
    (shop / "apps" / "alpha" / "vela.yaml").write_text(ALPHA)
    (shop / "apps" / "beta").mkdir(parents=True)
    (shop / "apps" / "beta" / "vela.yaml").write_text(
        ALPHA.replace("alpha", "beta").replace("    annotate:\n      owner: team-a\n", "")
    )

    code, data = review_json(capsys, center, "--apps-repo", str(shop))

    assert code == 1
    assert data["repositories"] == ["center", "shop"]
    (annotate,) = data["definitions"]
    assert annotate["breakingSchema"] and annotate["usedBy"] == ["shop/alpha"]
    assert [(a["repo"], a["name"], a["status"]) for a in data["apps"]] == [
        ("shop", "alpha", "broken")
    ]
    assert data["appsTotal"] == 2 and data["appsUnaffected"] == 1


def test_markdown_is_truncated_with_a_note(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(12):
        platform.write({f"apps/app{i}/vela.yaml": ALPHA.replace("alpha", f"app{i}")})
    platform.git("checkout", "-q", "main")
    platform.commit("twelve more apps")
    platform.git("checkout", "-q", "-B", "feature")
    platform.edit(
        "definitions/annotate.yaml",
        "owner: parameter.owner }",
        "owner: parameter.owner, x: std.join('', std.makeArray(200, function(i) 'z')) }",
    )
    platform.commit("annotate: a long annotation")

    code, out, _ = review(
        capsys, "--base", "main", "--head", "feature", str(platform.path), "--max-chars", "5000"
    )

    assert code == 0
    assert len(out) <= 5000
    assert "**Truncated:**" in out and "more section(s) not shown" in out
    assert out.rstrip().endswith("</sub>")


def test_git_errors_exit_2(
    platform: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = review(capsys, "--base", "main", "--head", "nope", str(platform.path))
    assert code == 2 and "nope" in err
    (tmp_path / "plain").mkdir()
    code, _, err = review(capsys, "--base", "main", "--head", "main", str(tmp_path / "plain"))
    assert code == 2 and "not in a Git repository" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["review", "--head", "x"])
    assert exc.value.code == 2


def test_new_unused_definition_is_still_compiled(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.write(
        {
            "definitions/probe.yaml": """\
            apiVersion: core.oam.dev/v1beta1
            kind: TraitDefinition
            metadata:
              name: probe
            spec:
              schematic:
                jsonnet:
                  template: "{patch: {}}"
              status:
                healthPolicy: "function(object) {healthy: true,"
            """
        }
    )
    platform.commit("probe: a trait nobody uses yet")

    code, data = review_json(capsys, platform)

    assert code == 1
    (probe,) = data["definitions"]
    assert probe["status"] == "added" and probe["usedBy"] == []
    problems = probe["problems"]
    assert any(
        "template must evaluate to function(parameter, context), not an object" in p
        for p in problems
    ), problems
    assert any("healthPolicy does not compile" in p for p in problems), problems
    assert data["apps"] == [] and data["appsUnaffected"] == 2


def test_cluster_flag_diffs_affected_apps_against_live(
    platform: Repo, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    kubeconfig = str(emulator.kubeconfig_path)
    assert main(["apply", str(platform.path), "--kubeconfig", kubeconfig]) == 0
    add_team_annotation(platform)
    capsys.readouterr()

    code, data = review_json(capsys, platform, "--cluster", "--kubeconfig", kubeconfig)

    assert code == 0
    (live,) = data["cluster"]
    assert live["app"] == "platform/alpha" and live["error"] == ""
    (obj,) = live["objects"]
    assert obj["change"] == "changed" and obj["ref"] == "Deployment.apps/default/web"
    assert "+    team.example.com/owner: team-a" in obj["diff"].splitlines()


def test_cluster_flag_with_a_bad_kubeconfig_exits_2(
    platform: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.yaml")
    code, _, err = review(
        capsys,
        "--base",
        "main",
        "--head",
        "feature",
        str(platform.path),
        "--cluster",
        "--kubeconfig",
        missing,
    )
    assert code == 2 and "error:" in err


def test_review_of_a_folder_in_a_monorepo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mono = Repo(tmp_path / "mono")
    mono.write({f"platform/{rel}": text for rel, text in {**DEFINITIONS, **APPS}.items()})
    mono.write({"README.md": "monorepo\n"})
    mono.commit("platform folder")
    mono.branch("feature")
    mono.edit("platform/definitions/tiny.yaml", "default: 1", "default: 3")
    mono.commit("three replicas")

    code, out, _ = review(
        capsys,
        "--base",
        "main",
        "--head",
        "feature",
        str(mono.path / "platform"),
        "--format",
        "json",
    )

    data = json.loads(out)
    assert code == 0 and data["repositories"] == ["platform"]
    assert {a["name"] for a in data["apps"]} == {"alpha", "beta"}
    assert data["apps"][0]["path"] == "apps/alpha/vela.yaml"
    code, out, _ = review(
        capsys,
        "--base",
        "main",
        "--head",
        "feature",
        str(mono.path / "platform"),
        "--repo",
        "mono",
        "--format",
        "json",
    )
    assert json.loads(out)["apps"][0]["repo"] == "mono"


def test_an_appfile_that_is_not_utf8_still_gets_reviewed(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (platform.path / "apps" / "latin").mkdir()
    (platform.path / "apps" / "latin" / "vela.yaml").write_bytes(
        b"name: latin\nservices:\n  web:\n    type: tiny\n    image: caf\xe9\n"
    )
    platform.edit("definitions/tiny.yaml", "default: 1", "default: 2")
    platform.commit("a latin-1 Appfile and two replicas")

    code, data = review_json(capsys, platform)

    statuses = {a["name"]: a["status"] for a in data["apps"]}
    assert statuses["alpha"] == "changed" and statuses["beta"] == "changed"
    assert code == (1 if "broken" in statuses.values() else 0)
    assert len(statuses) == 3, statuses


def test_change_to_an_imported_file_reaches_the_apps_through_the_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "platform")
    shared = "{ owner(o):: { owner: o } }\n"
    uses_lib = DEFINITIONS["definitions/annotate.yaml"].replace(
        "annotations+: { owner: parameter.owner } }",
        "annotations+: (import 'lib.libsonnet').owner(parameter.owner) }",
    )
    repo.write(
        {
            **DEFINITIONS,
            **APPS,
            "definitions/annotate.yaml": uses_lib,
            "definitions/lib.libsonnet": shared,
        }
    )
    repo.commit("annotate through a shared helper")
    repo.branch("feature")
    repo.write({"definitions/lib.libsonnet": "{ owner(o):: { owner: o, team: o } }\n"})
    repo.commit("helper: also the team")

    code, data = review_json(capsys, repo)

    assert code == 0
    (annotate,) = data["definitions"]
    assert annotate["name"] == "annotate"
    assert annotate["aspects"] == ["import definitions/lib.libsonnet"]
    (alpha,) = data["apps"]
    assert alpha["name"] == "alpha" and "+    team: team-a" in alpha["objects"][0]["diff"]
    assert data["appsRendered"] == 1 and data["appsUnaffected"] == 1


def test_invalid_parameter_schema_at_head_is_reported_on_the_definition(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit(
        "definitions/portal.yaml",
        "port: {type: integer, default: 80}",
        "port: {type: integr, default: 80}",
    )
    platform.commit("portal: a typo in the schema")

    code, data = review_json(capsys, platform)

    assert code == 1
    (portal,) = data["definitions"]
    assert portal["status"] == "changed" and portal["aspects"] == ["invalid at head"]
    (problem,) = portal["problems"]
    assert problem.startswith("definitions/portal.yaml:") and "invalid JSON Schema" in problem
    assert portal["usedBy"] == ["platform/beta"]
    assert [(a["name"], a["status"]) for a in data["apps"]] == [("beta", "broken")]


def test_applies_to_violation_introduced(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit(
        "definitions/annotate.yaml", "appliesToWorkloads: [tiny]", "appliesToWorkloads: [worker]"
    )
    platform.commit("annotate: only for workers")

    code, out, _ = review(capsys, "--base", "main", "--head", "feature", str(platform.path))

    assert code == 1
    assert "| Trait conflicts / appliesTo violations introduced | 1 |" in out
    assert (
        "- conflict / appliesTo: apps/alpha/vela.yaml:6: services.web.annotate: trait 'annotate' does not apply to workload 'tiny'"
        in out
    )


def test_reads_commits_only_and_leaves_the_checkout_alone(
    platform: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.edit("definitions/tiny.yaml", "default: 1", "default: 2")
    platform.commit("two replicas")
    platform.edit("definitions/tiny.jsonnet", "outputs: {},", "outputs: {,")  # not committed
    status = platform.git("status", "--porcelain")

    code, data = review_json(capsys, platform)

    assert code == 0 and data["ok"]
    assert platform.git("status", "--porcelain") == status
    assert platform.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"


def test_missing_apps_repo_exits_2(
    platform: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = review(
        capsys,
        "--base",
        "main",
        "--head",
        "feature",
        str(platform.path),
        "--apps-repo",
        str(tmp_path / "missing"),
    )
    assert code == 2 and "--apps-repo" in err and "not a directory" in err


def test_o_means_format_as_in_render_and_out_writes_a_file(
    platform: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_team_annotation(platform)
    out = tmp_path / "review.json"
    args = ["--base", "main", "--head", "feature", str(platform.path), "-o", "json"]
    code = main(["review", *args, "--out", str(out)])
    assert code == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text(encoding="utf-8"))
