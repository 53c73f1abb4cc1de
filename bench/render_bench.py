"""Render benchmark: milliseconds per service, fresh and cached.

    python bench/render_bench.py [REPO ...] [--services 1000] [--per-app 20]

For each REPO (default: sample-repo) and for a generated repository of
``--services`` services (``webservice`` + 5 traits each, ``--per-app`` per
app), prints the time per service of a first render (fresh: nothing cached,
workers warm) and of a second render of the same inputs (cached). The worker
pool is started before timing: its start-up is paid once per process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from gitops_vela.catalog import load_catalog
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render import clear_caches, engine, render_repository

TRAITS = {
    "scaler": {"replicas": 3},
    "route": {"domain": "{name}.example.com"},
    "sidecar": {"name": "proxy", "image": "envoyproxy/envoy:v1.30"},
    "labels": {"team": "shop"},
    "resources": {"cpu": "500m", "memory": "256Mi"},
}


def generate(root: Path, *, services: int, per_app: int) -> None:
    """Apps of ``per_app`` webservices, each with the five traits above."""
    for first in range(0, services, per_app):
        app = f"app{first // per_app:03d}"
        entries = {}
        for index in range(first, min(first + per_app, services)):
            name = f"svc{index:04d}"
            entry = {"image": f"ghcr.io/acme/{name}:1.0", "port": 8080}
            for trait, params in TRAITS.items():
                entry[trait] = yaml.safe_load(yaml.safe_dump(params).replace("{name}", name))
            entries[name] = entry
        folder = root / "apps" / app
        folder.mkdir(parents=True)
        text = yaml.safe_dump({"name": app, "namespace": app, "services": entries})
        (folder / "vela.yaml").write_text(text)


def timed(root: Path, *, repo: str) -> tuple[float, RepositoryRender]:
    catalog = load_catalog(root, origin=repo)
    started = time.perf_counter()
    result = render_repository(root, repo=repo, catalog=catalog)
    return time.perf_counter() - started, result


def measure(root: Path, *, label: str) -> None:
    clear_caches()
    fresh, result = timed(root, repo=label)
    cached, _ = timed(root, repo=label)
    count = sum(len(app.definitions) and _services(app.path, root) for app in result.apps)
    if result.failures or result.catalog_diagnostics:
        problems = [str(d) for f in result.failures for d in f.diagnostics]
        raise SystemExit(f"{label}: render failed:\n" + "\n".join(problems))
    print(
        f"{label}: {len(result.apps)} apps, {count} services, "
        f"{sum(len(a.objects) for a in result.apps)} objects | "
        f"fresh {fresh * 1000 / count:.2f} ms/service ({fresh:.2f}s) | "
        f"cached {cached * 1000 / count:.3f} ms/service ({cached:.3f}s)"
    )


def _services(path: str, root: Path) -> int:
    return len(yaml.safe_load((root / path).read_text())["services"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", default=["sample-repo"])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--per-app", type=int, default=20)
    args = parser.parse_args()
    engine.evaluate([engine.Job("<app>/warm.jsonnet", "{}")] * engine.pool().size)
    for repo in args.repos:
        measure(Path(repo), label=Path(repo).resolve().name)
    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder), services=args.services, per_app=args.per_app)
        measure(Path(folder), label=f"generated-{args.services}")
    engine.shutdown()


if __name__ == "__main__":
    main()
