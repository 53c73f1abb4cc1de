"""``gitops-vela rollout pause|resume|abort|status REPO``: steer a definition rollout.

The command is recorded in the cluster (``daemon.control``), so it reaches
whichever daemon replica reconciles the repository, at its next reconcile,
without a restart and without a commit.
"""

from __future__ import annotations

import argparse
import sys

from gitops_vela.cli.common import add_cluster_args, command_parser
from gitops_vela.cluster import Cluster
from gitops_vela.daemon.control import control_name, read_control, request
from gitops_vela.daemon.waves import Command
from gitops_vela.sync import DEFAULT_INVENTORY_NAMESPACE

_WHAT = {
    Command.PAUSE: "no new wave starts until `rollout resume`",
    Command.RESUME: "the rollout goes on; a halted one gates its wave again",
    Command.ABORT: "the rollout ends where it stands; apps not reached keep their definitions",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rollout = command_parser(
        subparsers,
        "rollout",
        help="pause, resume or abort a repository's definition rollout, or show it",
        example="gitops-vela rollout pause platform",
    )
    verbs = rollout.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb in (*(c.value for c in Command), "status"):
        parser = command_parser(
            verbs,
            verb,
            help=_WHAT[Command(verb)] if verb != "status" else "the rollout as the daemon runs it",
            example=f"gitops-vela rollout {verb} platform",
        )
        parser.add_argument("repo", metavar="REPO", help="the repository's name in the config")
        parser.add_argument(
            "--daemon-namespace",
            default=DEFAULT_INVENTORY_NAMESPACE,
            help=f"the daemon's namespace (default {DEFAULT_INVENTORY_NAMESPACE})",
        )
        add_cluster_args(parser)
        parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    namespace = args.daemon_namespace
    with Cluster.connect(args.kubeconfig, args.context) as cluster:
        if args.verb == "status":
            control = read_control(cluster, namespace=namespace, repo=args.repo)
            if not control.state:
                print(f"no rollout recorded for {args.repo!r} in namespace {namespace!r}")
                return 1
            print(control.state, end="")
            if control.pending:
                print(f"pending command: {control.command} (requested {control.requested_at})")
            return 0
        command = Command(args.verb)
        request(cluster, command, namespace=namespace, repo=args.repo)
    where = f"ConfigMap {namespace}/{control_name(args.repo)}"
    print(f"{command} recorded for {args.repo!r} in {where}: {_WHAT[command]}")
    print("the daemon applies it at its next reconcile of the repository", file=sys.stderr)
    return 0
