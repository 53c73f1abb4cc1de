"""Progress for long operations, on stderr and only when stderr is a terminal.

stdout stays what a machine parses (YAML, JSON, the report); a piped or
redirected run gets no progress at all, not even on stderr. On a terminal,
each phase is one transient line: a spinner while the size of the work is
unknown (rendering, reviewing), a bar with done/total where it is known
(objects applied, objects Healthy).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

Counter = Callable[[int, int], None]
"""(done, total), called as work completes; from any thread."""


def terminal(stream: TextIO | None = None) -> Console | None:
    """A console on ``stream`` (default stderr) when it is a terminal, else None."""
    console = Console(file=stream or sys.stderr, stderr=stream is None)
    return console if console.is_terminal else None


@contextmanager
def spinner(label: str, *, console: Console | None) -> Iterator[None]:
    """A spinner and the elapsed time beside ``label`` while the block runs."""
    if console is None:
        yield
        return
    with _progress(console, bar=False) as shown:
        shown.add_task(label, total=None)
        yield


@contextmanager
def counter(label: str, unit: str, *, console: Console | None) -> Iterator[Counter | None]:
    """A bar ``label [####  ] done/total unit``; yields its update function (None: no terminal)."""
    if console is None:
        yield None
        return
    with _progress(console, bar=True, unit=unit) as shown:
        task = shown.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            shown.update(task, completed=done, total=total)

        yield update


def _progress(console: Console, *, bar: bool, unit: str = "") -> Progress:
    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if bar:
        columns += [BarColumn(), MofNCompleteColumn(), TextColumn(unit)]
    # stdout is never redirected into the display: it belongs to the command's output.
    # stderr is: a warning printed meanwhile shows above the line, not through it.
    return Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,
        redirect_stderr=True,
    )
