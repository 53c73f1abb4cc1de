"""``gitops-vela status [PATH|URL] [--branch B]``: the status branch as a table."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gitops_vela.cli.common import add_env_arg, add_output_arg, command_parser, duration
from gitops_vela.cli.outputs import MACHINE, emit
from gitops_vela.cli.progress import spinner, terminal
from gitops_vela.cli.status_table import print_table
from gitops_vela.source import redact_url
from gitops_vela.status import DEFAULT_BRANCH, format_table, read_status
from gitops_vela.status.document import as_document
from gitops_vela.status.reader import StatusReport, rollout_lines


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        subparsers,
        "status",
        help="show what the daemon recorded on the status branch (app, sync, health, revision)",
        example=(
            "gitops-vela status https://git.example.com/acme/shop.git\n"
            "  gitops-vela status . -o json   # for machines"
        ),
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
    add_env_arg(parser, help="read this environment's folder of the status branch")
    add_output_arg(parser, ("table", *MACHINE), help="a table (default), or JSON/YAML")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with spinner(f"reading {args.branch}", console=terminal()):
        report = read_status(
            args.target, branch=args.branch, timeout=args.timeout, environment=args.env
        )
    if report is None:
        print(
            f"no status yet: branch {args.branch!r} not found in {redact_url(args.target)} "
            "(the daemon creates it after its first reconcile)",
            file=sys.stderr,
        )
        return 1
    if args.output in MACHINE:
        emit(_document(report), args.output)
        return 0
    if not report.apps:
        where = f"{report.environment}/ of " if report.environment else ""
        print(f"no apps on {where}{report.branch} ({report.commit[:12]})", file=sys.stderr)
        others = [e for e in report.environments if e != report.environment]
        if others:
            print(f"environments on the branch: {', '.join(others)} (pass --env)", file=sys.stderr)
        return 0
    console = terminal(sys.stdout)
    if console is None:  # piped: the plain table, no escape codes
        sys.stdout.write(format_table(report))
    else:
        print_table(report, console)
        if report.rollout is not None:
            print("\n" + "\n".join(rollout_lines(report.rollout)))
    return 0


def _document(report: StatusReport) -> dict[str, Any]:
    return {
        "url": report.url,
        "branch": report.branch,
        "commit": report.commit,
        "environment": report.environment,
        "environments": list(report.environments),
        "apps": [as_document(status) for status in report.apps],
        **({"rollout": report.rollout} if report.rollout is not None else {}),
    }
