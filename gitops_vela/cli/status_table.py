"""``gitops-vela status`` on a terminal: one row per app, sync and health in colour.

Off a terminal the plain fixed-width table of ``status.format_table`` is
printed instead: the same columns, no escape codes, one line per app.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gitops_vela.model.status import AppStatus, Health, SyncState
from gitops_vela.status.reader import StatusReport

HEALTH_STYLE = {
    Health.HEALTHY: "green",
    Health.PROGRESSING: "yellow",
    Health.UNKNOWN: "magenta",
    Health.MISSING: "red",
    Health.DEGRADED: "bold red",
}
SYNC_STYLE = {
    SyncState.SYNCED: "green",
    SyncState.OUT_OF_SYNC: "yellow",
    SyncState.FAILED: "bold red",
}


def print_table(report: StatusReport, console: Console) -> None:
    """The apps as a table on ``console``, each app's errors under its row."""
    table = Table(box=None, header_style="bold", pad_edge=False, show_edge=False)
    for column in ("APP", "SYNC", "HEALTH", "REVISION", "MESSAGE", "SINCE"):
        table.add_column(column, overflow="fold", no_wrap=column != "MESSAGE")
    for status in report.apps:
        table.add_row(*_cells(status))
        for error in status.errors:
            if error != status.message:
                table.add_row("", "", "", "", Text(f"error: {error}", style="red"), "")
    console.print(table)
    console.print(
        Text(f"{report.url} {report.branch} @ {report.commit[:12]}", style="dim"), highlight=False
    )


def _cells(status: AppStatus) -> tuple[Text | str, ...]:
    return (
        Text(status.app, style="bold"),
        Text(str(status.sync), style=SYNC_STYLE.get(status.sync, "")),
        Text(str(status.health), style=HEALTH_STYLE.get(status.health, "")),
        status.revision[:7],
        status.message,
        status.since,
    )
