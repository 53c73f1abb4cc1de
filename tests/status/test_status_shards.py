"""Several replicas, each reconciling a share of one repository's apps, write one status
folder: each writes and removes only the files of its own apps; the README lists them all."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from gitops_vela.errors import StatusError
from gitops_vela.model.status import Health
from gitops_vela.status import StatusWriter
from tests.source.gitrepos import Remote
from tests.status.helpers import app_doc, branch_file, status

SHARES = {"a": {"shop", "blog"}, "b": {"wiki", "chat"}, "c": {"docs", "mail"}}


def writer_for(remote: Remote, tmp_path: Path, replica: str) -> StatusWriter:
    return StatusWriter.for_url(remote.url, cache_dir=tmp_path / f"cache-{replica}")


def owns(replica: str) -> Callable[[str], bool]:
    return lambda app: app in SHARES[replica]


def test_a_complete_write_of_a_share_removes_only_that_shares_files(
    remote: Remote, tmp_path: Path
) -> None:
    a, b = writer_for(remote, tmp_path, "a"), writer_for(remote, tmp_path, "b")
    a.write([status("shop"), status("blog")], owns=owns("a"))
    b.write([status("wiki"), status("chat")], owns=owns("b"))

    a.write([status("shop")], owns=owns("a"))  # blog removed from Git: a's to remove

    assert branch_file(remote, "apps/blog.yaml") is None
    assert app_doc(remote, "wiki")["health"] == "Healthy"
    assert app_doc(remote, "chat")["health"] == "Healthy"
    readme = branch_file(remote, "README.md") or ""
    assert "| wiki |" in readme and "| shop |" in readme and "| blog |" not in readme
    assert a.write([status("shop")], owns=owns("a")) is None  # nothing new: no Git call


def test_concurrent_replicas_converge_on_every_apps_file_and_one_readme(
    remote: Remote, tmp_path: Path
) -> None:
    problems: list[BaseException] = []
    start = threading.Barrier(len(SHARES))

    def replica(name: str) -> None:
        writer = writer_for(remote, tmp_path, name)
        start.wait()
        try:
            for round_ in range(3):
                health = Health.HEALTHY if round_ % 2 == 0 else Health.PROGRESSING
                wanted = [status(app, health=health) for app in sorted(SHARES[name])]
                for _ in range(10):  # as the daemon does: a lost race is retried next poll
                    try:
                        writer.write(wanted, owns=owns(name))
                        break
                    except StatusError:
                        continue
                else:
                    raise AssertionError(f"{name}: never pushed round {round_}")
        except BaseException as exc:  # reported by the test thread
            problems.append(exc)

    threads = [threading.Thread(target=replica, args=(name,)) for name in SHARES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not problems, problems
    every = sorted(app for apps in SHARES.values() for app in apps)
    assert all(app_doc(remote, app)["health"] == "Healthy" for app in every)
    readme = branch_file(remote, "README.md") or ""
    rows = [line.split(" | ")[0].removeprefix("| ") for line in readme.splitlines()[6:]]
    assert rows == every  # the README is made from the branch's files: whoever wrote last
    assert all("Healthy" in line for line in readme.splitlines()[6:])
