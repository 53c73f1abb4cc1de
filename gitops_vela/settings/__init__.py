"""One frozen settings tree for the daemon and the commands (DESIGN §9).

Built from a config file, command-line flags and the environment, then passed
explicitly; nothing reads settings from globals. Precedence: flags, then the
environment, then the file, then the defaults in ``tree``.

Modules:

- ``tree``: the frozen dataclasses (``Settings`` and its branches) and defaults
- ``durations``: ``parse_duration`` (``30s``, ``5m``, ``1h``, ``250ms``)
- ``addresses``: listen addresses, repository names and URLs from user text
- ``secretfiles``: reading a secret from the file a setting names
- ``schema``: the JSON schema of the config file
- ``configfile``: reading and validating the file (``file:line: key: message``)
- ``flags``: settings from the ``run`` flags (``--repo``, overrides)
- ``environment``: the ``GITOPS_VELA_*`` variables

Callers import from here: ``from gitops_vela.settings import Settings``.
"""

from gitops_vela.settings.addresses import (
    absolute_url,
    glob_problem,
    parse_listen,
    repository_name,
)
from gitops_vela.settings.configfile import load_config_file
from gitops_vela.settings.durations import parse_duration
from gitops_vela.settings.environment import ENV_PREFIX, apply_environment, render_settings
from gitops_vela.settings.flags import (
    Overrides,
    SingleRepository,
    apply_overrides,
    single_repository_settings,
)
from gitops_vela.settings.policyfile import load_policy_file
from gitops_vela.settings.schema import CONFIG_SCHEMA
from gitops_vela.settings.secretfiles import read_secret_file
from gitops_vela.settings.tree import (
    DEFAULT_INTERVAL,
    DEFAULT_LISTEN,
    DEFAULT_NAMESPACE,
    DEFAULT_STATUS_BRANCH,
    LOG_FORMATS,
    CapabilityCenterSettings,
    ClusterSettings,
    CredentialSettings,
    LeaderElectionSettings,
    PolicySettings,
    PromotionSettings,
    RenderedSettings,
    RenderSettings,
    RepositorySettings,
    RolloutSettings,
    ServerSettings,
    Settings,
    StatusSettings,
    default_cache_dir,
)

__all__ = [
    "CONFIG_SCHEMA",
    "DEFAULT_INTERVAL",
    "DEFAULT_LISTEN",
    "DEFAULT_NAMESPACE",
    "DEFAULT_STATUS_BRANCH",
    "ENV_PREFIX",
    "LOG_FORMATS",
    "CapabilityCenterSettings",
    "ClusterSettings",
    "CredentialSettings",
    "LeaderElectionSettings",
    "Overrides",
    "PolicySettings",
    "PromotionSettings",
    "RenderSettings",
    "RenderedSettings",
    "RepositorySettings",
    "RolloutSettings",
    "ServerSettings",
    "Settings",
    "SingleRepository",
    "StatusSettings",
    "absolute_url",
    "apply_environment",
    "apply_overrides",
    "default_cache_dir",
    "glob_problem",
    "load_config_file",
    "load_policy_file",
    "parse_duration",
    "parse_listen",
    "read_secret_file",
    "render_settings",
    "repository_name",
    "single_repository_settings",
]
