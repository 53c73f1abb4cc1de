from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.errors import StatusError
from gitops_vela.model.status import AppStatus, Health, ResourceStatus, SyncState
from gitops_vela.source import Credentials, GitSource
from gitops_vela.status import Author, StatusWriter
from tests.source.gitrepos import Remote
from tests.source.httpgit import serve_git
from tests.status.helpers import (
    BRANCH,
    REV2,
    app_doc,
    branch_commits,
    branch_file,
    head_names,
    push_foreign_file,
    ref_sha,
    status,
)


def make_writer(remote: Remote, tmp_path: Path, **kwargs: object) -> StatusWriter:
    return StatusWriter.for_url(remote.url, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


def test_first_write_creates_an_orphan_branch_and_touches_nothing_else(
    remote: Remote, tmp_path: Path
) -> None:
    work_dir = Path(remote.work.working_tree_dir or "")
    (work_dir / "apps/shop/vela.yaml").write_text("uncommitted edit\n")
    main_before = ref_sha(remote, "main")
    head_before = remote.work.head.commit.hexsha
    writer = make_writer(remote, tmp_path, author=Author(name="Status Bot", email="bot@acme.test"))

    sha = writer.write([status("shop"), status("web", health=Health.PROGRESSING)])

    commits = branch_commits(remote)
    assert [c.hexsha for c in commits] == [sha]
    assert commits[0].parents == ()
    assert "[skip ci]" in commits[0].message
    assert commits[0].author == ("Status Bot", "bot@acme.test")
    assert ref_sha(remote, "main") == main_before
    assert remote.work.head.commit.hexsha == head_before
    assert remote.work.active_branch.name == "main"
    assert (work_dir / "apps/shop/vela.yaml").read_text() == "uncommitted edit\n"
    assert commits[0].paths == ("README.md", "apps", "apps/shop.yaml", "apps/web.yaml")


def test_app_file_has_exactly_the_design_fields(remote: Remote, tmp_path: Path) -> None:
    make_writer(remote, tmp_path).write(
        [status("shop", sync=SyncState.FAILED, health=Health.DEGRADED, errors=("a.yaml:9: x: y",))]
    )
    doc = app_doc(remote, "shop")
    assert list(doc) == [
        "app",
        "revision",
        "lastAppliedRevision",
        "sync",
        "health",
        "message",
        "errors",
        "resources",
        "since",
    ]
    assert doc["sync"] == "Failed"
    assert doc["health"] == "Degraded"
    assert doc["errors"] == ["a.yaml:9: x: y"]
    assert doc["resources"][0] == {
        "kind": "Deployment",
        "name": "shop",
        "namespace": "shop",
        "action": "configured",
        "health": "Healthy",
    }
    readme = branch_file(remote, "README.md") or ""
    assert "| app | revision | sync | health | message | since |" in readme
    assert "| shop | `1111111` | Failed | Degraded | all 2 objects healthy |" in readme


def test_quiet_writes_make_no_commit(remote: Remote, tmp_path: Path) -> None:
    writer = make_writer(remote, tmp_path)
    writer.write([status("shop")])
    assert writer.write([status("shop")]) is None
    # since, message and per-object actions alone are not worth a commit
    assert writer.write([status("shop", since="2030-01-01T00:00:00Z", message="other")]) is None
    # a restarted daemon (no memory) reads the branch and agrees
    assert make_writer(remote, tmp_path / "restarted").write([status("shop")]) is None
    assert len(branch_commits(remote)) == 1


def test_changed_health_makes_one_commit_and_moves_since(remote: Remote, tmp_path: Path) -> None:
    clock = iter(["2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z", "2026-05-01T12:00:00Z"])
    writer = make_writer(remote, tmp_path, clock=lambda: next(clock))
    first = writer.write([status("shop", since="")])
    assert app_doc(remote, "shop")["since"] == "2026-05-01T10:00:00Z"

    second = writer.write([status("shop", health=Health.DEGRADED, message="crash loop")])
    commits = branch_commits(remote)
    assert [c.hexsha for c in commits] == [second, first]
    assert app_doc(remote, "shop")["health"] == "Degraded"
    assert app_doc(remote, "shop")["message"] == "crash loop"
    assert app_doc(remote, "shop")["since"] == "2026-05-01T11:00:00Z"

    # a new revision with the same sync and health keeps since
    writer.write([status("shop", health=Health.DEGRADED, revision=REV2)])
    assert app_doc(remote, "shop")["revision"] == REV2
    assert app_doc(remote, "shop")["since"] == "2026-05-01T11:00:00Z"


def test_resource_set_and_errors_are_significant(remote: Remote, tmp_path: Path) -> None:
    writer = make_writer(remote, tmp_path)
    writer.write([status("shop")])
    assert writer.write([status("shop", resources=())]) is not None
    assert writer.write([status("shop", resources=(), errors=("x.yaml:1: k: bad",))]) is not None
    assert len(branch_commits(remote)) == 3


def test_an_object_health_change_under_the_same_app_health_is_recorded(
    remote: Remote, tmp_path: Path
) -> None:
    """The app stays Progressing, but what holds it back moves on: the file must follow."""

    def progressing(deployment: Health, canary: Health, message: str) -> AppStatus:
        return status(
            "payments",
            health=Health.PROGRESSING,
            message=message,
            resources=(
                ResourceStatus("Deployment", "checkout", "payments", "created", deployment),
                ResourceStatus("Canary", "checkout", "payments", "created", canary),
            ),
        )

    writer = make_writer(remote, tmp_path)
    writer.write([progressing(Health.PROGRESSING, Health.PROGRESSING, "Deployment waiting")])
    assert writer.write([progressing(Health.HEALTHY, Health.PROGRESSING, "Canary waiting")])
    doc = app_doc(remote, "payments")
    assert doc["message"] == "Canary waiting"
    assert [r["health"] for r in doc["resources"]] == ["Healthy", "Progressing"]


def test_removed_app_file_is_deleted(remote: Remote, tmp_path: Path) -> None:
    writer = make_writer(remote, tmp_path)
    writer.write([status("shop"), status("web")])
    assert writer.write([status("shop")], complete=False) is None  # a subset keeps web
    assert branch_file(remote, "apps/web.yaml") is not None

    sha = writer.write([status("shop")])
    assert sha is not None
    assert branch_file(remote, "apps/web.yaml") is None
    assert "| web |" not in (branch_file(remote, "README.md") or "")
    assert "web removed" in branch_commits(remote)[0].message


def test_other_writers_files_are_kept(remote: Remote, tmp_path: Path) -> None:
    writer = make_writer(remote, tmp_path)
    writer.write([status("shop")])
    push_foreign_file(remote, tmp_path, "NOTES.md", "hand-written notes\n")
    writer.write([status("shop", health=Health.DEGRADED)])
    assert branch_file(remote, "NOTES.md") == "hand-written notes\n"
    assert app_doc(remote, "shop")["health"] == "Degraded"


def test_push_racing_another_commit_reapplies_only_our_files(
    remote: Remote, tmp_path: Path
) -> None:
    ops: list[str] = []
    writer = make_writer(remote, tmp_path, on_op=ops.append)
    writer.write([status("shop")])
    raced: list[str] = []

    def racing_clock() -> str:
        # Runs after our fetch and before our push: someone else wins the race once,
        # and also scribbles over our file (ours must win for our own files).
        if not raced:
            raced.append(push_foreign_file(remote, tmp_path, "NOTES.md", "theirs\n"))
            push_foreign_file(remote, tmp_path, "apps/shop.yaml", "garbage: [\n")
        return "2026-06-01T00:00:00Z"

    writer._clock = racing_clock
    sha = writer.write([status("shop", sync=SyncState.OUT_OF_SYNC)])

    assert ops.count("push") == 3  # first write, the rejected push, the re-applied one
    commits = branch_commits(remote)
    assert commits[0].hexsha == sha
    assert commits[1].message.startswith("other: apps/shop.yaml")
    assert branch_file(remote, "NOTES.md") == "theirs\n"
    assert app_doc(remote, "shop")["sync"] == "OutOfSync"


def test_secrets_in_messages_are_redacted(remote: Remote, tmp_path: Path) -> None:
    leaky = "fetch https://bot:hunter2token@git.example.com/a.git failed\nsecond line"
    make_writer(remote, tmp_path).write(
        [status("shop", message=leaky, errors=("see https://u:pw12345@h/x",))]
    )
    text = branch_file(remote, "apps/shop.yaml") or ""
    assert "hunter2token" not in text and "pw12345" not in text
    assert app_doc(remote, "shop")["message"] == (
        "fetch https://***@git.example.com/a.git failed second line"
    )


def test_unsafe_app_name_is_refused(remote: Remote, tmp_path: Path) -> None:
    with pytest.raises(StatusError, match="cannot be a status file name"):
        make_writer(remote, tmp_path).write([status("../escape")])


def test_remote_down_is_a_retryable_status_error(remote: Remote, tmp_path: Path) -> None:
    writer = make_writer(remote, tmp_path)
    writer.write([status("shop")])
    remote.bare.rename(tmp_path / "gone.git")
    with pytest.raises(StatusError) as info:
        writer.write([status("shop", health=Health.DEGRADED)])
    assert info.value.retryable
    (tmp_path / "gone.git").rename(remote.bare)
    assert writer.write([status("shop", health=Health.DEGRADED)]) is not None


def test_writer_for_source_shares_the_cache(remote: Remote, tmp_path: Path) -> None:
    source = GitSource(remote.url, cache_dir=tmp_path / "cache")
    source.fetch()
    writer = StatusWriter.for_source(source, branch="ops/status")
    assert writer.write([status("shop")]) is not None
    assert branch_file(remote, "apps/shop.yaml", branch="ops/status")
    assert source.fetch().sha == remote.work.head.commit.hexsha
    assert writer.read()["shop"].health is Health.HEALTHY
    assert BRANCH not in head_names(remote)


def test_writes_over_https_with_a_token_file(remote: Remote, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("status-token-123\n")
    with serve_git(tmp_path, user="x-access-token", token="status-token-123") as (base, _):
        writer = StatusWriter.for_url(
            f"{base}/remote.git",
            cache_dir=tmp_path / "cache",
            credentials=Credentials(token_file=token),
        )
        sha = writer.write([status("shop")])
    assert [c.hexsha for c in branch_commits(remote)] == [sha]
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"status-token-123" not in path.read_bytes()


def test_the_same_status_objects_again_cost_no_comparison_and_no_git(
    remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quiet poll hands the writer the very objects of the last run: it answers from
    memory (no sanitising, no comparison, no Git call); equal but new objects are still
    compared, and a real change still commits."""
    from gitops_vela.status import writer as writer_module

    writer = make_writer(remote, tmp_path)
    shop, web = status("shop"), status("web")
    assert writer.write([shop, web]) is not None
    calls = {"sanitise": 0, "delta": 0}
    real_sanitise, real_delta = writer_module.sanitise, writer_module.status_delta

    def counting_sanitise(s: AppStatus) -> AppStatus:
        calls["sanitise"] += 1
        return real_sanitise(s)

    def counting_delta(*args: object, **kwargs: object) -> object:
        calls["delta"] += 1
        return real_delta(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writer_module, "sanitise", counting_sanitise)
    monkeypatch.setattr(writer_module, "status_delta", counting_delta)
    before = len(branch_commits(remote))

    assert writer.write([shop, web]) is None
    assert calls == {"sanitise": 0, "delta": 0}

    assert writer.write([status("shop"), web]) is None  # equal, but a new object: compared
    assert calls == {"sanitise": 1, "delta": 1}

    assert writer.write([status("shop", health=Health.DEGRADED), web]) is not None
    assert len(branch_commits(remote)) == before + 1


def test_a_tip_whose_tree_cannot_be_read_is_fetched_again(
    remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replicas pushing at once once left a writer with a tip it could not list
    ("not a tree object"): the write must go on from a fresh fetch, not fail the run."""
    from gitops_vela.errors import SourceError
    from gitops_vela.status.branch import StatusBranch

    writer = make_writer(remote, tmp_path)
    assert writer.write([status("shop")]) is not None
    real, failures = StatusBranch.files, [1]

    def flaky(self: StatusBranch, commit: str) -> dict[str, str]:
        if failures:
            failures.pop()
            raise SourceError("git ls-tree failed: fatal: not a tree object")
        return real(self, commit)

    monkeypatch.setattr(StatusBranch, "files", flaky)
    assert writer.write([status("shop", health=Health.DEGRADED)]) is not None
    assert not failures
    assert app_doc(remote, "shop")["health"] == "Degraded"
