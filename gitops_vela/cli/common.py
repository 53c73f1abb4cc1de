"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse

from gitops_vela.settings import parse_duration


def add_cluster_args(parser: argparse.ArgumentParser) -> None:
    """``--kubeconfig`` and ``--context``, resolved like kubectl when absent."""
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    parser.add_argument("--context", help="kubeconfig context to use (default: current-context)")


def duration(text: str) -> float:
    """argparse type for durations: ``30s``, ``5m``, ``1h`` or plain seconds."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def command_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    example: str,
) -> argparse.ArgumentParser:
    """A sub-command parser whose --help ends with an example."""
    return subparsers.add_parser(
        name,
        help=help,
        description=help,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
