"""``gitops-vela status [PATH|URL] [--branch B]``: the status branch as a table."""

from __future__ import annotations

import argparse
import sys

from gitops_vela.cli.common import command_parser, duration
from gitops_vela.source import redact_url
from gitops_vela.status import DEFAULT_BRANCH, format_table, read_status


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        subparsers,
        "status",
        help="show what the daemon recorded on the status branch (app, sync, health, revision)",
        example="gitops-vela status https://git.example.com/acme/shop.git",
    )
    parser.add_argument(
        "target",
        nargs="?",
        default=".",
        metavar="PATH|URL",
        help="a clone or bare repository, or a repository URL (default: .)",
    )
    parser.add_argument(
        "--branch", default=DEFAULT_BRANCH, help=f"status branch (default: {DEFAULT_BRANCH})"
    )
    parser.add_argument(
        "--timeout", type=duration, default=60.0, help="limit for each Git call (default: 60s)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = read_status(args.target, branch=args.branch, timeout=args.timeout)
    if report is None:
        print(
            f"no status yet: branch {args.branch!r} not found in {redact_url(args.target)} "
            "(the daemon creates it after its first reconcile)",
            file=sys.stderr,
        )
        return 1
    if not report.apps:
        print(f"no apps on {report.branch} ({report.commit[:12]})", file=sys.stderr)
        return 0
    sys.stdout.write(format_table(report))
    return 0
