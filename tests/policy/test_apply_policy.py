"""``apply``/``diff --policy`` against the emulator: refused objects never reach the cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.model.labels import OWNER
from tests.policy.tenants import DEFINITIONS, app, write

pytestmark = pytest.mark.reliability


@pytest.fixture
def cluster(emulator: Emulator) -> Iterator[Cluster]:
    with Cluster(emulator.client_configuration()) as client:
        yield client


def _cli(emulator: Emulator, *args: str) -> int:
    return main([*args, "--kubeconfig", str(emulator.kubeconfig_path)])


def _get(cluster: Cluster, api_version: str, kind: str, name: str, namespace: str = "") -> Any:
    return cluster.get(cluster.resource(api_version, kind), namespace=namespace or None, name=name)


def _binding(cluster: Cluster) -> Any:
    return _get(cluster, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "web-admin")


def test_apply_sends_the_allowed_objects_and_refuses_the_others(
    emulator: Emulator,
    cluster: Cluster,
    repo: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _cli(emulator, "apply", str(repo), "--policy", str(policy), "--prune")
    out = capsys.readouterr().out

    assert code == 1
    assert _binding(cluster) is None
    assert _get(cluster, "v1", "ConfigMap", "web-peek", "team-b") is None
    assert _get(cluster, "v1", "Namespace", "team-b") is None
    # The rest of the app, and the other app, went on.
    assert _get(cluster, "v1", "ConfigMap", "web", "team-a")["data"] == {"greeting": "hello"}
    assert _get(cluster, "v1", "ConfigMap", "web", "team-a-dev") is not None
    assert "policy.kinds.deny: rbac.authorization.k8s.io/ClusterRoleBinding is denied" in out
    assert "apps/evil/vela.yaml:7: services.web.peek:" in out
    assert "namespace 'team-b' is not allowed (allowed: team-a, team-a-*)" in out


def test_an_app_whose_namespace_is_refused_does_not_get_it_created(
    emulator: Emulator, cluster: Cluster, tmp_path: Path, policy: Path
) -> None:
    root = write(tmp_path / "r", {**DEFINITIONS, "apps/x/vela.yaml": app("x", "team-b")})
    assert _cli(emulator, "apply", str(root), "--policy", str(policy)) == 1
    assert _get(cluster, "v1", "Namespace", "team-b") is None


def test_an_object_the_policy_now_refuses_is_kept_not_pruned(
    emulator: Emulator,
    cluster: Cluster,
    repo: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}})
    assert _cli(emulator, "apply", str(repo), "--prune") == 0  # before the team got a policy
    assert _binding(cluster) is not None

    code = _cli(emulator, "apply", str(repo), "--policy", str(policy), "--prune")
    out = capsys.readouterr().out

    assert code == 1
    binding = _binding(cluster)
    assert binding is not None and binding["metadata"]["labels"][OWNER] == "team-a.evil"
    assert _get(cluster, "v1", "ConfigMap", "web-peek", "team-b") is not None
    assert "apps/evil/vela.yaml:6: services.web.admin-binding:" in out
    assert "stale" not in out  # still wanted by the app: refused, not pruned


def test_adoption_false_refuses_to_take_over_an_unlabelled_object(
    emulator: Emulator,
    cluster: Cluster,
    repo: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a-dev"}})
    handmade = {"name": "web", "namespace": "team-a-dev"}
    cluster.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": handmade, "data": {"a": "1"}}
    )

    code = _cli(emulator, "apply", str(repo), "--policy", str(policy), "--app", "good")
    out = capsys.readouterr().out

    assert code == 1
    live = _get(cluster, "v1", "ConfigMap", "web", "team-a-dev")
    assert live["data"] == {"a": "1"} and OWNER not in (live["metadata"].get("labels") or {})
    assert "this repository does not adopt objects" in out


def test_diff_lists_refusals_as_errors_and_plans_nothing_for_them(
    emulator: Emulator,
    repo: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _cli(emulator, "diff", str(repo), "--policy", str(policy))
    out = capsys.readouterr().out
    assert code == 2
    assert (
        "error: ClusterRoleBinding.rbac.authorization.k8s.io/web-admin: apps/evil/vela.yaml:6:"
        in out
    )
    assert "error: ConfigMap/team-b/web-peek: apps/evil/vela.yaml:7:" in out
    assert "created ConfigMap/team-a/web" in out
    assert "web-admin (" not in out  # not shown as a change


def test_client_dry_run_prints_only_what_would_be_sent_and_the_refusals(
    repo: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["apply", str(repo), "--policy", str(policy), "--dry-run=client"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines()[:2] == [
        "would apply ConfigMap/team-a/web  (app evil, client dry run)",
        "would apply ConfigMap/team-a-dev/web  (app good, client dry run)",
    ]
    assert "web-admin" not in out and "web-peek" not in out
    assert "apps/evil/vela.yaml:6: services.web.admin-binding:" in err
    assert "apps/evil/vela.yaml:7: services.web.peek:" in err
