"""The ``gitops-vela`` command line: parse, build settings, call in. No logic here.

Each command group lives in its own module exposing ``register(subparsers)``;
a registered parser sets ``handler`` to a function ``(args) -> exit code``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from gitops_vela import __version__
from gitops_vela.errors import GitopsVelaError

# The module (in ``gitops_vela.cli``) that registers each command, in --help order. A
# command line imports only its own command's module: ``why`` or ``render`` need not
# load the daemon, the emulator or the definition tests (half a second of start-up).
_COMMANDS = {
    "render": "render_cmds",
    "validate": "render_cmds",
    "why": "why_cmd",
    "defs": "defs_cmd",
    "diff": "sync_cmds",
    "apply": "sync_cmds",
    "run": "run_cmd",
    "review": "review_cmd",
    "status": "status_cmd",
    "rollout": "rollout_cmd",
    "emulator": "emulator_cmd",
}


def _command_word(argv: Sequence[str]) -> str | None:
    """The command a command line names (its first word that is not an option)."""
    return next((w for w in argv if not w.startswith("-")), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command``, only that command's group is registered
    (any other word, --help or no command at all: every group, for the full listing)."""
    parser = argparse.ArgumentParser(
        prog="gitops-vela",
        description="GitOps for the KubeVela application model: Appfiles + Jsonnet definitions.",
        epilog="example: gitops-vela render sample-repo --app shop",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gitops-vela {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _COMMANDS.get(command or "")
    for module in dict.fromkeys([chosen] if chosen else _COMMANDS.values()):
        importlib.import_module(f"gitops_vela.cli.{module}").register(subparsers)
    return parser


def _chosen_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The innermost (sub-)parser the command line chose, e.g. ``defs show``'s."""
    for action in parser._actions:  # argparse keeps no public map of sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if isinstance(chosen, argparse.ArgumentParser):
                return _chosen_parser(chosen, args)
    return parser


# Flags whose value is optional, as kubectl's are: the value only ever follows '='
# (``--dry-run=client``), and the bare flag means this value. Argparse would take
# the next word as the value (``--dry-run PATH``), so the bare flag is spelled out first.
_BARE_FLAG_VALUES = {"--dry-run": "--dry-run=server"}


def _spell_out_bare_flags(argv: Sequence[str]) -> list[str]:
    words = list(argv)
    end = words.index("--") if "--" in words else len(words)
    return [_BARE_FLAG_VALUES.get(w, w) if i < end else w for i, w in enumerate(words)]


def main(argv: Sequence[str] | None = None) -> int:
    words = _spell_out_bare_flags(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_word(words))
    args, unknown = parser.parse_known_args(words)
    gather = getattr(args, "extra_positionals", None)
    if gather and unknown and not any(w.startswith("-") for w in unknown):
        # argparse stops filling positionals at the first option (``why REF FIELD -n NS PATH``):
        # a command that asks for it takes the words after the options as positionals too.
        setattr(args, gather, [*getattr(args, gather), *unknown])
        unknown = []
    if unknown:
        # Report with the sub-command's usage ("gitops-vela render: error: ..."),
        # not the top-level one argparse would print.
        _chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except GitopsVelaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): no traceback. Point stdout at
        # /dev/null so the interpreter's final flush cannot fail a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # what a shell reports for a command killed by SIGPIPE
