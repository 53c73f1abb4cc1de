"""An Appfile's ``annotations: {gitops-vela.dev/recreate: enabled}`` lets ``gitops-vela apply``
delete and recreate an object whose immutable field changed in Git."""

from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.model.labels import RECREATE_ANNOTATION
from tests.sync.conftest import live

# A workload whose Deployment selector comes from a parameter, so a Git change can
# touch the immutable spec.selector.
DEFINITION = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata: {name: tiered}
spec:
  definitionRef: {name: deployments.apps}
  parameters:
    type: object
    additionalProperties: false
    required: [image, tier]
    properties:
      image: {type: string}
      tier: {type: string}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          local labels = { app: context.name, tier: parameter.tier },
          output: {
            apiVersion: 'apps/v1', kind: 'Deployment',
            metadata: { name: context.name },
            spec: {
              selector: { matchLabels: labels },
              template: {
                metadata: { labels: labels },
                spec: { containers: [{ name: context.name, image: parameter.image }] },
              },
            },
          },
        }
"""


def _checkout(root: Path, *, tier: str, annotations: str = "") -> Path:
    (root / "definitions").mkdir(parents=True, exist_ok=True)
    (root / "definitions" / "tiered.yaml").write_text(DEFINITION)
    (root / "apps" / "shop").mkdir(parents=True, exist_ok=True)
    (root / "apps" / "shop" / "vela.yaml").write_text(
        f"name: shop\nnamespace: shop\n{annotations}"
        f"services:\n  web:\n    type: tiered\n    image: nginx\n    tier: {tier}\n"
    )
    return root


def _apply(emulator: Emulator, checkout: Path) -> int:
    return main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path)])


def _uid(cluster: Cluster) -> str:
    web = live(cluster, "apps/v1", "Deployment", "web")
    assert web is not None
    return str(web["metadata"]["uid"])


def test_without_the_opt_in_the_selector_change_fails_and_says_how_to_opt_in(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _apply(emulator, _checkout(tmp_path / "acme", tier="front")) == 0

    assert _apply(emulator, _checkout(tmp_path / "acme", tier="edge")) == 1

    out = " ".join(capsys.readouterr().out.split())
    assert "failed Deployment.apps/shop/web" in out
    assert f"'{RECREATE_ANNOTATION}: enabled' to it or to its app" in out


def test_the_app_annotation_makes_apply_delete_and_recreate(
    emulator: Emulator, cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opt_in = f"annotations:\n  {RECREATE_ANNOTATION}: enabled\n"
    assert _apply(emulator, _checkout(tmp_path / "acme", tier="front", annotations=opt_in)) == 0
    before = _uid(cluster)
    capsys.readouterr()

    assert _apply(emulator, _checkout(tmp_path / "acme", tier="edge", annotations=opt_in)) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert "configured Deployment.apps/shop/web" in out
    assert "recreated (spec.selector is immutable)" in out
    assert _uid(cluster) != before
