"""Git credentials, handed to Git per command and never persisted.

* HTTPS token: ``GIT_ASKPASS`` points to a small helper script that prints the
  user name or reads the token file when Git asks. The token itself is never
  in a command line, an environment variable, a remote URL or a Git config.
  ``-c credential.helper=`` resets the helper list for the command so no
  configured helper ever stores the token.
* SSH: ``GIT_SSH_COMMAND`` with the key, ``IdentitiesOnly``, ``BatchMode`` and
  strict host key checking against the given ``known_hosts``.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from gitops_vela.source.gitcmd import DEFAULT_TIMEOUT, GitRunner, OpHook

_ASKPASS = """#!/bin/sh
# gitops-vela: answers Git's credential prompts; the token stays in its file.
case "$1" in
  Username*|username*) printf '%s\\n' "$GITOPS_VELA_GIT_USERNAME" ;;
  *) head -n 1 "$GITOPS_VELA_GIT_TOKEN_FILE" ;;
esac
"""


@dataclass(frozen=True, slots=True)
class Credentials:
    """Where the secrets are (files), never the secrets themselves."""

    token_file: Path | None = None
    username: str = "x-access-token"  # GitHub/Gitea accept any user with a token
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None

    def secrets(self) -> tuple[str, ...]:
        """Secret values to scrub from error messages (read when an error happens)."""
        if self.token_file is None:
            return ()
        try:
            token = self.token_file.read_text().strip()
        except OSError:
            return ()
        return (token,) if token else ()


def make_runner(
    credentials: Credentials,
    *,
    helper_dir: Path,
    timeout: float = DEFAULT_TIMEOUT,
    on_op: OpHook | None = None,
) -> GitRunner:
    """A ``GitRunner`` that authenticates with ``credentials``.

    ``helper_dir`` receives the askpass script (no secret in it).
    """
    env: dict[str, str] = {}
    if credentials.token_file is not None:
        env["GIT_ASKPASS"] = str(_write_askpass(helper_dir))
        env["GITOPS_VELA_GIT_TOKEN_FILE"] = str(credentials.token_file.resolve())
        env["GITOPS_VELA_GIT_USERNAME"] = credentials.username
    if credentials.ssh_key_file is not None or credentials.known_hosts_file is not None:
        env["GIT_SSH_COMMAND"] = ssh_command(credentials)
    return GitRunner(
        timeout=timeout,
        env=env,
        config=("credential.helper=",),
        on_op=on_op,
        secrets=credentials.secrets,
    )


def ssh_command(credentials: Credentials) -> str:
    """The ``ssh`` command line Git uses: our key only, no prompts, known hosts only."""
    args = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    if credentials.ssh_key_file is not None:
        args += ["-i", str(credentials.ssh_key_file.resolve()), "-o", "IdentitiesOnly=yes"]
    if credentials.known_hosts_file is not None:
        args += ["-o", f"UserKnownHostsFile={credentials.known_hosts_file.resolve()}"]
    return shlex.join(args)


def _write_askpass(helper_dir: Path) -> Path:
    helper_dir.mkdir(parents=True, exist_ok=True)
    script = helper_dir / "askpass.sh"
    if not script.exists() or script.read_text() != _ASKPASS:
        tmp = helper_dir / f".askpass.{os.getpid()}.tmp"
        tmp.write_text(_ASKPASS)
        tmp.chmod(0o700)
        tmp.replace(script)
    return script
