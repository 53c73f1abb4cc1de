"""A capability center: definitions from another repository, re-rendered on change, no restart."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitops_vela.cluster import Cluster
from tests.daemon.conftest import GitRemote, StartDaemon, get, git, wait_for

DEFINITION = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata:
  name: settings
spec:
  definitionRef: {name: configmaps}
  parameters:
    type: object
    required: [greeting]
    additionalProperties: false
    properties:
      greeting: {type: string}
  schematic:
    jsonnet:
      file: settings.jsonnet
"""


def template(suffix: str) -> str:
    return (
        "function(parameter, context) {\n"
        "  output: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: context.name},\n"
        f"           data: {{greeting: parameter.greeting + '{suffix}'}}}},\n"
        "}\n"
    )


def new_remote(tmp_path: Path, name: str) -> GitRemote:
    remote = GitRemote(bare=tmp_path / f"{name}.git", work=tmp_path / name)
    git("init", "-q", "--bare", "--initial-branch=main", str(remote.bare))
    git("clone", "-q", str(remote.bare), str(remote.work))
    git("config", "user.name", "T", cwd=remote.work)
    git("config", "user.email", "t@x", cwd=remote.work)
    return remote


def greeting(cluster: Cluster) -> str | None:
    found = get(cluster, "ConfigMap", "hello", "greeter")
    return None if found is None else str(found["data"]["greeting"])


def test_a_change_in_a_capability_center_is_rendered_without_a_restart(
    start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    center = new_remote(tmp_path, "platform")
    center.push({"defs/settings.yaml": DEFINITION, "defs/settings.jsonnet": template("!")})
    apps = new_remote(tmp_path, "apps")
    apps.push(
        {
            "apps/hello/vela.yaml": yaml.safe_dump(
                {
                    "name": "hello",
                    "namespace": "hello",
                    "services": {"greeter": {"type": "settings", "greeting": "hi"}},
                }
            )
        }
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "repositories": [{"url": str(apps.bare), "interval": "1s"}],
                "capabilityCenters": [
                    {"name": "platform", "url": str(center.bare), "ref": "main", "path": "defs"}
                ],
            }
        )
    )
    start_daemon("--config", str(config))
    wait_for(lambda: greeting(cluster) == "hi!", what="rendered with the center's definition")
    center.push({"defs/settings.jsonnet": template("!!!")})
    wait_for(lambda: greeting(cluster) == "hi!!!", what="re-rendered after the center changed")
