"""``--policy FILE``: a repository's ``policy:`` block on its own, for CI and one-shot commands.

The file holds the same block as a repository entry of the daemon config
(``policy:`` at the top), checked by the same schema, so ``validate``,
``review`` and ``apply`` reach the verdicts the daemon reaches.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.configfile import policy_settings, schema_message
from gitops_vela.settings.schema import POLICY_SCHEMA
from gitops_vela.settings.tree import PolicySettings
from gitops_vela.yamldoc import YamlError, key_text, load_document

_FILE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["policy"],
    "properties": {"policy": POLICY_SCHEMA},
}


def load_policy_file(path: Path) -> PolicySettings:
    """The ``policy:`` block of ``path``; every problem at once as ``file:line: key: message``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(Diagnostic(str(path), f"cannot read policy: {exc.strerror}")) from exc
    try:
        document = load_document(text, path=str(path))
    except YamlError as exc:
        raise ConfigError(exc.diagnostic) from exc
    data = document.value
    if not isinstance(data, dict):
        raise ConfigError(
            Diagnostic(str(path), "a policy file is a mapping with one key, `policy:`", 1)
        )
    problems = [
        Diagnostic(
            str(path),
            schema_message(error),
            document.line_of(tuple(error.absolute_path)),
            key_text(tuple(error.absolute_path)),
        )
        for error in jsonschema.Draft202012Validator(_FILE_SCHEMA).iter_errors(data)
    ]
    if problems:
        raise ConfigError(sorted(problems, key=lambda d: (d.line, d.key)))
    return policy_settings(data["policy"])
