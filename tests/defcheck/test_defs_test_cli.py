"""``gitops-vela defs test``: write the test first, see it fail, fix the template, see it pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gitops_vela.cli import main
from tests.defcheck.conftest import fix_template, write

SAMPLE = Path(__file__).resolve().parents[2] / "sample-repo"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["defs", "test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_failing_case_then_the_fix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(repo))
    assert code == 1
    lines = out.splitlines()
    assert "definitions/greeter.yaml::example PASSED" in lines
    assert "definitions/tests/greeter/shouted.yaml FAILED" in lines
    assert "-  greeting: HI" in lines and "+  greeting: Hi" in lines  # the diff of the field
    assert lines[-1].strip("= ").startswith("1 passed, 1 failed in ")

    fix_template(repo)
    code, out, _ = run(capsys, str(repo))
    assert code == 0, out
    assert "definitions/tests/greeter/shouted.yaml PASSED" in out.splitlines()
    assert out.splitlines()[-1].strip("= ").startswith("2 passed in ")


def test_update_writes_golden_files_then_they_hold(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = "services:\n  hello: {type: greeter, greeting: Yo}\n"
    write(repo, {"definitions/tests/greeter/golden-yo.yaml": case})
    golden = repo / "definitions/tests/greeter/golden-yo.golden.yaml"

    code, out, _ = run(capsys, str(repo), "--definition", "greeter")
    assert code == 1
    assert "no golden file definitions/tests/greeter/golden-yo.golden.yaml" in out

    code, out, _ = run(capsys, str(repo), "--update")
    assert "definitions/tests/greeter/golden-yo.yaml UPDATED" in out.splitlines()
    assert code == 1  # --update rewrites goldens only; the expect case still fails
    assert "greeting: Yo\n" in golden.read_text()
    assert "gitops-vela.dev/app: defs-test.golden-yo" in golden.read_text()

    fix_template(repo)
    code, out, _ = run(capsys, str(repo))
    assert code == 1  # the golden pinned "Yo"; the fixed template says "YO"
    assert "-  greeting: Yo" in out and "+  greeting: YO" in out
    assert run(capsys, str(repo), "--update")[0] == 0
    assert run(capsys, str(repo))[0] == 0


def test_expected_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fix_template(repo)
    too_long = "services:\n  hello: {type: greeter, greeting: %s}\nerror: %s\n"
    message = "\"services.hello.greeting: '%s' is too long\"" % ("x" * 21)
    write(
        repo,
        {
            "definitions/tests/greeter/too-long.yaml": too_long % ("x" * 21, message),
            "definitions/tests/greeter/short-is-fine.yaml": too_long % ("hey", "too long"),
        },
    )
    code, out, _ = run(capsys, str(repo))
    assert code == 1
    assert "definitions/tests/greeter/too-long.yaml PASSED" in out.splitlines()
    assert "definitions/tests/greeter/short-is-fine.yaml FAILED" in out.splitlines()
    assert "rendered 1 objects; expected an error containing 'too long'" in out


def test_broken_cases_name_file_line_and_key(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        {
            "definitions/tests/greeter/typo.yaml": "services:\n  hello: {type: greeter}\nexpects: []\n",
            "definitions/tests/greter/any.yaml": "services: {}\n",
            "definitions/tests/greeter/vela.yaml": "services:\n  hello: {type: greeter}\n",
        },
    )
    code, out, _ = run(capsys, str(repo))
    assert code == 1
    assert "definitions/tests/greeter/typo.yaml BROKEN" in out.splitlines()
    assert "definitions/tests/greeter/typo.yaml:3: expects: unknown key" in out
    assert "definitions/tests/greter/ BROKEN" in out.splitlines()
    assert "no definition named 'greter' beside this folder" in out
    assert "definitions/tests/greeter/vela.yaml BROKEN" in out.splitlines()
    assert "a case file named vela.yaml is read as an Appfile" in out


def test_a_case_that_does_not_use_its_definition_fails(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fix_template(repo)
    elsewhere = "services:\n  web: {type: worker, image: nginx}\nexpect:\n  - {kind: Deployment, metadata: {name: web}}\n"
    write(repo, {"definitions/tests/greeter/elsewhere.yaml": elsewhere})
    code, out, _ = run(capsys, str(repo))
    assert code == 1
    assert "rendered, but does not use 'greeter' (uses: worker)" in out


def test_a_definition_that_fails_to_load_fails_the_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fix_template(repo)
    write(
        repo, {"definitions/greeter.yaml": "kind: WorkloadDefinition\nmetadata: {name: greeter}\n"}
    )
    code, out, err = run(capsys, str(repo))
    assert code == 1
    assert "error: definitions/greeter.yaml" in err
    assert "definitions/tests/greeter/ BROKEN" in out.splitlines()
    assert "definition 'greeter' did not load, so its tests cannot run" in out


def test_sample_repo_definitions_pass_through_the_entry_point() -> None:
    """As a user runs it: the installed entry point, in a process of its own."""
    proc = subprocess.run(
        [sys.executable, "-m", "gitops_vela", "defs", "test", str(SAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "definitions/tests/mysql/no-password-in-git.yaml PASSED" in proc.stdout.splitlines()
    assert "definitions/mysql.yaml::example PASSED" in proc.stdout.splitlines()


def test_a_golden_file_leading_outside_the_repository_is_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not the repository's\n")
    write(
        repo,
        {
            "definitions/tests/greeter/leak.yaml": "services:\n  hello: {type: greeter, greeting: Yo}\n"
        },
    )
    (repo / "definitions/tests/greeter/leak.golden.yaml").symlink_to(outside)

    code, out, _ = run(capsys, str(repo), "--update")

    assert code == 1
    assert "definitions/tests/greeter/leak.yaml BROKEN" in out.splitlines()
    assert "is a symlink leading outside the repository" in out
    assert outside.read_text() == "not the repository's\n"


def test_every_problem_of_a_broken_case_is_listed(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = "services:\n  hello: {type: greeter, greeting: Hi}\nexpect: []\ncolour: red\n"
    write(repo, {"definitions/tests/greeter/bad.yaml": bad})
    code, out, _ = run(capsys, str(repo), "--definition", "greeter")
    assert code == 1
    assert "definitions/tests/greeter/bad.yaml:4: colour: unknown key" in out
    assert "definitions/tests/greeter/bad.yaml:3: expect: must be a list of objects" in out


def test_the_builtin_catalogs_tests_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--builtins`` on a repository with no definitions of its own runs the built-ins' cases."""
    (tmp_path / "apps").mkdir()
    code, out, _ = run(capsys, str(tmp_path), "--builtins")
    assert code == 0, out
    lines = out.splitlines()
    assert "<builtin>/webservice.yaml::example PASSED" in lines
    assert "<builtin>/k8s-objects.yaml::example PASSED" in lines  # example.yaml gives its file
    assert "<builtin>/tests/webservice/port-out-of-range.yaml PASSED" in lines
    assert "<builtin>/tests/webservice/no-service.yaml PASSED" in lines  # a golden case
