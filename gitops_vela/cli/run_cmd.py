"""``gitops-vela run``: the daemon, from a config file or one repository's flags."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from gitops_vela.cli.common import (
    add_app_glob_arg,
    add_cluster_args,
    add_env_arg,
    command_parser,
    duration,
)
from gitops_vela.errors import ConfigError
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings import (
    DEFAULT_STATUS_BRANCH,
    CredentialSettings,
    Overrides,
    Settings,
    SingleRepository,
    apply_overrides,
    load_config_file,
    single_repository_settings,
)

_REPO_ONLY = (
    *("branch", "path", "interval", "namespace", "prune", "status_branch", "no_status"),
    *("name", "token_file", "ssh_key_file", "known_hosts_file", "app_globs", "env"),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        subparsers,
        "run",
        help="run the daemon: poll Git, render, apply, prune, report status back to Git",
        example=(
            "gitops-vela run --repo https://git.example.com/acme/shop.git --interval 2m30s --prune\n"
            "  gitops-vela run --repo ./shop.git --embedded-cluster   # try it without a cluster\n"
            "  gitops-vela run --config /etc/gitops-vela/config.yaml"
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="config file: repositories, server, cluster (example: deploy/base/config.yaml)",
    )
    source.add_argument("--repo", metavar="URL", help="watch one repository (URL or local path)")
    one = parser.add_argument_group("one repository (with --repo)")
    one.add_argument("--branch", help="branch to watch (default: main)")
    one.add_argument("--path", help="folder holding apps/ and definitions/ (default: .)")
    one.add_argument(
        "--interval", type=duration, help="poll interval, e.g. 30s, 1m, 1h30m (default: 1m)"
    )
    one.add_argument(
        "-n", "--namespace", help="namespace for Appfiles that name none (default: default)"
    )
    one.add_argument("--prune", action="store_true", default=None, help="delete what Git removed")
    one.add_argument(
        "--status-branch", metavar="B", help=f"status branch (default: {DEFAULT_STATUS_BRANCH})"
    )
    one.add_argument("--no-status", action="store_true", default=None, help="write no status")
    one.add_argument("--name", help="repository name (default: from the URL)")
    add_app_glob_arg(one)
    add_env_arg(one, help="the environment this daemon's cluster is (its Appfile values)")
    one.add_argument("--token-file", type=Path, metavar="F", help="HTTPS token in a file")
    one.add_argument("--ssh-key-file", type=Path, metavar="F", help="SSH private key")
    one.add_argument("--known-hosts-file", type=Path, metavar="F", help="SSH known_hosts")
    both = parser.add_argument_group("daemon")
    both.add_argument("--listen", metavar="HOST:PORT", help="HTTP address (default: 0.0.0.0:9440)")
    both.add_argument("--webhook-secret-file", type=Path, metavar="F", help="push webhook secret")
    both.add_argument(
        "--embedded-cluster",
        action="store_true",
        default=None,
        help="start the Kubernetes API emulator in-process and write a kubeconfig for it",
    )
    both.add_argument("--cache-dir", type=Path, metavar="D", help="Git clones and snapshots")
    add_cluster_args(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Imported here: the daemon pulls in the scheduler, HTTP server and cluster client,
    # which the other commands do not need.
    from gitops_vela.daemon.main import run

    load = settings_loader(args)
    return run(load(), reload=load if args.config else None)


def settings_loader(args: argparse.Namespace) -> Callable[[], Settings]:
    """Builds the settings now, and again on every reload, from the same flags."""
    overrides = Overrides(
        listen=args.listen,
        webhook_secret_file=args.webhook_secret_file,
        embedded_cluster=args.embedded_cluster,
        cache_dir=args.cache_dir,
        kubeconfig=Path(args.kubeconfig) if args.kubeconfig else None,
        context=args.context,
    )
    if args.config is not None:
        given = [f"--{name.replace('_', '-')}" for name in _REPO_ONLY if getattr(args, name)]
        if given:
            raise ConfigError(
                Diagnostic(
                    path=str(args.config),
                    message=f"{', '.join(given)} only go with --repo; set them in the config file",
                )
            )
        config: Path = args.config.resolve()
        return lambda: apply_overrides(load_config_file(config), overrides)
    repo = _single_repository(args)
    return lambda: apply_overrides(single_repository_settings(repo, environ=os.environ), overrides)


def _single_repository(args: argparse.Namespace) -> SingleRepository:
    return SingleRepository(
        url=args.repo,
        branch=args.branch or "main",
        path=args.path or ".",
        interval=args.interval if args.interval is not None else 60.0,
        namespace=args.namespace or "default",
        prune=bool(args.prune),
        status_branch=args.status_branch or DEFAULT_STATUS_BRANCH,
        status_enabled=not args.no_status,
        name=args.name or "",
        app_globs=tuple(args.app_globs or DEFAULT_APP_GLOBS),
        environment=args.env,
        credentials=CredentialSettings(
            token_file=args.token_file.resolve() if args.token_file else None,
            ssh_key_file=args.ssh_key_file.resolve() if args.ssh_key_file else None,
            known_hosts_file=args.known_hosts_file.resolve() if args.known_hosts_file else None,
        ),
    )
