"""One status branch, one folder per environment (``<env>/README.md``, ``<env>/apps/<app>.yaml``),
each written only by the daemon of that environment; concurrent pushes lose nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import git
import pytest

from gitops_vela.cli import main
from gitops_vela.errors import StatusError
from gitops_vela.model.status import Health, SyncState
from gitops_vela.status import StatusWriter
from tests.source.gitrepos import Remote
from tests.status.helpers import BRANCH, app_doc, branch_commits, branch_file, status


def writer_for(remote: Remote, tmp_path: Path, environment: str) -> StatusWriter:
    cache = tmp_path / f"cache-{environment or 'base'}"
    return StatusWriter.for_url(remote.url, cache_dir=cache, folder=environment)


def test_each_environment_writes_its_own_folder(remote: Remote, tmp_path: Path) -> None:
    staging, prod = writer_for(remote, tmp_path, "staging"), writer_for(remote, tmp_path, "prod")

    staging.write([status("shop", health=Health.PROGRESSING), status("blog")])
    prod.write([status("shop")])

    paths = branch_commits(remote)[0].paths
    assert {p for p in paths if p.endswith((".md", ".yaml"))} == {
        "staging/README.md",
        "staging/apps/shop.yaml",
        "staging/apps/blog.yaml",
        "prod/README.md",
        "prod/apps/shop.yaml",
    }
    assert app_doc(remote, "shop", "staging")["health"] == "Progressing"
    assert app_doc(remote, "shop", "prod")["health"] == "Healthy"
    assert "| shop |" in (branch_file(remote, "prod/README.md") or "")
    assert (branch_file(remote, "prod/README.md") or "").startswith("# gitops-vela status: prod\n")
    assert "blog" not in (branch_file(remote, "prod/README.md") or "")


def test_a_complete_write_removes_only_apps_of_its_own_folder(
    remote: Remote, tmp_path: Path
) -> None:
    staging, prod = writer_for(remote, tmp_path, "staging"), writer_for(remote, tmp_path, "prod")
    staging.write([status("shop"), status("blog")])
    prod.write([status("shop"), status("blog")])

    prod.write([status("shop")])  # blog removed from prod's render

    assert branch_file(remote, "prod/apps/blog.yaml") is None
    assert app_doc(remote, "blog", "staging")["health"] == "Healthy"


def test_a_writer_reads_back_only_its_folder(remote: Remote, tmp_path: Path) -> None:
    writer_for(remote, tmp_path, "staging").write([status("shop", health=Health.DEGRADED)])
    writer_for(remote, tmp_path, "prod").write([status("shop")])

    fresh = StatusWriter.for_url(remote.url, cache_dir=tmp_path / "reader", folder="staging")

    assert {app: str(s.health) for app, s in fresh.read().items()} == {"shop": "Degraded"}


def test_concurrent_pushes_from_several_environments_lose_no_commit(
    remote: Remote, tmp_path: Path
) -> None:
    environments = ("dev", "staging", "prod")
    rounds = 4
    made: dict[str, list[str]] = {env: [] for env in environments}
    problems: list[BaseException] = []
    start = threading.Barrier(len(environments))

    def daemon(environment: str) -> None:
        writer = StatusWriter.for_url(
            remote.url, cache_dir=tmp_path / f"cache-{environment}", folder=environment
        )
        start.wait()
        try:
            for round_ in range(rounds):
                health = Health.HEALTHY if round_ % 2 else Health.PROGRESSING
                wanted = [status("shop", health=health, message=f"{environment} {round_}")]
                for _ in range(10):  # as the daemon does: a lost race is retried next poll
                    try:
                        sha = writer.write(wanted)
                        break
                    except StatusError:
                        continue
                else:
                    raise AssertionError(f"{environment}: never pushed round {round_}")
                if sha is not None:
                    made[environment].append(sha)
        except BaseException as exc:  # reported by the test thread
            problems.append(exc)

    threads = [threading.Thread(target=daemon, args=(env,)) for env in environments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not problems, problems
    assert all(len(shas) == rounds for shas in made.values()), made
    with git.Repo(remote.bare) as repo:
        history = {c.hexsha for c in repo.iter_commits(BRANCH)}
    lost = [sha for shas in made.values() for sha in shas if sha not in history]
    assert not lost  # every commit any daemon pushed is on the branch
    for env in environments:
        doc = app_doc(remote, "shop", env)
        assert doc["message"] == f"{env} {rounds - 1}"
        assert doc["health"] == "Healthy" and doc["sync"] == str(SyncState.SYNCED)


def test_status_env_reads_that_environment_and_points_at_the_others(
    remote: Remote, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer_for(remote, tmp_path, "staging").write([status("shop", health=Health.DEGRADED)])
    writer_for(remote, tmp_path, "prod").write([status("blog")])

    assert main(["status", remote.url, "--env", "staging"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert [r.split()[:3] for r in rows[1:]] == [["shop", "Synced", "Degraded"]]

    assert main(["status", remote.url]) == 0  # nothing at the top of the branch
    err = capsys.readouterr().err
    assert "environments on the branch: prod, staging (pass --env)" in err
