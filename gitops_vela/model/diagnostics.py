"""A problem in a user's file, printed as ``path:line: key.path: message``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One user-facing problem, pointing at a file, a line and a key.

    ``path`` is relative to the repository root when the file is in one.
    ``line`` is 1-based; 0 means "the whole file".
    """

    path: str
    message: str
    line: int = 0
    key: str = ""
    hint: str = ""
    column: int = 0  # 1-based, when the problem is a place in a line (a template's syntax)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.line and self.column:
            where += f":{self.column}"
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text
