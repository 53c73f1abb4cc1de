"""Benchmark: review a 1,000-app repository where one trait used by 10 apps changes.

Target: <= 10 s on the project's 2-core machine. Run with
``.venv/bin/python bench/review_bench.py [--apps N] [--users N]``; prints the
time of each phase of the setup and of the review, and exits 1 when the review
is over the target or does not list exactly the apps using the trait.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gitops_vela.cli import main

TARGET_SECONDS = 10.0

WORKLOAD = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkloadDefinition
metadata: {name: benchsvc}
spec:
  definitionRef: {name: deployments.apps}
  parameters:
    type: object
    required: [image]
    properties:
      image: {type: string}
      replicas: {type: integer, default: 2}
      port: {type: integer, default: 8080}
  schematic:
    jsonnet:
      file: benchsvc.jsonnet
"""

WORKLOAD_JSONNET = """\
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
        spec: { containers: [{ name: context.name, image: parameter.image,
                               ports: [{ containerPort: parameter.port }] }] },
      },
    },
  },
  outputs: {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: context.name },
      spec: { selector: { app: context.name }, ports: [{ port: 80, targetPort: parameter.port }] },
    },
  },
}
"""


def trait(name: str, annotation: str) -> str:
    return f"""\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata: {{name: {name}}}
spec:
  appliesToWorkloads: [benchsvc]
  parameters:
    type: object
    properties:
      team: {{type: string, default: platform}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {{
          patch: {{ metadata+: {{ annotations+: {{ '{annotation}': parameter.team }} }} }},
          outputs: {{}},
        }}
"""


def appfile(index: int, trait_name: str) -> str:
    return (
        f"name: app{index:04d}\nnamespace: ns{index % 20}\nservices:\n"
        f"  web:\n    type: benchsvc\n    image: ghcr.io/acme/app{index}:1.0\n"
        f"    {trait_name}:\n      team: team{index % 7}\n"
    )


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def build(repo: Path, *, apps: int, users: int) -> None:
    """``main`` with ``apps`` apps (``users`` of them use ``hot``); ``feature`` changes ``hot``."""
    defs = repo / "definitions"
    defs.mkdir(parents=True)
    (defs / "benchsvc.yaml").write_text(WORKLOAD)
    (defs / "benchsvc.jsonnet").write_text(WORKLOAD_JSONNET)
    (defs / "hot.yaml").write_text(trait("hot", "example.com/owner"))
    (defs / "cold.yaml").write_text(trait("cold", "example.com/team"))
    step = max(apps // users, 1)
    for index in range(apps):
        uses = "hot" if index % step == 0 and index // step < users else "cold"
        folder = repo / "apps" / f"app{index:04d}"
        folder.mkdir(parents=True)
        (folder / "vela.yaml").write_text(appfile(index, uses))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "1,000 apps")
    git(repo, "checkout", "-q", "-b", "feature")
    (defs / "hot.yaml").write_text(trait("hot", "example.com/owning-team"))
    git(repo, "commit", "-q", "-am", "hot: rename the annotation")


def run_review(repo: Path) -> tuple[int, dict[str, object], float]:
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(
            ["review", "--base", "main", "--head", "feature", str(repo), "--format", "json"]
        )
    return code, json.loads(out.getvalue()), time.perf_counter() - started


def main_bench() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        repo = Path(tmp) / "platform"
        started = time.perf_counter()
        build(repo, apps=args.apps, users=args.users)
        print(f"setup: {args.apps} apps, git history built in {time.perf_counter() - started:.2f}s")
        code, report, seconds = run_review(repo)
    apps = report["apps"]
    assert isinstance(apps, list)
    print(
        f"review: {seconds:.2f}s (target {TARGET_SECONDS:.0f}s), exit {code}, "
        f"{len(apps)} apps affected, {report['appsRendered']} re-rendered, "
        f"{report['appsUnaffected']} unaffected"
    )
    ok = code == 0 and len(apps) == args.users and seconds <= TARGET_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main_bench())
