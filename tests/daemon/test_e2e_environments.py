"""Prove-it of environments: two emulators, two daemon processes on one repository.

Staging applies every commit; prod (``promotion: {from: staging, healthyFor}``)
applies a commit only after staging's folder of the status branch shows it
Healthy for ``healthyFor``; a commit that degrades staging never reaches prod;
both folders are right after the two daemons pushed to one branch.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from tests.daemon.conftest import STATUS_BRANCH, GitRemote, StartDaemon, get, git, wait_for

HEALTHY_FOR = 4.0
pytestmark = pytest.mark.slow


def shop(image: str) -> str:
    return yaml.safe_dump(
        {
            "name": "shop",
            "namespace": "shop",
            "services": {"web": {"image": image, "port": 8080, "scaler": {"replicas": 1}}},
            "environments": {"prod": {"services": {"web": {"scaler": {"replicas": 3}}}}},
        },
        sort_keys=False,
    )


def config(remote: GitRemote, environment: str, promotion: str = "") -> str:
    return (
        "repositories:\n"
        f"  - url: {remote.bare}\n"
        "    interval: 1s\n"
        f"    environment: {environment}\n" + (f"    promotion: {promotion}\n" if promotion else "")
    )


def status_of(remote: GitRemote, environment: str, app: str = "shop") -> dict[str, Any] | None:
    return remote.status_file(app, environment)


def deployment(cluster: Cluster) -> dict[str, Any] | None:
    return get(cluster, "Deployment", "shop", "web")


def image_of(cluster: Cluster) -> str | None:
    found = deployment(cluster)
    return None if found is None else found["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.fixture
def prod_emulator() -> Iterator[Emulator]:
    with Emulator() as second:
        yield second


def test_prod_promotes_only_what_staging_proved_healthy(
    remote: GitRemote,
    start_daemon: StartDaemon,
    emulator: Emulator,
    cluster: Cluster,
    prod_emulator: Emulator,
    tmp_path: Path,
) -> None:
    first = remote.push({"apps/shop/vela.yaml": shop("nginx:1.25")})
    (tmp_path / "staging.yaml").write_text(config(remote, "staging"))
    (tmp_path / "prod.yaml").write_text(
        config(remote, "prod", f"{{from: staging, healthyFor: {HEALTHY_FOR:g}s}}")
    )
    with Cluster(prod_emulator.client_configuration()) as prod:
        start_daemon(
            *("--config", str(tmp_path / "prod.yaml"), "--cache-dir", str(tmp_path / "prod")),
            *("--kubeconfig", str(prod_emulator.kubeconfig_path)),
            cluster=False,
        )
        start_daemon("--config", str(tmp_path / "staging.yaml"), "--cache-dir", str(tmp_path / "s"))

        # A commit lands in staging; prod waits until staging is Healthy for healthyFor.
        wait_for(
            lambda: (status_of(remote, "staging") or {}).get("health") == "Healthy",
            what="staging Healthy",
        )
        healthy_seen = time.monotonic()
        assert deployment(prod) is None
        wait_for(lambda: deployment(prod) is not None, what="prod to apply the first commit")
        assert time.monotonic() - healthy_seen >= HEALTHY_FOR - 1.5
        assert deployment(prod)["spec"]["replicas"] == 3  # type: ignore[index]
        assert deployment(cluster)["spec"]["replicas"] == 1  # type: ignore[index]
        wait_for(
            lambda: (status_of(remote, "prod") or {}).get("lastAppliedRevision") == first,
            what="prod's status at the first commit",
        )

        # A commit that degrades staging never reaches prod.
        emulator.simulation.fail("Deployment", "web", namespace="shop")
        bad = remote.push({"apps/shop/vela.yaml": shop("nginx:broken")})
        wait_for(
            lambda: (status_of(remote, "staging") or {}).get("health") == "Degraded",
            what="staging Degraded",
        )
        message = f"waiting for staging: shop Degraded at {bad[:7]}"
        wait_for(
            lambda: (status_of(remote, "prod") or {}).get("message") == message,
            what="prod to say what it waits for",
        )
        time.sleep(HEALTHY_FOR + 1.5)
        assert image_of(prod) == "nginx:1.25"
        assert image_of(cluster) == "nginx:broken"
        waiting = status_of(remote, "prod")
        assert waiting is not None
        assert (waiting["sync"], waiting["revision"], waiting["lastAppliedRevision"]) == (
            "OutOfSync",
            bad,
            first,
        )

    # Both daemons pushed to one branch: each folder holds its own, complete status.
    files = set(git("ls-tree", "-r", "--name-only", STATUS_BRANCH, cwd=remote.bare).split())
    assert files == {
        f"{env}/{name}"
        for env in ("staging", "prod")
        for name in ("README.md", "apps/shop.yaml", "apps/blog.yaml")
    }
    assert (status_of(remote, "staging", "blog") or {}).get("revision") == bad
