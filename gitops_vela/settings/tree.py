"""The frozen settings dataclasses and their defaults (DESIGN §9).

::

    Settings
    ├── cluster: ClusterSettings          kubeconfig, context, embedded
    ├── server: ServerSettings            listen host/port, webhook secret file
    ├── repositories: (RepositorySettings, ...)
    │   ├── credentials: CredentialSettings
    │   ├── policy: PolicySettings
    │   └── status: StatusSettings
    ├── capability_centers: (CapabilityCenterSettings, ...)
    ├── leader_election: LeaderElectionSettings
    ├── render: RenderSettings             Jsonnet workers, memory, time per evaluation
    └── cache_dir, namespace, log_level, log_format, shutdown_timeout
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from gitops_vela.model.appfile import DEFAULT_APP_GLOBS

DEFAULT_LISTEN = "0.0.0.0:9440"
DEFAULT_STATUS_BRANCH = "gitops-vela/status"
DEFAULT_RENDERED_BRANCH = "gitops-vela/rendered"
DEFAULT_NAMESPACE = "gitops-vela-system"
DEFAULT_INTERVAL = 60.0
DEFAULT_BRANCH = "main"  # of a repository, and the ref of a capability center
DEFAULT_PATH = "."  # the folder of a repository that holds its apps
DEFAULT_APP_NAMESPACE = "default"  # for Appfiles that name none
LOG_FORMATS = ("auto", "json", "console")
DEFAULT_RENDER_TIMEOUT = 10.0  # seconds per template evaluation
DEFAULT_RENDER_MEMORY_MB = 4096  # address space per Jsonnet worker
MAX_DEFAULT_RENDER_WORKERS = 4


@dataclass(frozen=True, slots=True)
class CredentialSettings:
    """Where a repository's secrets live. Only file paths: values never enter settings."""

    token_file: Path | None = None
    ssh_key_file: Path | None = None
    known_hosts_file: Path | None = None


@dataclass(frozen=True, slots=True)
class StatusSettings:
    branch: str = DEFAULT_STATUS_BRANCH
    enabled: bool = True
    author_name: str = "gitops-vela"
    author_email: str = "gitops-vela@localhost"


@dataclass(frozen=True, slots=True)
class PromotionSettings:
    """``promotion: {from: staging, healthyFor: 10m}``: apply only what ``source`` has proven.

    The commit staging's folder of the status branch shows every app Synced and
    Healthy at, for ``healthy_for`` seconds; read from Git, never from staging's cluster.
    """

    source: str  # the environment promoted from (``from``)
    healthy_for: float = 0.0


@dataclass(frozen=True, slots=True)
class RenderedSettings:
    """``rendered:``: commit the manifests the daemon applies to a branch of the repository.

    ``mask_secrets`` (``maskSecrets``): Secret values become ``***``; a person
    turns it off only for a repository whose readers may see them.
    """

    branch: str = DEFAULT_RENDERED_BRANCH
    mask_secrets: bool = True


DEFAULT_PRUNE_LIMIT = 50.0
"""``pruneLimit``: one sync may prune at most this percentage of a repository's objects."""

DRIFT_MODES = ("correct", "detect", "ignore")
DEFAULT_DRIFT = "correct"
"""``drift``: correct live edits (re-apply), only report them, or leave them alone."""


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """A repository's ``policy:`` block: what its rendered objects may touch.

    The defaults allow everything, so a repository without a block behaves as before.
    ``cluster_scoped``: ``False`` refuses every cluster-scoped object, ``True`` allows
    all, a tuple allows those kinds only. Kind patterns are ``group/Kind`` (core
    kinds have no group) with ``*`` wildcards; deny wins over allow.
    """

    namespaces: tuple[str, ...] = ("*",)
    cluster_scoped: bool | tuple[str, ...] = True
    allow_kinds: tuple[str, ...] = ("*",)
    deny_kinds: tuple[str, ...] = ()
    adoption: bool = True


@dataclass(frozen=True, slots=True)
class RolloutSettings:
    """``rollout:``: definition changes reach the apps they touch in waves, gated on health.

    ``waves`` are cumulative: ``"1"`` is one app, ``"10%"`` a tenth of the
    apps the change touches (rounded up); the last wave always reaches all.
    """

    waves: tuple[str, ...] = ("1", "10%", "50%", "100%")
    pause: float = 120.0  # seconds between waves, after the gate holds
    health_gate: float = 300.0  # seconds for every app of a wave to be Healthy
    order: tuple[str, ...] = ("gitops-vela.dev/rollout-tier",)  # Appfile label/annotation keys
    on_failure: str = "halt"  # "halt": reached apps stay; "rollback": they go back


