"""``diff`` and ``apply``: render a checkout, then compare with or sync to a cluster."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gitops_vela.cli.common import (
    add_checkout_args,
    add_cluster_args,
    add_output_arg,
    add_selection_args,
    command_parser,
    duration,
    policy_of,
    render_checkout,
)
from gitops_vela.cli.outputs import MACHINE, diff_json, emit
from gitops_vela.cli.ownership import warn_foreign_owners
from gitops_vela.cli.progress import counter, spinner, terminal
from gitops_vela.cli.sync_output import apply_json, apply_text, diff_text
from gitops_vela.cli.why_cmd import diff_explanations
from gitops_vela.cluster import Cluster
from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.sync import (
    DEFAULT_INVENTORY_NAMESPACE,
    SyncOptions,
    diff_apps,
    sync_repository,
)
from gitops_vela.sync.desired import desired_objects
from gitops_vela.sync.ordering import kind_key
from gitops_vela.sync.rollout import wait_for_health

DRY_RUN = ("none", "server", "client")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = command_parser(
        subparsers,
        "diff",
        help="show what apply would change in the cluster (exit 0 none, 1 differences, 2 error)",
        example=(
            "gitops-vela diff sample-repo --app shop --app search --kubeconfig /tmp/kc\n"
            "  gitops-vela diff sample-repo -l tier=web -o json   # apps labelled tier=web"
        ),
    )
    _common(diff)
    add_output_arg(diff, ("text", *MACHINE), help="unified diffs (default), or JSON/YAML")
    diff.add_argument(
        "--explain",
        action="store_true",
        help="under each object that differs: each drifted field, where its rendered value"
        " comes from, and the field manager that wrote the live one (see docs/why.md)",
    )
    diff.set_defaults(handler=run_diff)
    apply = command_parser(
        subparsers,
        "apply",
        help="sync a checkout to the cluster once (server-side apply, optional prune)",
        example=(
            "gitops-vela apply sample-repo --prune --kubeconfig /tmp/kc\n"
            "  gitops-vela apply sample-repo --dry-run=server -n staging -o yaml\n"
            "  gitops-vela apply sample-repo --app shop --wait --timeout 2m30s"
        ),
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
        "--dry-run",
        choices=DRY_RUN,
        default="none",
        metavar="server|client|none",
        help="server: send only dry-run requests, change nothing (bare --dry-run means this);"
        " client: print the objects apply would send, contact no cluster",
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
        help="how long --wait waits, e.g. 90s, 5m, 1h30m (default: 5m)",
    )
    add_output_arg(
        apply,
        ("text", *MACHINE),
        help="a line per object (default), or JSON/YAML (with --dry-run=client: the objects)",
    )
    apply.set_defaults(handler=run_apply)


def _common(parser: argparse.ArgumentParser) -> None:
    add_checkout_args(parser)
    add_selection_args(parser)
    parser.add_argument(
        "--inventory-namespace",
        default=DEFAULT_INVENTORY_NAMESPACE,
        help=f"where inventories are kept (default: {DEFAULT_INVENTORY_NAMESPACE})",
    )
    add_cluster_args(parser)


def _render(args: argparse.Namespace) -> tuple[str, RepositoryRender]:
    repo, render, missing = render_checkout(args)
    if missing:
        names = ", ".join(repr(n) for n in missing)
        raise ConfigError(Diagnostic(args.path, f"no app named {names}", key="--app"))
    if args.selector is not None and not render.apps and not render.failures:
        raise ConfigError(Diagnostic(args.path, "no app matches the selector", key="-l"))
    for diagnostic in render.catalog_diagnostics:
        print(f"warning: {diagnostic}", file=sys.stderr)
    return repo, render


def _adoption(args: argparse.Namespace) -> bool:
    """``adoption:`` of the ``--policy`` file: may unlabelled live objects be taken over."""
    policy = policy_of(args)
    return policy.adoption if policy is not None else True


def _chosen(args: argparse.Namespace) -> bool:
    """Whether the user picked apps: then only those are synced, nothing else is pruned."""
    return bool(args.apps) or args.selector is not None


def run_apply(args: argparse.Namespace) -> int:
    if args.wait and args.dry_run != "none":
        raise ConfigError(
            Diagnostic(args.path, "a dry run changes nothing to wait for", key="--wait")
        )
    repo, render = _render(args)
    if args.dry_run == "client":
        return _client_dry_run(args, render)
    console = terminal()
    with Cluster.connect(args.kubeconfig, args.context) as cluster:
        warn_foreign_owners(cluster, render.apps, namespace=args.inventory_namespace)
        with counter("applying", "objects", console=console) as progress:
            options = SyncOptions(
                prune=args.prune,
                dry_run=args.dry_run == "server",
                inventory_namespace=args.inventory_namespace,
                allow_empty=args.allow_empty,
                progress=progress,
                adoption=_adoption(args),
            )
            result = sync_repository(
                cluster, render, repo=repo, options=options, whole=not _chosen(args)
            )
        if args.wait:
            with counter("waiting until Healthy", "objects", console=console) as progress:
                result = wait_for_health(
                    cluster, result, render.apps, timeout=args.timeout, progress=progress
                )
    if args.output in MACHINE:
        emit(apply_json(result, render.failures), args.output)
    else:
        sys.stdout.write(apply_text(result, render.failures, color=sys.stdout.isatty()))
    return 0 if result.ok and not render.failures else 1


def _client_dry_run(args: argparse.Namespace, render: RepositoryRender) -> int:
    """kubectl's ``--dry-run=client``: the objects apply would send, in apply order; no cluster."""
    desired = sorted(
        desired_objects(render.apps),
        key=lambda d: (kind_key(d.ref.group, d.ref.kind), d.ref.namespace, d.ref.name),
    )
    if args.output in MACHINE:
        items: list[dict[str, Any]] = [d.manifest for d in desired]
        emit({"apiVersion": "v1", "kind": "List", "items": items}, args.output)
    else:
        for item in desired:
            print(f"would apply {item.ref}  (app {item.app.name}, client dry run)")
        note = "; prune not evaluated" if args.prune else ""
        print(
            f"{len(desired)} object(s) of {len(render.apps)} app(s), not compared with the"
            f" cluster{note} (--dry-run=server shows what would change)"
        )
    for failure in render.failures:
        for diagnostic in failure.diagnostics:
            print(str(diagnostic), file=sys.stderr)
    for diagnostic in render.refusals:
        print(str(diagnostic), file=sys.stderr)
    return 1 if render.failures or render.refusals else 0


def run_diff(args: argparse.Namespace) -> int:
    repo, render = _render(args)
    options = SyncOptions(inventory_namespace=args.inventory_namespace, adoption=_adoption(args))
    explained: dict[tuple[str, ObjectRef], tuple[str, ...]] = {}
    with Cluster.connect(args.kubeconfig, args.context) as cluster:
        warn_foreign_owners(cluster, render.apps, namespace=args.inventory_namespace)
        with spinner("comparing with the cluster", console=terminal()):
            result = diff_apps(cluster, render.apps, options=options)
            if args.explain:
                explained = diff_explanations(args, repo, cluster, result)
    if args.output in MACHINE:
        emit(diff_json(result, render.failures, explained=explained), args.output)
    else:
        color = sys.stdout.isatty()
        sys.stdout.write(diff_text(result, render.failures, color=color, explained=explained))
    if render.failures or not result.ok:
        return 2
    return 1 if result.changed else 0
