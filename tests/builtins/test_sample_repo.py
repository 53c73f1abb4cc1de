"""sample-repo renders as a platform team would ship it: every app, every
object valid against its real schema, the CRDs it needs installed by its own
platform app, and the whole output pinned by golden files.

Regenerate the golden files after an intended change with
``GITOPS_VELA_UPDATE_GOLDEN=1 pytest tests/builtins/test_sample_repo.py``
and review them as a diff.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.model.objects import Manifest
from gitops_vela.render import render_repository
from tests.builtins.conftest import SAMPLE, container, empty_fields, failure_text, find, pod_spec

GOLDEN = SAMPLE.parent / "tests" / "builtins" / "golden"
APPS = ("payments", "platform", "reports", "search", "shop")
UPDATE = os.environ.get("GITOPS_VELA_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Manifest]]:
    result = render_repository(SAMPLE, repo="sample-repo")
    assert result.ok, failure_text(result)
    return {app.name: list(app.objects) for app in result.apps}


def test_every_app_renders(rendered: dict[str, list[Manifest]]) -> None:
    assert tuple(sorted(rendered)) == APPS


def test_every_object_fits_its_real_schema(
    rendered: dict[str, list[Manifest]], check_schema: Callable[[Manifest], None]
) -> None:
    for objects in rendered.values():
        for obj in objects:
            check_schema(obj)


def test_platform_app_installs_every_crd_and_namespace_the_apps_need(
    rendered: dict[str, list[Manifest]],
) -> None:
    platform = rendered["platform"]
    assert {o["kind"] for o in platform} == {"CustomResourceDefinition", "Namespace"}
    served = {
        (f"{crd['spec']['group']}/{v['name']}", crd["spec"]["names"]["kind"])
        for crd in platform
        if crd["kind"] == "CustomResourceDefinition"
        for v in crd["spec"]["versions"]
    }
    namespaces = {o["metadata"]["name"] for o in platform if o["kind"] == "Namespace"}
    used = set()
    for app, objects in rendered.items():
        if app == "platform":
            continue
        for obj in objects:
            assert obj["metadata"]["namespace"] in namespaces, obj["metadata"]
            if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].endswith(
                ".k8s.io/v1"
            ):
                used.add((obj["apiVersion"], obj["kind"]))
    assert used == {
        ("apps.kruise.io/v1alpha1", "CloneSet"),
        ("flagger.app/v1beta1", "Canary"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("mysql.oracle.com/v2", "InnoDBCluster"),
    }
    assert used <= served


def test_no_nulls_and_no_empty_fields(rendered: dict[str, list[Manifest]]) -> None:
    for app, objects in rendered.items():
        if app == "platform":  # the CRDs are copied as their projects publish them
            continue
        for obj in objects:
            assert empty_fields(obj) == [], obj["metadata"]["name"]


def test_every_object_carries_the_ownership_labels(rendered: dict[str, list[Manifest]]) -> None:
    for app, objects in rendered.items():
        for obj in objects:
            labels = obj["metadata"]["labels"]
            assert labels["gitops-vela.dev/app"] == f"sample-repo.{app}"
            assert labels["app.kubernetes.io/managed-by"] == "gitops-vela"


def test_shop_uses_route_scaler_env_and_sidecar(rendered: dict[str, list[Manifest]]) -> None:
    shop = rendered["shop"]
    frontend = find(shop, "Deployment", "frontend")
    assert frontend["spec"]["replicas"] == 3
    assert find(shop, "Ingress", "frontend")["spec"]["rules"][0]["host"] == "shop.example.com"
    api = find(shop, "Deployment", "api")
    assert [c["name"] for c in pod_spec(api)["containers"]] == ["api", "log-shipper"]
    assert container(api, "api")["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "shop-db"
    worker = container(find(shop, "Deployment", "orders-worker"), "orders-worker")
    assert {e["name"] for e in worker["env"]} == {"QUEUE", "CONCURRENCY", "DATABASE_URL"}


def test_payments_uses_cloneset_and_canary(rendered: dict[str, list[Manifest]]) -> None:
    payments = rendered["payments"]
    ledger = find(payments, "CloneSet", "ledger")
    assert ledger["spec"]["updateStrategy"]["type"] == "InPlaceIfPossible"
    assert ledger["spec"]["replicas"] == 3
    canary = find(payments, "Canary", "checkout")
    assert canary["spec"]["targetRef"]["name"] == "checkout"
    assert not [
        o for o in payments if o["kind"] == "Service" and o["metadata"]["name"] == "checkout"
    ]


def test_reports_and_search(rendered: dict[str, list[Manifest]]) -> None:
    cron = find(rendered["reports"], "CronJob", "nightly-report")
    assert cron["spec"]["timeZone"] == "Europe/Berlin"
    hpas = [o for o in rendered["search"] if o["kind"] == "HorizontalPodAutoscaler"]
    assert {h["metadata"]["name"] for h in hpas} == {"search-api", "indexer"}


@pytest.mark.parametrize("app", APPS)
def test_golden(app: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``gitops-vela render sample-repo --app APP`` prints exactly the golden file."""
    # --repo: the golden labels must not depend on this checkout's origin remote
    assert main(["render", str(SAMPLE), "--app", app, "--repo", "sample-repo"]) == 0
    out = capsys.readouterr().out
    assert list(yaml.safe_load_all(out)), "nothing rendered"
    golden = GOLDEN / f"{app}.yaml"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out)
    assert golden.exists(), f"missing {golden}: run with GITOPS_VELA_UPDATE_GOLDEN=1"
    assert out == golden.read_text(), f"{app} differs from {golden.name}; see the module docstring"


