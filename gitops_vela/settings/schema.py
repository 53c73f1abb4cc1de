"""The JSON schema of the config file (DESIGN §9), checked before any value is built."""

from __future__ import annotations

from typing import Any

from gitops_vela.settings.tree import DRIFT_MODES, LOG_FORMATS, ON_FAILURE

_DURATION_SCHEMA = {"type": ["string", "number"]}
_PATH = {"type": ["string", "null"]}
_CREDENTIALS = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {"tokenFile": _PATH, "sshKeyFile": _PATH, "knownHostsFile": _PATH},
}
_NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"}
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
POLICY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "namespaces": _STRINGS,
        "clusterScoped": {"oneOf": [{"type": "boolean"}, _STRINGS]},
        "kinds": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"allow": _STRINGS, "deny": _STRINGS},
        },
        "adoption": {"type": "boolean"},
    },
}
"""The ``policy:`` block of a repository, also the content of a ``--policy`` file."""
_POLICY = POLICY_SCHEMA
CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "cluster": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "kubeconfig": _PATH,
                "context": {"type": ["string", "null"]},
                "embedded": {"type": "boolean"},
            },
        },
        "server": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {"listen": {"type": "string"}, "webhookSecretFile": _PATH},
        },
        "cacheDir": _PATH,
        "namespace": _NAME,
        "log": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "level": {"enum": ["debug", "info", "warning", "error"]},
                "format": {"enum": list(LOG_FORMATS)},
            },
        },
        "shutdownTimeout": _DURATION_SCHEMA,
        "leaderElection": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "enabled": {"type": "boolean"},
                "mode": {"enum": ["leader", "shard"]},
                "leaseName": _NAME,
                "leaseDuration": _DURATION_SCHEMA,
                # mode shard: apps of a repository spread over this many buckets (0: whole)
                "appShards": {"type": "integer", "minimum": 0, "maximum": 1024},
            },
        },
        "repositories": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["url"],
                "additionalProperties": False,
                "properties": {
                    "name": _NAME,
                    "url": {"type": "string", "minLength": 1},
                    "branch": {"type": "string", "minLength": 1},
                    "path": {"type": "string", "minLength": 1},
                    "interval": _DURATION_SCHEMA,
                    "namespace": _NAME,
                    "environment": _NAME,
                    "promotion": {
                        "type": "object",
                        "required": ["from"],
                        "additionalProperties": False,
                        "properties": {"from": _NAME, "healthyFor": _DURATION_SCHEMA},
                    },
                    "prune": {"type": "boolean"},
                    "allowEmpty": {"type": "boolean"},
                    "pruneLimit": {"type": ["string", "number"]},
                    "drift": {"enum": list(DRIFT_MODES)},
                    "suspend": {"type": "boolean"},
                    "appGlobs": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "minLength": 1},
                    },
                    "credentials": _CREDENTIALS,
                    "policy": _POLICY,
                    "serviceAccountName": _NAME,
                    "serviceAccountNamespace": _NAME,
                    "rollout": {
                        "type": ["object", "null"],
                        "additionalProperties": False,
                        "properties": {
                            "waves": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": ["string", "integer"]},
                            },
                            "pause": _DURATION_SCHEMA,
                            "healthGate": _DURATION_SCHEMA,
                            "order": {"type": "array", "items": {"type": "string", "minLength": 1}},
                            "onFailure": {"enum": list(ON_FAILURE)},
                        },
                    },
                    "rendered": {
                        "type": ["object", "null"],
                        "additionalProperties": False,
                        "properties": {
                            "branch": {"type": "string", "minLength": 1},
                            "maskSecrets": {"type": "boolean"},
                        },
                    },
                    "status": {
                        "type": ["object", "null"],
                        "additionalProperties": False,
                        "properties": {
                            "branch": {"type": "string", "minLength": 1},
                            "enabled": {"type": "boolean"},
                            "authorName": {"type": "string", "minLength": 1},
                            "authorEmail": {"type": "string", "minLength": 1},
                        },
                    },
                },
            },
        },
        "capabilityCenters": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["url"],
                "additionalProperties": False,
                "properties": {
                    "name": _NAME,
                    "url": {"type": "string", "minLength": 1},
                    "ref": {"type": "string", "minLength": 1},
                    "path": {"type": "string", "minLength": 1},
                    "credentials": _CREDENTIALS,
                },
            },
        },
    },
    "required": ["repositories"],
}
