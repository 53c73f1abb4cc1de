"""``gitops-vela review``: the pull-request report of a definition change."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gitops_vela.cli.common import (
    add_app_glob_arg,
    add_cluster_args,
    add_env_arg,
    add_namespace_arg,
    add_policy_arg,
    add_repo_arg,
    command_parser,
    label_selector,
    policy_of,
)
from gitops_vela.cli.ownership import warn_foreign_owners
from gitops_vela.cli.progress import spinner, terminal
from gitops_vela.cluster import Cluster
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.review import ReviewRequest, render_json, render_markdown, review
from gitops_vela.review.live import live_diffs
from gitops_vela.review.markdown import DEFAULT_LIMIT
from gitops_vela.review.report import ClusterDiff
from gitops_vela.review.reviewer import LiveDiff
from gitops_vela.settings import RolloutSettings, render_settings
from gitops_vela.settings.configfile import wave_problem
from gitops_vela.source.identity import repository_identity
from gitops_vela.sync import DEFAULT_INVENTORY_NAMESPACE, SyncOptions

_DEFAULT_ROLLOUT = RolloutSettings()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        subparsers,
        "review",
        help="report what the head revision changes for every app (exit 1 when it breaks any)",
        example=(
            "gitops-vela review --base origin/main --head HEAD . > review.md\n"
            "  gitops-vela review --base main --head HEAD --app shop --app search -o json"
        ),
    )
    parser.add_argument("--base", required=True, metavar="REF", help="the revision merged into")
    parser.add_argument("--head", required=True, metavar="REF", help="the revision under review")
    parser.add_argument(
        "path", nargs="?", default=".", metavar="PATH", help="in the Git repository (default: .)"
    )
    parser.add_argument(
        "-o",
        "--output",
        "--format",  # the first spelling, kept working
        dest="output",
        choices=("markdown", "json"),
        default="markdown",
        metavar="markdown|json",
        help="Markdown for a pull-request comment (default) or JSON, with the same content",
    )
    parser.add_argument(
        "--app",
        action="append",
        dest="apps",
        metavar="APP",
        help="report only this app (repeatable; default: every app the change touches)",
    )
    parser.add_argument(
        "-l",
        "--selector",
        type=label_selector,
        metavar="SELECTOR",
        help="report only apps whose Appfile labels match, e.g. tier=web (kubectl's syntax)",
    )
    parser.add_argument(
        "--waves",
        type=_waves,
        default=_DEFAULT_ROLLOUT.waves,
        metavar="LIST",
        help="the daemon's rollout.waves, to show the waves a definition change would take"
        f" (default {','.join(_DEFAULT_ROLLOUT.waves).replace('%', '%%')})",
    )
    parser.add_argument(
        "--rollout-order",
        action="append",
        metavar="KEY",
        help="the daemon's rollout.order keys (repeatable;"
        f" default {', '.join(_DEFAULT_ROLLOUT.order)})",
    )
    parser.add_argument(
        "--apps-repo",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="another repository's apps that use these definitions (repeatable)",
    )
    add_repo_arg(parser)
    add_namespace_arg(parser)
    add_app_glob_arg(parser)
    add_policy_arg(parser)
    add_env_arg(
        parser,
        help="review only this environment (default: one section per environment the"
        " Appfiles declare; required with --cluster when they declare any)",
    )
    parser.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"truncate the Markdown past this many characters (default {DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--out", dest="out", type=Path, metavar="FILE", help="write the report here, not stdout"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="under each changed object, its changed fields and the Appfile line or definition"
        " change that caused each (see docs/why.md)",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="also diff the affected apps at head against the live cluster (server-side dry run)",
    )
    add_cluster_args(parser)
    parser.add_argument(
        "--inventory-namespace",
        default=DEFAULT_INVENTORY_NAMESPACE,
        help=f"where the daemon keeps app inventories (default {DEFAULT_INVENTORY_NAMESPACE})",
    )
    parser.set_defaults(handler=run)


def _waves(text: str) -> tuple[str, ...]:
    """``--waves 1,10%,50%,100%``, each entry checked as the config file checks it."""
    waves = tuple(part.strip() for part in text.split(",") if part.strip())
    for wave in waves or ("",):
        if problem := wave_problem(wave):
            raise argparse.ArgumentTypeError(problem)
    return waves


def run(args: argparse.Namespace) -> int:
    if not args.cluster:
        return _review(args, live=None)
    policy = policy_of(args)
    adoption = policy.adoption if policy is not None else True
    options = SyncOptions(
        inventory_namespace=args.inventory_namespace, dry_run=True, adoption=adoption
    )
    with Cluster.connect(args.kubeconfig, args.context) as cluster:

        def live(apps: Sequence[RenderedApp]) -> tuple[ClusterDiff, ...]:
            warn_foreign_owners(cluster, apps, namespace=args.inventory_namespace)
            return live_diffs(cluster, apps, options=options)

        return _review(args, live=live)


def _review(args: argparse.Namespace, *, live: LiveDiff | None) -> int:
    request = ReviewRequest(
        path=Path(args.path),
        base=args.base,
        head=args.head,
        apps_repos=tuple(args.apps_repo),
        live=live,
        repo=repository_identity(Path(args.path).resolve(), args.repo),
        namespace=args.namespace,
        apps=frozenset(args.apps or ()),
        selector=args.selector,
        app_globs=tuple(args.app_globs or DEFAULT_APP_GLOBS),
        render=render_settings(os.environ),
        policy=policy_of(args),
        explain=args.explain,
        environment=args.env,
        rollout=RolloutSettings(
            waves=tuple(args.waves),
            order=tuple(args.rollout_order or _DEFAULT_ROLLOUT.order),
        ),
    )
    with spinner(f"reviewing {args.head} against {args.base}", console=terminal()):
        report = review(request)
    text = (
        render_json(report)
        if args.output == "json"
        else render_markdown(report, limit=args.max_chars)
    )
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    for line in report.breaking:
        print(f"review: {line}", file=sys.stderr)
    return 0 if report.ok else 1
