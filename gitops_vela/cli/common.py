"""Argument helpers shared by several commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gitops_vela.cli.progress import spinner, terminal
from gitops_vela.errors import ConfigError
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.render import render_repository
from gitops_vela.render.discover import IGNORE_FILE
from gitops_vela.render.environments import is_environment_name, undeclared
from gitops_vela.render.selection import Selector, SelectorError, parse_selector, select_apps
from gitops_vela.settings import (
    PolicySettings,
    glob_problem,
    load_policy_file,
    parse_duration,
    render_settings,
)
from gitops_vela.source.identity import repository_identity


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
    add_app_glob_arg(parser)
    add_policy_arg(parser)
    add_env_arg(parser)


def add_policy_arg(parser: argparse._ActionsContainer) -> None:
    """``--policy FILE``: a repository's ``policy:`` block, so CI sees the daemon's verdicts."""
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="YAML file holding a repository's policy: block (see docs/tenancy.md); objects"
        " it refuses are errors of their app and are never sent to the cluster",
    )


def policy_of(args: argparse.Namespace) -> PolicySettings | None:
    """The ``--policy`` file's block, or None (no policy: allow everything)."""
    path = getattr(args, "policy", None)
    return load_policy_file(path) if path is not None else None


def add_env_arg(parser: argparse._ActionsContainer, *, help: str = "") -> None:
    """``--env E``: render the Appfiles as environment E sees them (docs/environments.md)."""
    parser.add_argument(
        "--env",
        type=environment_name,
        default="",
        metavar="E",
        help=help
        or "the environment whose values the Appfiles take (their environments.E blocks"
        " and vela.E.yaml overlays); default: the base",
    )


def environment_name(text: str) -> str:
    """argparse type of ``--env``; "" (the default) is the base."""
    if text and not is_environment_name(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an environment name (a DNS-1123 label: lower case letters,"
            " digits and '-')"
        )
    return text


def add_app_glob_arg(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--app-glob",
        action="append",
        dest="app_globs",
        metavar="GLOB",
        help="where Appfiles are, relative to the repository (repeatable; default:"
        f" {' and '.join(DEFAULT_APP_GLOBS)}); .gitops-vela-ignore excludes paths",
    )


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
    globs = app_globs(args, root)
    names = tuple(getattr(args, "apps", None) or ())
    with spinner(f"rendering {args.path}", console=terminal()):
        render = render_repository(
            root,
            repo=repo,
            revision=revision,
            default_namespace=args.namespace,
            app_globs=globs,
            apps=names or None,
            settings=render_settings(os.environ),
            policy=policy_of(args),
            environment=getattr(args, "env", ""),
        )
    if not names and not render.apps and not render.failures:
        print(f"warning: {nothing_found(args.path, root, globs)}", file=sys.stderr)
    if warning := undeclared(render, getattr(args, "env", "")):
        print(f"warning: {warning}", file=sys.stderr)
    chosen = select_apps(render, root=root, names=names, selector=getattr(args, "selector", None))
    found = {a.name for a in chosen.apps} | {f.name for f in chosen.failures}
    return repo, chosen, tuple(n for n in dict.fromkeys(names) if n not in found)


def app_globs(args: argparse.Namespace, root: Path) -> tuple[str, ...]:
    """``--app-glob`` values, checked; else the defaults, for a folder laid out as a repository.

    The default ``**/vela.yaml`` searches every folder below PATH: run on a
    folder that is no repository (``/tmp``, a home directory) it would report
    every stray Appfile there, so such a folder is refused unless globs are given.
    """
    given = tuple(getattr(args, "app_globs", None) or ())
    for glob in given:
        if problem := glob_problem(glob):
            raise ConfigError(Diagnostic(args.path, problem, key="--app-glob"))
    if not given and not looks_like_repository(root):
        raise ConfigError(
            Diagnostic(
                args.path,
                "no apps/ folder, vela.yaml or definitions/ here, and not a Git checkout:"
                " is it the repository?",
                hint="pass the checkout's folder, or --app-glob GLOB to search this one anyway",
            )
        )
    return given or DEFAULT_APP_GLOBS


def looks_like_repository(root: Path) -> bool:
    markers = ("apps", "vela.yaml", "definitions", ".git", IGNORE_FILE)
    return any((root / marker).exists() for marker in markers)


def nothing_found(path: str, root: Path, globs: Sequence[str]) -> str:
    where = "" if (root / "apps").is_dir() else " (and it has no apps/ folder)"
    return f"{path}: no Appfile matches {', '.join(globs)}{where}"
