"""Which health policy judges a rendered object: the health library, or a definition's.

The library (``catalog/health/``) judges every object of its kinds, whatever
rendered it; the sample's CloneSet and Canary rely on it. A repository's
definition naming a library kind in ``definitionRef`` with a ``healthPolicy``
replaces the library's policy for that kind in the repository's apps.
"""

from __future__ import annotations

from pathlib import Path

from gitops_vela.catalog import load_catalog
from gitops_vela.catalog.healthlib import library_policy, overrides
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health
from gitops_vela.render.repository import render_repository
from gitops_vela.sync.health import assess
from tests.builtins.conftest import SAMPLE

APPFILE = """\
name: ledger
services:
  ledger:
    type: k8s-objects
    objects:
      - apiVersion: apps.kruise.io/v1alpha1
        kind: CloneSet
        metadata: {name: ledger}
        spec:
          replicas: 3
          selector: {matchLabels: {app: ledger}}
          template:
            metadata: {labels: {app: ledger}}
            spec: {containers: [{name: ledger, image: ledger:1}]}
"""

OVERRIDE = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata:
  name: cloneset-health
  annotations:
    definition.oam.dev/description: Our own reading of CloneSet health.
spec:
  definitionRef: {name: clonesets.apps.kruise.io}
  parameters: {type: object}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {output: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: context.name}}}
  status:
    healthPolicy: |
      function(object) {healthy: false, degraded: true, message: 'ours'}
"""

CLONESET = ObjectRef("apps.kruise.io", "CloneSet", "default", "ledger")


def _repo(tmp_path: Path, *, override: bool) -> Path:
    (tmp_path / "apps" / "ledger").mkdir(parents=True)
    (tmp_path / "apps" / "ledger" / "vela.yaml").write_text(APPFILE)
    (tmp_path / "definitions").mkdir()
    if override:
        (tmp_path / "definitions" / "cloneset-health.yaml").write_text(OVERRIDE)
    return tmp_path


def test_a_cloneset_from_k8s_objects_is_judged_by_the_library(tmp_path: Path) -> None:
    result = render_repository(_repo(tmp_path, override=False), repo="acme")
    (app,) = result.apps
    (cloneset,) = app.objects
    assert CLONESET not in app.health_policies  # chosen on the live object instead
    live = {**cloneset, "metadata": {**cloneset["metadata"], "generation": 2}}
    live["status"] = {"observedGeneration": 2, "updatedReadyReplicas": 1}
    verdict = assess(live)
    assert (verdict.health, verdict.message) == (
        Health.PROGRESSING,
        "1/3 replicas updated and ready",
    )


def test_a_repository_definition_replaces_the_library_policy_for_its_kind(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path, override=True)
    result = render_repository(root, repo="acme")
    (app,) = result.apps
    policy = app.health_policies[CLONESET]
    assert "'ours'" in policy
    chosen = overrides(load_catalog(root, origin="acme"))
    assert chosen[("apps.kruise.io", "CloneSet")].name == "cloneset-health"


def test_the_samples_custom_resources_are_judged_by_the_library() -> None:
    result = render_repository(SAMPLE, repo="sample-repo", apps=["payments"])
    (app,) = result.apps
    kinds = {obj["kind"]: obj for obj in app.objects}
    for kind, file in (
        ("CloneSet", "kruise-cloneset.jsonnet"),
        ("Canary", "flagger-canary.jsonnet"),
    ):
        found = library_policy(kinds[kind])
        assert found is not None and found[0] == file
    assert not app.health_policies  # no definition of the sample brings its own


def test_adding_an_override_reaches_apps_already_rendered(tmp_path: Path) -> None:
    """The render cache must not keep the library verdict once a definition replaces it."""
    root = _repo(tmp_path, override=False)
    (before,) = render_repository(root, repo="acme").apps
    assert CLONESET not in before.health_policies
    (root / "definitions" / "cloneset-health.yaml").write_text(OVERRIDE)
    (after,) = render_repository(root, repo="acme").apps
    assert "'ours'" in after.health_policies[CLONESET]
