"""Settings from the ``run`` flags: ``--repo`` without a config file, and overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from pathlib import Path

from gitops_vela.errors import ConfigError
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.addresses import (
    absolute_url,
    glob_problem,
    parse_listen,
    repository_name,
)
from gitops_vela.settings.environment import apply_environment
from gitops_vela.settings.tree import (
    DEFAULT_APP_NAMESPACE,
    DEFAULT_BRANCH,
    DEFAULT_INTERVAL,
    DEFAULT_PATH,
    DEFAULT_STATUS_BRANCH,
    CredentialSettings,
    RepositorySettings,
    Settings,
    StatusSettings,
)
from gitops_vela.settings.urlcredentials import credentials_refusal


@dataclass(frozen=True, slots=True)
class SingleRepository:
    """The ``run --repo`` flags: one repository, no config file (DESIGN §8)."""

    url: str
    branch: str = DEFAULT_BRANCH
    path: str = DEFAULT_PATH
    interval: float = DEFAULT_INTERVAL
    namespace: str = DEFAULT_APP_NAMESPACE
    prune: bool = False
    status_branch: str = DEFAULT_STATUS_BRANCH
    status_enabled: bool = True
    name: str = ""
    credentials: CredentialSettings = field(default_factory=CredentialSettings)
    app_globs: tuple[str, ...] = DEFAULT_APP_GLOBS
    environment: str = ""


@dataclass(frozen=True, slots=True)
class Overrides:
    """Flags that apply in both modes (config file or ``--repo``). ``None``: not given."""

    listen: str | None = None
    webhook_secret_file: Path | None = None
    embedded_cluster: bool | None = None
    cache_dir: Path | None = None
    kubeconfig: Path | None = None
    context: str | None = None


def single_repository_settings(
    repo: SingleRepository, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings for ``run --repo URL ...`` (relative local paths resolve from the cwd)."""
    if refusal := credentials_refusal(repo.url):
        raise ConfigError(Diagnostic(path="--repo", message=refusal))
    if repo.interval < 1:
        raise ConfigError(Diagnostic(path="--interval", message="must be at least 1s"))
    if Path(repo.path).is_absolute() or ".." in Path(repo.path).parts:
        raise ConfigError(
            Diagnostic(path="--path", message="must be a folder inside the repository")
        )
    for glob in repo.app_globs:
        if problem := glob_problem(glob):
            raise ConfigError(Diagnostic(path="--app-glob", message=problem))
    settings = Settings(
        repositories=(
            RepositorySettings(
                name=repo.name or repository_name(repo.url),
                url=absolute_url(repo.url, base=Path.cwd()),
                branch=repo.branch,
                path=repo.path,
                interval=repo.interval,
                namespace=repo.namespace,
                prune=repo.prune,
                credentials=repo.credentials,
                status=StatusSettings(branch=repo.status_branch, enabled=repo.status_enabled),
                app_globs=repo.app_globs,
                environment=repo.environment,
            ),
        ),
    )
    return apply_environment(settings, os.environ if environ is None else environ)


def apply_overrides(settings: Settings, overrides: Overrides) -> Settings:
    """Command-line flags win over the file and the environment."""
    server, cluster = settings.server, settings.cluster
    if overrides.listen is not None:
        try:
            host, port = parse_listen(overrides.listen)
        except ValueError as exc:
            raise ConfigError(Diagnostic(path="--listen", message=str(exc))) from exc
        server = _replace(server, host=host, port=port)
    if overrides.webhook_secret_file is not None:
        server = _replace(server, webhook_secret_file=overrides.webhook_secret_file.resolve())
    if overrides.embedded_cluster is not None:
        cluster = _replace(cluster, embedded=overrides.embedded_cluster)
    if overrides.kubeconfig is not None:
        cluster = _replace(cluster, kubeconfig=overrides.kubeconfig.resolve())
    if overrides.context is not None:
        cluster = _replace(cluster, context=overrides.context)
    cache_dir = overrides.cache_dir.resolve() if overrides.cache_dir else settings.cache_dir
    return _replace(settings, server=server, cluster=cluster, cache_dir=cache_dir)
