"""``diff`` and ``apply``: render a checkout, then compare with or sync to a cluster."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from gitops_vela.cli.common import (
    add_checkout_args,
    add_cluster_args,
    checkout,
    command_parser,
    duration,
)
from gitops_vela.cli.sync_output import apply_json, apply_text, diff_text
from gitops_vela.cluster import Cluster
from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render import render_repository
from gitops_vela.settings import render_settings
from gitops_vela.sync import (
    DEFAULT_INVENTORY_NAMESPACE,
    SyncOptions,
    diff_apps,
    sync_repository,
)
from gitops_vela.sync.rollout import wait_for_health


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = command_parser(
        subparsers,
        "diff",
        help="show what apply would change in the cluster (exit 0 none, 1 differences, 2 error)",
        example="gitops-vela diff sample-repo --app shop --kubeconfig /tmp/emulator.kubeconfig",
    )
    _common(diff)
    diff.set_defaults(handler=run_diff)
    apply = command_parser(
        subparsers,
        "apply",
        help="sync a checkout to the cluster once (server-side apply, optional prune)",
        example="gitops-vela apply sample-repo --prune --kubeconfig /tmp/emulator.kubeconfig",
    )
    _common(apply)
    apply.add_argument(
        "--prune", action="store_true", help="delete objects the apps no longer render"
    )
    apply.add_argument(
        "--allow-empty",
        action="store_true",
        help="with --prune: a checkout that renders no app prunes every app of the repository",
    )
    apply.add_argument(
        "--dry-run", action="store_true", help="send only dry-run requests; change nothing"
    )
    apply.add_argument(
        "--wait",
        action="store_true",
        help="then wait until every app is Healthy (exit 1 if one is Degraded or time runs out)",
    )
    apply.add_argument(
        "--timeout",
        type=duration,
        default=300.0,
        metavar="DURATION",
        help="how long --wait waits, e.g. 90s, 5m (default: 5m)",
    )
    apply.add_argument(
        "-o", "--output", choices=("text", "json"), default="text", help="output format"
    )
    apply.set_defaults(handler=run_apply)


def _common(parser: argparse.ArgumentParser) -> None:
    add_checkout_args(parser)
    parser.add_argument("--app", help="only this app")
    parser.add_argument(
        "--inventory-namespace",
        default=DEFAULT_INVENTORY_NAMESPACE,
        help=f"where inventories are kept (default: {DEFAULT_INVENTORY_NAMESPACE})",
    )
    add_cluster_args(parser)


def _render(args: argparse.Namespace) -> tuple[str, RepositoryRender]:
    root, repo = checkout(args.path, args.repo)
    render = render_repository(
        root,
        repo=repo,
        default_namespace=args.namespace,
        apps=[args.app] if args.app else None,
        settings=render_settings(os.environ),
    )
    if args.app and not render.apps and not render.failures:
        raise ConfigError(Diagnostic(args.path, f"no app named {args.app!r}", key="--app"))
    for diagnostic in render.catalog_diagnostics:
        print(f"warning: {diagnostic}", file=sys.stderr)
    return repo, render


def run_apply(args: argparse.Namespace) -> int:
    if args.wait and args.dry_run:
        raise ConfigError(
            Diagnostic(args.path, "a dry run changes nothing to wait for", key="--wait")
        )
    repo, render = _render(args)
    show = args.output == "text" and sys.stderr.isatty()
    options = SyncOptions(
        prune=args.prune,
        dry_run=args.dry_run,
        inventory_namespace=args.inventory_namespace,
        allow_empty=args.allow_empty,
        progress=_progress_printer("applying", ends=True) if show else None,
    )
    with Cluster.connect(args.kubeconfig, args.context) as cluster:
        result = sync_repository(cluster, render, repo=repo, options=options, whole=not args.app)
        if args.wait:
            progress = _progress_printer("healthy", ends=False) if show else None
            result = wait_for_health(
                cluster, result, render.apps, timeout=args.timeout, progress=progress
            )
            if progress is not None:
                print(file=sys.stderr)  # end the progress line, however the wait ended
    if args.output == "json":
        print(json.dumps(apply_json(result, render.failures), indent=2))
    else:
        sys.stdout.write(apply_text(result, render.failures, color=sys.stdout.isatty()))
    return 0 if result.ok and not render.failures else 1


def run_diff(args: argparse.Namespace) -> int:
    _, render = _render(args)
    options = SyncOptions(inventory_namespace=args.inventory_namespace)
    with Cluster.connect(args.kubeconfig, args.context) as cluster:
        result = diff_apps(cluster, render.apps, options=options)
    sys.stdout.write(diff_text(result, render.failures, color=sys.stdout.isatty()))
    if render.failures or not result.ok:
        return 2
    return 1 if result.changed else 0


def _progress_printer(label: str, *, ends: bool) -> Callable[[int, int], None]:
    """One line on stderr rewritten in place; ``ends``: a newline once all are done."""

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total and ends else ""
        print(f"\r{label}: {done}/{total} objects", end=end, file=sys.stderr, flush=True)

    return show