BUDGET_YAML = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: budget
  annotations:
    definition.oam.dev/description: Keep some replicas up during node drains (a PodDisruptionBudget).
spec:
  appliesToWorkloads: [deployments.apps]
  conflictsWith: []
  definitionRef: {name: poddisruptionbudgets.policy}
  parameters:
    type: object
    additionalProperties: false
    properties:
      minAvailable: {type: integer, minimum: 1, default: 1, description: Pods that must stay up.}
  schematic:
    jsonnet: {file: budget.jsonnet}
"""
BUDGET_JSONNET = """\
function(parameter, context) {
  patch: {},
  outputs: {
    pdb: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: context.name },
      spec: {
        minAvailable: parameter.minAvailable,
        selector: { matchLabels: context.output.spec.selector.matchLabels },
      },
    },
  },
}
"""


def test_a_new_capability_is_one_definition_away(
    tmp_path: Path, check_schema: Callable[[Manifest], None]
) -> None:
    """What sample-repo/README.md promises: add a definition, use it, nothing else changes."""
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE, repo)
    (repo / "definitions" / "budget.yaml").write_text(BUDGET_YAML)
    (repo / "definitions" / "budget.jsonnet").write_text(BUDGET_JSONNET)
    appfile = repo / "apps" / "shop" / "vela.yaml"
    scaler = "    scaler:\n      replicas: 3\n"
    text = appfile.read_text()
    assert scaler in text
    appfile.write_text(text.replace(scaler, scaler + "    budget:\n      minAvailable: 2\n"))
    before = render_repository(SAMPLE, repo="sample-repo")
    after = render_repository(repo, repo="sample-repo")
    assert after.ok, failure_text(after)
    old = {a.name: a.digest for a in before.apps}
    assert {a.name for a in after.apps if old[a.name] != a.digest} == {"shop"}
    shop = next(a for a in after.apps if a.name == "shop")
    pdb = find(list(shop.objects), "PodDisruptionBudget", "frontend")
    assert pdb["spec"]["minAvailable"] == 2
    assert pdb["spec"]["selector"]["matchLabels"]["app.oam.dev/component"] == "frontend"
    check_schema(pdb)
