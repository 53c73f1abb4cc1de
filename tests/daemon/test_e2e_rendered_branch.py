"""``rendered: {branch: gitops-vela/rendered}``: the daemon commits the manifests it applies,
one file per app, one commit per source commit that changed any, never on a quiet poll."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.errors import ConfigError
from gitops_vela.settings import RenderedSettings, RepositorySettings, load_config_file
from tests.daemon.conftest import (
    GitRemote,
    StartDaemon,
    appfile,
    git,
    make_reconciler,
    replicas,
    wait_for,
)

RENDERED = "gitops-vela/rendered"

VAULT = """\
name: vault
namespace: vault
services:
  creds:
    type: k8s-objects
    objects:
      - apiVersion: v1
        kind: Secret
        metadata: {name: db}
        stringData: {password: hunter2}
"""


def commits(remote: GitRemote) -> list[str]:
    """Subjects and bodies of the rendered branch's commits, newest first."""
    out = git("log", "--format=%B%x00", RENDERED, cwd=remote.bare, check=False)
    return [c.strip() for c in out.split("\0") if c.strip()]


def files(remote: GitRemote) -> list[str]:
    out = git("ls-tree", "--name-only", RENDERED, cwd=remote.bare, check=False)
    return out.splitlines()


def text(remote: GitRemote, app: str) -> str:
    return git("show", f"{RENDERED}:{app}.yaml", cwd=remote.bare)


def documents(remote: GitRemote, app: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text(remote, app)) if d]


def write_config(tmp_path: Path, remote: GitRemote, **rendered: Any) -> Path:
    config = tmp_path / "config.yaml"
    repository = {"url": remote.url, "interval": "1s", "prune": True, "rendered": rendered}
    config.write_text(yaml.safe_dump({"repositories": [repository]}))
    return config


def test_the_rendered_branch_is_the_history_of_what_was_applied(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    first = remote.push({"apps/vault/vela.yaml": VAULT})
    daemon = start_daemon("--config", str(write_config(tmp_path, remote, branch=RENDERED)))

    wait_for(lambda: len(commits(remote)) == 1, what="the first rendered commit")
    assert files(remote) == ["blog.yaml", "shop.yaml", "vault.yaml"]
    assert commits(remote)[0].startswith(f"gitops-vela: render of {first[:12]} (change) [skip ci]")
    assert commits(remote)[0].endswith(f"Source-Commit: {first}")
    shop = documents(remote, "shop")
    deployment = next(d for d in shop if d["kind"] == "Deployment")
    assert list(deployment)[:3] == ["apiVersion", "kind", "metadata"]  # kubectl's key order
    assert list(deployment["metadata"]) == ["name", "namespace", "labels", "annotations"]
    assert deployment["metadata"]["labels"]["gitops-vela.dev/app"].endswith(".shop")  # as applied
    live = cluster.get(cluster.resource("apps/v1", "Deployment"), namespace="shop", name="web")
    assert live is not None and deployment["spec"]["replicas"] == live["spec"]["replicas"] == 1
    (secret,) = documents(remote, "vault")
    assert secret["stringData"] == {"password": "***"}
    assert "hunter2" not in text(remote, "vault")

    # Quiet polls: no commit, not even an attempt.
    polls = daemon.metric("gitops_vela_reconcile_total")
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= polls + 3, what="3 polls")
    assert len(commits(remote)) == 1
    blog_blob = git("rev-parse", f"{RENDERED}:blog.yaml", cwd=remote.bare)

    # A source commit that changes one app: one commit, naming it, touching that app only.
    second = remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=3)})
    wait_for(lambda: len(commits(remote)) == 2, what="the second rendered commit")
    assert replicas(cluster, "shop") == 3
    newest = commits(remote)[0]
    assert newest.startswith(f"gitops-vela: render of {second[:12]} ")
    assert "- shop changed" in newest.splitlines() and "blog" not in newest
    assert git("rev-parse", f"{RENDERED}:blog.yaml", cwd=remote.bare) == blog_blob
    assert (
        next(d for d in documents(remote, "shop") if d["kind"] == "Deployment")["spec"]["replicas"]
        == 3
    )

    # A source commit that changes no manifest: no commit.
    remote.push({"README.md": "# docs only\n"})
    polls = daemon.metric("gitops_vela_reconcile_total")
    wait_for(lambda: daemon.metric("gitops_vela_reconcile_total") >= polls + 3, what="3 polls")
    assert len(commits(remote)) == 2

    # An app removed from Git: pruned, and its file goes.
    third = remote.push({}, remove=("apps/blog",))
    wait_for(lambda: len(commits(remote)) == 3, what="the third rendered commit")
    assert files(remote) == ["shop.yaml", "vault.yaml"]
    assert commits(remote)[0].startswith(f"gitops-vela: render of {third[:12]} ")
    assert "- blog removed" in commits(remote)[0].splitlines()


@pytest.fixture
def rendered_reconciler(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> RepositoryReconciler:
    """A reconciler, in-process, whose repository shows Secret values on its rendered branch."""
    settings = RepositorySettings(
        name="acme",
        url=str(remote.bare),
        rendered=RenderedSettings(branch="hydrated", mask_secrets=False),
    )
    return make_reconciler(settings, cluster, tmp_path)


def test_secrets_shown_only_when_configured_and_a_broken_app_keeps_its_file(
    remote: GitRemote, rendered_reconciler: RepositoryReconciler
) -> None:
    remote.push({"apps/vault/vela.yaml": VAULT})
    assert rendered_reconciler.run().ok
    shown = git("show", "hydrated:vault.yaml", cwd=remote.bare)
    assert "password: hunter2" in shown
    before = git("rev-parse", "hydrated", cwd=remote.bare)

    # A broken Appfile: sync keeps applying its last good render, so its file stays.
    remote.push({"apps/shop/vela.yaml": appfile("shop", port="http")})
    rendered_reconciler.run()
    assert git("rev-parse", "hydrated", cwd=remote.bare) == before


def test_the_config_keys(tmp_path: Path, remote: GitRemote) -> None:
    on = load_config_file(write_config(tmp_path, remote), environ={})
    assert on.repositories[0].rendered == RenderedSettings(branch=RENDERED, mask_secrets=True)
    shown = load_config_file(write_config(tmp_path, remote, maskSecrets=False), environ={})
    assert shown.repositories[0].rendered == RenderedSettings(mask_secrets=False)
    config = tmp_path / "off.yaml"
    config.write_text(yaml.safe_dump({"repositories": [{"url": remote.url}]}))
    assert load_config_file(config, environ={}).repositories[0].rendered is None
    with pytest.raises(ConfigError, match=r"rendered\.branch: must differ from the status branch"):
        load_config_file(write_config(tmp_path, remote, branch="gitops-vela/status"), environ={})
