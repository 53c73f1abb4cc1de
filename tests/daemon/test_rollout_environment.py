"""An app a rollout has not reached yet renders as every other render of its repository
does: with the daemon's environment (and policy), only on its older definitions."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.rollouts import Rollouts
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import GitRemote, get, make_reconciler
from tests.daemon.test_rollout_restart import APPS, ROLLOUT, stamps
from tests.daemon.test_rollout_waves import Clock, appfile, stamp


def prod_appfile(name: str) -> str:
    """``appfile`` plus a prod block that changes the image."""
    document = yaml.safe_load(appfile(name, ""))
    document["environments"] = {"prod": {"services": {"web": {"image": "nginx:1.27"}}}}
    return yaml.safe_dump(document, sort_keys=False)


def images(cluster: Cluster) -> dict[str, str]:
    out = {}
    for app in APPS:
        found = get(cluster, "Deployment", app, "web")
        assert found is not None
        out[app] = found["spec"]["template"]["spec"]["containers"][0]["image"]
    return out


def test_apps_not_yet_reached_keep_their_environments_values(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    files = {f"apps/{a}/vela.yaml": prod_appfile(a) for a in APPS}
    remote.push(
        {**files, "definitions/stamp.yaml": stamp("1.0.0", "old")},
        remove=("apps/shop", "apps/blog"),
    )
    settings = RepositorySettings(
        name="acme", url=str(remote.bare), rollout=ROLLOUT, environment="prod"
    )
    reconciler = make_reconciler(settings, cluster, tmp_path)
    reconciler.rollouts = Rollouts(ROLLOUT, clock=Clock())
    assert reconciler.run().ok
    assert set(images(cluster).values()) == {"nginx:1.27"}

    remote.push({"definitions/stamp.yaml": stamp("1.0.0", "new")})
    assert reconciler.run().ok

    assert stamps(cluster) == {"a-1": "new", "b-2": "old", "c-3": "old"}
    # The unreached apps rendered on their old definitions, still as prod sees them.
    assert set(images(cluster).values()) == {"nginx:1.27"}
