"""``gitops-vela emulator``: run the Kubernetes API emulator in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from gitops_vela.cli.common import command_parser, duration
from gitops_vela.daemon.embedded import emulator_class


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        subparsers,
        "emulator",
        help="start the Kubernetes API emulator in the foreground and write a kubeconfig for it",
        example="gitops-vela emulator --port 0 --kubeconfig /tmp/kc   # then: kubectl --kubeconfig /tmp/kc get ns",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=6443,
        help="port on 127.0.0.1 (0 picks a free one; default 6443)",
    )
    parser.add_argument(
        "--kubeconfig", help="write the kubeconfig here (default: a temporary file, printed)"
    )
    parser.add_argument(
        "--snapshot", help="load objects from this JSON file at start, save them at exit"
    )
    parser.add_argument(
        "--status-delay",
        type=duration,
        default=0.0,
        help="simulate controllers this long after each change (default 0: at once)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    emulator = emulator_class()(
        port=args.port,
        kubeconfig=args.kubeconfig,
        snapshot=args.snapshot,
        status_delay=args.status_delay,
    )
    try:
        try:
            emulator.start()
        except OSError as exc:
            print(
                f"error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
        with emulator:
            print(f"Kubernetes API emulator listening on {emulator.url}", flush=True)
            print(f"kubeconfig: {emulator.kubeconfig_path}", flush=True)
            print(
                "(an emulator, not a cluster: nothing runs; stop with Ctrl-C)",
                file=sys.stderr,
                flush=True,
            )
            stop.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
