"""How a failed run reacts: its reason from the one table, whether to back off, and a
capability center that cannot be fetched is a source failure, not silence."""

from __future__ import annotations

from pathlib import Path

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.service import Daemon
from gitops_vela.model.status import Reason
from gitops_vela.settings import (
    CapabilityCenterSettings,
    RepositorySettings,
    ServerSettings,
    Settings,
)
from tests.daemon.conftest import GitRemote, git, make_reconciler, replicas, wait_for


def test_a_failure_retrying_cannot_fix_is_not_retryable(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    # An Appfile too broken to name its app is reported under its folder's name,
    # and this one cannot be a status file name: only a new commit can fix that.
    remote.push({"apps/bad name/vela.yaml": "name: [unclosed\n"})
    settings = RepositorySettings(name="acme", url=str(remote.bare))
    report = make_reconciler(settings, cluster, tmp_path).run()
    assert (report.ok, report.reason, report.retryable) == (False, Reason.STATUS_FAILED, False)
    assert "cannot be a status file name" in report.message


def test_an_unreachable_remote_is_retried_with_backoff(cluster: Cluster, tmp_path: Path) -> None:
    settings = RepositorySettings(name="acme", url=str(tmp_path / "gone.git"))
    report = make_reconciler(settings, cluster, tmp_path).run()
    assert (report.ok, report.reason, report.retryable) == (False, Reason.SOURCE_FAILED, True)


def test_an_unreachable_capability_center_fails_the_run_as_a_source_failure(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    center = CapabilityCenterSettings(name="platform", url=str(tmp_path / "missing-center.git"))
    centers = Centers((center,), cache_dir=tmp_path / "centers")
    reconciler = make_reconciler(
        RepositorySettings(name="acme", url=str(remote.bare)), cluster, tmp_path, centers=centers
    )

    report = reconciler.run()

    assert (report.ok, report.reason, report.retryable) == (False, Reason.SOURCE_FAILED, True)
    assert report.message.startswith("capability center unavailable: ")
    # The apps that need nothing from it are still kept in line, and reported.
    assert replicas(cluster, "shop") == 1
    assert remote.status_file("shop") is not None
    assert report.revision == git("rev-parse", "main", cwd=remote.bare)


def run_daemon_once(settings: RepositorySettings, cluster: Cluster, tmp_path: Path) -> Daemon:
    tree = Settings(
        repositories=(settings,),
        server=ServerSettings(host="127.0.0.1", port=0),
        cache_dir=tmp_path / "daemon-cache",
    )
    daemon = Daemon(tree, cluster=cluster, metrics=Metrics())
    daemon.start()
    try:
        wait_for(lambda: daemon.last_report(settings.name), what="the first run")
    finally:
        daemon.stop(timeout=10)
    return daemon


def test_the_daemon_backs_off_only_from_failures_worth_retrying(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    remote.push({"apps/bad name/vela.yaml": "name: [unclosed\n"})
    permanent = run_daemon_once(
        RepositorySettings(name="acme", url=str(remote.bare)), cluster, tmp_path / "a"
    )
    transient = run_daemon_once(
        RepositorySettings(name="gone", url=str(tmp_path / "gone.git")), cluster, tmp_path / "b"
    )

    assert permanent.last_report("acme") is not None
    assert not permanent.last_report("acme").ok  # type: ignore[union-attr]
    assert permanent.scheduler.failures("acme") == 0  # stays on its interval
    assert transient.scheduler.failures("gone") == 1  # backs off
