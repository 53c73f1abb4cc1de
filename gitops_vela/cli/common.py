"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from gitops_vela.cli.identity import repository_identity
from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
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


def add_checkout_args(parser: argparse.ArgumentParser) -> None:
    """PATH, ``--repo`` and ``--namespace``: a checkout rendered as the daemon would."""
    parser.add_argument("path", nargs="?", default=".", help="repository checkout (default: .)")
    add_repo_arg(parser)
    parser.add_argument(
        "--namespace", default="default", help="namespace for Appfiles that name none"
    )


def add_repo_arg(parser: argparse.ArgumentParser) -> None:
    """``--repo``: the repository name in ownership labels, derived as the daemon does."""
    parser.add_argument(
        "--repo",
        help="repository name in ownership labels (default: from the origin remote's URL,"
        " as the daemon names it; without a remote, the folder's name)",
    )


def checkout(path: str, repo: str | None = None) -> tuple[Path, str]:
    """The checkout's directory and the repository name its labels use (``identity``)."""
    root = Path(path).resolve()
    if not root.is_dir():
        raise ConfigError(Diagnostic(path, "not a directory"))
    return root, repository_identity(root, repo)