ON_FAILURE = ("halt", "rollback")


@dataclass(frozen=True, slots=True)
class RepositorySettings:
    name: str
    url: str
    branch: str = DEFAULT_BRANCH
    path: str = DEFAULT_PATH
    interval: float = DEFAULT_INTERVAL
    namespace: str = DEFAULT_APP_NAMESPACE
    prune: bool = True
    suspend: bool = False
    credentials: CredentialSettings = field(default_factory=CredentialSettings)
    status: StatusSettings = field(default_factory=StatusSettings)
    app_globs: tuple[str, ...] = DEFAULT_APP_GLOBS  # where its Appfiles are (``appGlobs``)
    allow_empty: bool = False  # a render of zero apps may prune every app (allowEmpty)
    prune_limit: float | None = DEFAULT_PRUNE_LIMIT  # percent of objects per sync; None: no limit
    policy: PolicySettings = field(default_factory=PolicySettings)
    service_account_name: str | None = None  # impersonated for its requests (serviceAccountName)
    service_account_namespace: str | None = None  # None: the daemon's namespace
    environment: str = ""  # whose values the Appfiles take (``environment``); "" = the base
    promotion: PromotionSettings | None = None  # apply only what another environment proved
    rollout: RolloutSettings | None = None  # None: definition changes reach every app at once
    rendered: RenderedSettings | None = None  # ``rendered:``; None: no rendered branch
    drift: str = DEFAULT_DRIFT  # correct | detect | ignore (``drift``): what live edits get


@dataclass(frozen=True, slots=True)
class CapabilityCenterSettings:
    name: str
    url: str
    ref: str = DEFAULT_BRANCH
    path: str = "definitions"
    credentials: CredentialSettings = field(default_factory=CredentialSettings)


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Nothing set: in-cluster, then kubeconfig (like kubectl)."""

    kubeconfig: Path | None = None
    context: str | None = None
    embedded: bool = False


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "0.0.0.0"
    port: int = 9440
    webhook_secret_file: Path | None = None

    @property
    def listen(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class LeaderElectionSettings:
    """Several replicas: only the holder of the Lease ``namespace/lease_name`` reconciles."""

    enabled: bool = False
    lease_name: str = "gitops-vela"
    lease_duration: float = 15.0
    mode: str = "leader"  # "shard": repositories spread over replicas (daemon/shards.py)
    app_shards: int = 0  # shard mode: buckets of apps per repository (0: whole repositories)


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """How templates are evaluated: the warm Jsonnet workers and the limits of one evaluation.

    ``workers``: processes in the pool (the CPU count, at most 4, unless set);
    ``memory_mb``: each worker's address space, so a runaway template aborts its
    worker instead of exhausting the machine; ``timeout``: wall-clock seconds per
    evaluation (big apps get a little more per service).
    """

    workers: int = field(default_factory=lambda: default_render_workers())
    memory_mb: int = DEFAULT_RENDER_MEMORY_MB
    timeout: float = DEFAULT_RENDER_TIMEOUT


@dataclass(frozen=True, slots=True)
class Settings:
    repositories: tuple[RepositorySettings, ...]
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    capability_centers: tuple[CapabilityCenterSettings, ...] = ()
    cache_dir: Path = field(default_factory=lambda: default_cache_dir())
    namespace: str = DEFAULT_NAMESPACE  # where inventories and leases live
    log_level: str = "info"
    log_format: str = "auto"
    shutdown_timeout: float = 30.0
    leader_election: LeaderElectionSettings = field(
        default_factory=lambda: LeaderElectionSettings()
    )
    render: RenderSettings = field(default_factory=lambda: RenderSettings())
    config_file: Path | None = None  # re-read on SIGHUP

    def repository(self, name: str) -> RepositorySettings | None:
        return next((r for r in self.repositories if r.name == name), None)


def default_render_workers() -> int:
    return min(os.cpu_count() or 1, MAX_DEFAULT_RENDER_WORKERS)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-vela"
