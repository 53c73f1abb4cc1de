"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from gitops_vela.cli.identity import repository_identity
from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render import render_repository
from gitops_vela.render.selection import Selector, SelectorError, parse_selector, select_apps
from gitops_vela.settings import parse_duration


def add_cluster_args(parser: argparse.ArgumentParser) -> None:
    """``--kubeconfig`` and ``--context``, resolved like kubectl when absent."""
    parser.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    parser.add_argument("--context", help="kubeconfig context to use (default: current-context)")


def duration(text: str) -> float:
    """argparse type for durations as Go writes them: ``90s``, ``5m``, ``1h30m``, or seconds."""
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
    """PATH, ``--repo`` and ``-n/--namespace``: a checkout rendered as the daemon would."""
    parser.add_argument("path", nargs="?", default=".", help="repository checkout (default: .)")
    add_repo_arg(parser)
    add_namespace_arg(parser)


def add_namespace_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-n", "--namespace", default="default", help="namespace for Appfiles that name none"
    )


def add_output_arg(
    parser: argparse.ArgumentParser, choices: Sequence[str], *, help: str
) -> argparse.Action:
    """``-o/--output`` as kubectl spells it; the first choice is the default."""
    return parser.add_argument(
        "-o", "--output", choices=choices, default=choices[0], metavar="|".join(choices), help=help
    )


def add_selection_args(parser: argparse.ArgumentParser) -> None:
    """``--app`` (repeatable) and ``-l/--selector`` over the Appfiles' labels."""
    parser.add_argument(
        "--app", action="append", dest="apps", metavar="APP", help="only this app (repeatable)"
    )
    parser.add_argument(
        "-l",
        "--selector",
        type=label_selector,
        metavar="SELECTOR",
        help="only apps whose Appfile labels match, as kubectl writes it:"
        " tier=web, tier!=batch, 'env in (prod,staging)', team, !legacy",
    )


def label_selector(text: str) -> Selector:
    try:
        return parse_selector(text)
    except SelectorError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


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


def render_checkout(
    args: argparse.Namespace, *, revision: str = ""
) -> tuple[str, RepositoryRender, tuple[str, ...]]:
    """Render the checkout's apps chosen by ``--app``/``-l``: (repo name, render, names not found)."""
    root, repo = checkout(args.path, args.repo)
    names = tuple(getattr(args, "apps", None) or ())
    render = render_repository(
        root, repo=repo, revision=revision, default_namespace=args.namespace, apps=names or None
    )
    chosen = select_apps(render, root=root, names=names, selector=getattr(args, "selector", None))
    found = {a.name for a in chosen.apps} | {f.name for f in chosen.failures}
    return repo, chosen, tuple(n for n in dict.fromkeys(names) if n not in found)
