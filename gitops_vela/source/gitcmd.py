"""Run one Git command: a timeout that really kills, errors translated once.

GitPython's ``kill_after_timeout`` only kills git and its direct children; an
ssh or askpass grandchild keeps the output pipes open and the call hangs. So
every command runs in its own process group, and a timeout kills the group.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops_vela.errors import SourceError
from gitops_vela.source.redact import redact_text

OpHook = Callable[[str], None]
"""Called with the operation (``ls-remote``, ``fetch``, ``push``) before each
network Git call, so the daemon can count them (``gitops_vela_git_requests_total{op}``)."""

DEFAULT_TIMEOUT = 60.0

# Never block on a prompt, never talk to a desktop credential manager, and parse
# the C locale's messages.
_BASE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GCM_INTERACTIVE": "never",
    "LC_ALL": "C",
    "LANGUAGE": "C",
}

# Variables that point Git at another repository (set e.g. inside a Git hook):
# inherited, they would redirect our commands; the daemon always says where to work.
_REPOSITORY_VARS = frozenset(
    (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_SHALLOW_FILE",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_CONFIG_PARAMETERS",  # a parent's ``git -c``; GIT_CONFIG_COUNT (operator's) stays
    )
)


@dataclass(frozen=True, slots=True)
class GitRunner:
    """How to run Git: time limit, extra environment (auth), ``-c`` options, hooks.

    ``config`` entries go on each command line as ``-c key=value`` and are never
    written to a repository's config. ``secrets`` returns values that must never
    appear in an error message (e.g. the token read from the token file).
    """

    timeout: float = DEFAULT_TIMEOUT
    env: Mapping[str, str] = field(default_factory=dict)
    config: tuple[str, ...] = ()
    on_op: OpHook | None = None
    secrets: Callable[[], tuple[str, ...]] | None = None

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        op: str | None = None,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Git's stdout (text); ``SourceError`` on failure or timeout.

        ``op`` names a network operation: it is reported to ``on_op`` and used
        in the error message.
        """
        command = ["git", *(arg for item in self.config for arg in ("-c", item)), *args]
        label = op or (args[0] if args else "git")
        if op is not None and self.on_op is not None:
            self.on_op(op)
        inherited = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARS}
        full_env = {**inherited, **_BASE_ENV, **self.env, **(env or {})}
        try:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise SourceError(f"git {label}: cannot start git: {exc.strerror}") from exc
        try:
            out, err = proc.communicate(stdin, timeout=self.timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)
            raise SourceError(
                f"git {label} timed out after {self.timeout:g}s (killed)", retryable=True
            ) from exc
        if proc.returncode != 0:
            raise SourceError(self._failure(label, err), retryable=True)
        return out.decode("utf-8", "replace")

    def _failure(self, label: str, stderr: bytes) -> str:
        detail = " ".join(_cause(stderr.decode("utf-8", "replace"))) or "no message"
        secrets = self.secrets() if self.secrets is not None else ()
        return redact_text(f"git {label} failed: {detail}", secrets=secrets)


def _cause(stderr: str) -> list[str]:
    """The lines of Git's stderr that say what went wrong (at most three).

    Git prints the cause in the paragraph holding its first ``fatal:``/``error:``
    line; later paragraphs and ``hint:`` lines are stock advice.
    """
    paragraphs = [p.splitlines() for p in re.split(r"\n\s*\n", stderr.strip()) if p.strip()]
    failing = [p for p in paragraphs if any(line.startswith(("fatal:", "error:")) for line in p)]
    chosen = failing[0] if failing else (paragraphs[-1] if paragraphs else [])
    lines = [line.strip() for line in chosen if line.strip() and not line.startswith("hint:")]
    return lines[-3:]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
