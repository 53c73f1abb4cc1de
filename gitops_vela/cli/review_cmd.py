"""``gitops-vela review``: the pull-request report of a definition change."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from gitops_vela.cli.common import add_cluster_args, command_parser
from gitops_vela.cluster import Cluster
from gitops_vela.review import ReviewRequest, render_json, render_markdown, review
from gitops_vela.review.live import live_diffs
from gitops_vela.review.markdown import DEFAULT_LIMIT
from gitops_vela.review.reviewer import LiveDiff
from gitops_vela.settings import render_settings
from gitops_vela.sync import DEFAULT_INVENTORY_NAMESPACE, SyncOptions


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        subparsers,
        "review",
        help="report what the head revision changes for every app (exit 1 when it breaks any)",
        example="gitops-vela review --base origin/main --head HEAD . > review.md",
    )
    parser.add_argument("--base", required=True, metavar="REF", help="the revision merged into")
    parser.add_argument("--head", required=True, metavar="REF", help="the revision under review")
    parser.add_argument(
        "path", nargs="?", default=".", metavar="PATH", help="in the Git repository (default: .)"
    )
    parser.add_argument(
        "-o",
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="Markdown for a pull-request comment (default) or JSON, with the same content",
    )
    parser.add_argument(
        "--apps-repo",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="another repository's apps that use these definitions (repeatable)",
    )
    parser.add_argument(
        "--repo", help="repository name in ownership labels (default: the folder's name)"
    )
    parser.add_argument(
        "--namespace", default="default", help="namespace of Appfiles that name none"
    )
    parser.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"truncate the Markdown past this many characters (default {DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--out", dest="output", type=Path, metavar="FILE", help="write the report here, not stdout"
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


def run(args: argparse.Namespace) -> int:
    if not args.cluster:
        return _review(args, live=None)
    options = SyncOptions(inventory_namespace=args.inventory_namespace, dry_run=True)
    with Cluster.connect(args.kubeconfig, args.context) as cluster:
        return _review(args, live=partial(live_diffs, cluster, options=options))


def _review(args: argparse.Namespace, *, live: LiveDiff | None) -> int:
    request = ReviewRequest(
        path=Path(args.path),
        base=args.base,
        head=args.head,
        apps_repos=tuple(args.apps_repo),
        live=live,
        repo=args.repo or "",
        namespace=args.namespace,
        render=render_settings(os.environ),
    )
    report = review(request)
    text = (
        render_json(report)
        if args.format == "json"
        else render_markdown(report, limit=args.max_chars)
    )
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    for line in report.breaking:
        print(f"review: {line}", file=sys.stderr)
    return 0 if report.ok else 1
