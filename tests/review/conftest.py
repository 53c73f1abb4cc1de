"""Real Git repositories in ``tmp_path`` for review scenarios.

``Repo`` writes files and commits them on branches with the ``git`` CLI, the
way a platform engineer's pull request would. The starting content is a
small workload (``tiny``), two traits (``annotate``, ``portal``) and two
apps: ``alpha`` uses ``annotate``, ``beta`` does not.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_vela.render import engine

TINY = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata:
  name: tiny
spec:
  definitionRef: {name: deployments.apps}
  parameters:
    type: object
    required: [image]
    additionalProperties: false
    properties:
      image: {type: string}
      replicas: {type: integer, default: 1}
  schematic:
    jsonnet:
      file: tiny.jsonnet
"""

TINY_JSONNET = """\
function(parameter, context) {
  output: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: context.name },
    spec: {
      replicas: parameter.replicas,
      selector: { matchLabels: { app: context.name } },
      template: {
        metadata: { labels: { app: context.name } },
        spec: { containers: [{ name: context.name, image: parameter.image }] },
      },
    },
  },
  outputs: {},
}
"""

ANNOTATE = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: annotate
spec:
  appliesToWorkloads: [tiny]
  parameters:
    type: object
    required: [owner]
    additionalProperties: false
    properties:
      owner: {type: string}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: { metadata+: { annotations+: { owner: parameter.owner } } },
          outputs: {},
        }
"""

EXPOSE = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: portal
spec:
  appliesToWorkloads: [tiny]
  parameters:
    type: object
    additionalProperties: false
    properties:
      port: {type: integer, default: 80}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {},
          outputs: {
            service: {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: context.name },
              spec: { ports: [{ port: parameter.port }], selector: { app: context.name } },
            },
          },
        }
"""

ALPHA = """\
name: alpha
services:
  web:
    type: tiny
    image: nginx:1.25
    annotate:
      owner: team-a
"""

BETA = """\
name: beta
services:
  api:
    type: tiny
    image: nginx:1.25
    portal:
      port: 8080
"""

DEFINITIONS = {
    "definitions/tiny.yaml": TINY,
    "definitions/tiny.jsonnet": TINY_JSONNET,
    "definitions/annotate.yaml": ANNOTATE,
    "definitions/portal.yaml": EXPOSE,
}
APPS = {"apps/alpha/vela.yaml": ALPHA, "apps/beta/vela.yaml": BETA}

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Platform Engineer",
    "GIT_AUTHOR_EMAIL": "pe@example.com",
    "GIT_COMMITTER_NAME": "Platform Engineer",
    "GIT_COMMITTER_EMAIL": "pe@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


class Repo:
    """A Git repository in a temporary folder, changed the way a PR would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {**os.environ, **_GIT_ENV}
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=env, check=True, capture_output=True, text=True
        )
        return done.stdout

    def write(self, files: dict[str, str]) -> None:
        for rel, text in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text))

    def remove(self, *rels: str) -> None:
        self.git("rm", "-q", *rels)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def edit(self, rel: str, old: str, new: str) -> None:
        target = self.path / rel
        text = target.read_text()
        assert old in text, f"{old!r} not in {rel}"
        target.write_text(text.replace(old, new))


@pytest.fixture
def platform(tmp_path: Path) -> Repo:
    """Definitions and two apps on ``main``; the test branches off ``feature``."""
    repo = Repo(tmp_path / "platform")
    repo.write({**DEFINITIONS, **APPS})
    repo.commit("definitions and apps")
    repo.branch("feature")
    return repo


@pytest.fixture(scope="session", autouse=True)
def jsonnet_workers() -> Iterator[None]:
    """The review renders through the warm Jsonnet worker pool: stop it when the tests end."""
    yield
    engine.shutdown()
