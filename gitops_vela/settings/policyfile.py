"""``--policy FILE``: a repository's ``policy:`` block on its own, for CI and one-shot commands.

The file holds the same block as a repository entry of the daemon config
(``policy:`` at the top), checked by the same schema, so ``validate``,
``review`` and ``apply`` reach the verdicts the daemon reaches.
"""

from __future__ import annotations

from pathlib import Path

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.configfile import check_schema, policy_settings, read_document
from gitops_vela.settings.schema import POLICY_SCHEMA
from gitops_vela.settings.tree import PolicySettings

_FILE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["policy"],
    "properties": {"policy": POLICY_SCHEMA},
}


def load_policy_file(path: Path) -> PolicySettings:
    """The ``policy:`` block of ``path``; every problem at once as ``file:line: key: message``."""
    document = read_document(path, what="policy")
    if not isinstance(document.value, dict):
        raise ConfigError(
            Diagnostic(str(path), "a policy file is a mapping with one key, `policy:`", 1)
        )
    check_schema(document, _FILE_SCHEMA, file=path)
    return policy_settings(document.value["policy"])
