"""One frozen settings tree for the daemon and the commands (DESIGN §9).

Built from a config file, command-line flags and the environment, then passed
explicitly; nothing reads settings from globals. Precedence: flags, then the
environment, then the file, then the defaults below.

::

    Settings
    ├── cluster: ClusterSettings          kubeconfig, context, embedded
    ├── server: ServerSettings            listen host/port, webhook secret file
    ├── repositories: (RepositorySettings, ...)
    │   ├── credentials: CredentialSettings
    │   └── status: StatusSettings
    ├── capability_centers: (CapabilityCenterSettings, ...)
    └── cache_dir, namespace, log_level, log_format, shutdown_timeout

Every problem in the file is reported at once as ``file:line: key: message``
(a ``ConfigError`` of ``Diagnostic`` values).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

DEFAULT_LISTEN = "0.0.0.0:9440"
DEFAULT_STATUS_BRANCH = "gitops-vela/status"
DEFAULT_NAMESPACE = "gitops-vela-system"
DEFAULT_INTERVAL = 60.0
LOG_FORMATS = ("auto", "json", "console")


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``30s``, ``5m``, ``1h``, ``250ms`` or plain seconds (``90``)."""
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"duration must not be negative: {text}")
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 5m, 1h or plain seconds")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


# --------------------------------------------------------------------------- the tree


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
class RepositorySettings:
    name: str
    url: str
    branch: str = "main"
    path: str = "."
    interval: float = DEFAULT_INTERVAL
    namespace: str = "default"
    prune: bool = True
    suspend: bool = False
    credentials: CredentialSettings = field(default_factory=CredentialSettings)
    status: StatusSettings = field(default_factory=StatusSettings)


@dataclass(frozen=True, slots=True)
class CapabilityCenterSettings:
    name: str
    url: str
    ref: str = "main"
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
    config_file: Path | None = None  # re-read on SIGHUP

    def repository(self, name: str) -> RepositorySettings | None:
        return next((r for r in self.repositories if r.name == name), None)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-vela"


# --------------------------------------------------------------------------- helpers


def repository_name(url: str) -> str:
    """A DNS-1123 label derived from a URL or path: ``.../acme/shop.git`` -> ``shop``."""
    text = url.rstrip("/")
    if text.endswith(".git"):
        text = text[:-4]
    last = re.split(r"[/:\\]", text)[-1] or "repo"
    name = re.sub(r"[^a-z0-9-]+", "-", last.lower()).strip("-")[:63].strip("-")
    return name or "repo"


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``[::1]:PORT``."""
    match = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d+)|([^:\[\]]*):(\d+)", text.strip())
    if not match:
        raise ValueError(f"invalid listen address {text!r}: use HOST:PORT, e.g. 0.0.0.0:9440")
    host = match.group(1) or match.group(3) or "0.0.0.0"
    port = int(match.group(2) or match.group(4))
    if not 0 <= port <= 65535:
        raise ValueError(f"invalid port {port} in {text!r}")
    return host, port


def absolute_url(url: str, *, base: Path) -> str:
    """Local paths become absolute (relative to ``base``); URLs are left alone."""
    if "://" in url or re.match(r"^[\w.-]+@[\w.-]+:", url):
        return url
    return str((base / Path(url).expanduser()).resolve())


def read_secret_file(path: Path) -> bytes:
    """The secret in ``path`` without its trailing newline. Never logged."""
    try:
        return path.read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise ConfigError(
            Diagnostic(path=str(path), message=f"cannot read secret file: {exc.strerror}")
        ) from exc


# --------------------------------------------------------------------------- the file

_DURATION_SCHEMA = {"type": ["string", "number"]}
_PATH = {"type": ["string", "null"]}
_CREDENTIALS = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {"tokenFile": _PATH, "sshKeyFile": _PATH, "knownHostsFile": _PATH},
}
_NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"}
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
                    "prune": {"type": "boolean"},
                    "suspend": {"type": "boolean"},
                    "credentials": _CREDENTIALS,
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


class _Located:
    """Maps a key path in the parsed YAML to its 1-based line (from the node tree)."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._root = root

    def line(self, path: Sequence[str | int]) -> int:
        node = self._root
        line = 1 if node is None else node.start_mark.line + 1
        for step in path:
            node = self._child(node, step)
            if node is None:
                break
            line = node.start_mark.line + 1
        return line

    @staticmethod
    def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    found: yaml.Node = value
                    return found
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child: yaml.Node = node.value[step]
            return child
        return None


def key_path(path: Sequence[str | int]) -> str:
    """``("repositories", 0, "url")`` -> ``repositories[0].url``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


class _Collector:
    """Gathers diagnostics for one file so every problem is reported at once."""

    def __init__(self, file: Path, located: _Located) -> None:
        self.file, self.located, self.items = file, located, list[Diagnostic]()

    def add(self, path: Sequence[str | int], message: str) -> None:
        line = self.located.line(path)
        self.items.append(
            Diagnostic(path=str(self.file), line=line, key=key_path(path), message=message)
        )

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(sorted(self.items, key=lambda d: (d.line, d.key)))


def load_config_file(path: Path, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a config file (DESIGN §9), then apply the environment."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            Diagnostic(path=str(path), message=f"cannot read config: {exc.strerror}")
        ) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise ConfigError(
            Diagnostic(path=str(path), line=line, message=f"invalid YAML: {exc}")
        ) from exc
    issues = _Collector(path, _Located(node))
    if not isinstance(data, dict):
        issues.add((), "the config must be a mapping with at least `repositories`")
        issues.raise_if_any()
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    for error in validator.iter_errors(data):
        issues.add(list(error.absolute_path), _schema_message(error))
    issues.raise_if_any()
    settings = _build(data, file=path.resolve(), issues=issues)
    issues.raise_if_any()
    return apply_environment(settings, os.environ if environ is None else environ)


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = sorted((schema.get("properties") or {}).keys())
        return f"{error.message}; known keys: {', '.join(known)}"
    if error.validator == "pattern":
        return f"{error.instance!r} is not a valid name (lowercase letters, digits and '-')"
    return str(error.message)


def _build(data: Mapping[str, Any], *, file: Path, issues: _Collector) -> Settings:
    base = file.parent
    cluster = data.get("cluster") or {}
    server = data.get("server") or {}
    log = data.get("log") or {}
    try:
        host, port = parse_listen(server.get("listen", DEFAULT_LISTEN))
    except ValueError as exc:
        issues.add(("server", "listen"), str(exc))
        host, port = "0.0.0.0", 9440
    repos = tuple(
        _repository(item, index=i, base=base, issues=issues)
        for i, item in enumerate(data["repositories"])
    )
    _unique([r.name for r in repos], "repositories", issues)
    centers = tuple(
        _center(item, index=i, base=base)
        for i, item in enumerate(data.get("capabilityCenters") or ())
    )
    _unique([c.name for c in centers], "capabilityCenters", issues)
    return Settings(
        repositories=repos,
        cluster=ClusterSettings(
            kubeconfig=_path(cluster.get("kubeconfig"), base),
            context=cluster.get("context"),
            embedded=bool(cluster.get("embedded", False)),
        ),
        server=ServerSettings(
            host=host, port=port, webhook_secret_file=_path(server.get("webhookSecretFile"), base)
        ),
        capability_centers=centers,
        cache_dir=_path(data.get("cacheDir"), base) or default_cache_dir(),
        namespace=data.get("namespace", DEFAULT_NAMESPACE),
        log_level=log.get("level", "info"),
        log_format=log.get("format", "auto"),
        shutdown_timeout=_duration(data, "shutdownTimeout", 30.0, path=(), issues=issues),
        leader_election=_leader_election(data.get("leaderElection") or {}, issues=issues),
        config_file=file,
    )


def _repository(
    item: Mapping[str, Any], *, index: int, base: Path, issues: _Collector
) -> RepositorySettings:
    at = ("repositories", index)
    status = item.get("status") or {}
    interval = _duration(item, "interval", DEFAULT_INTERVAL, path=at, issues=issues)
    if interval < 1:
        issues.add((*at, "interval"), "must be at least 1s")
    subdir = Path(item.get("path", "."))
    if subdir.is_absolute() or ".." in subdir.parts:
        issues.add((*at, "path"), "must be a folder inside the repository (relative, no '..')")
    return RepositorySettings(
        name=item.get("name") or repository_name(item["url"]),
        url=absolute_url(item["url"], base=base),
        branch=item.get("branch", "main"),
        path=item.get("path", "."),
        interval=interval,
        namespace=item.get("namespace", "default"),
        prune=item.get("prune", True),
        suspend=item.get("suspend", False),
        credentials=_credentials(item.get("credentials"), base),
        status=StatusSettings(
            branch=status.get("branch", DEFAULT_STATUS_BRANCH),
            enabled=status.get("enabled", True),
            author_name=status.get("authorName", "gitops-vela"),
            author_email=status.get("authorEmail", "gitops-vela@localhost"),
        ),
    )


def _leader_election(data: Mapping[str, Any], *, issues: _Collector) -> LeaderElectionSettings:
    duration = _duration(data, "leaseDuration", 15.0, path=("leaderElection",), issues=issues)
    if duration < 3:
        issues.add(("leaderElection", "leaseDuration"), "must be at least 3s")
    return LeaderElectionSettings(
        enabled=data.get("enabled", "mode" in data),
        lease_name=data.get("leaseName", "gitops-vela"),
        lease_duration=duration,
        mode=data.get("mode", "leader"),
    )


def _center(item: Mapping[str, Any], *, index: int, base: Path) -> CapabilityCenterSettings:
    return CapabilityCenterSettings(
        name=item.get("name") or repository_name(item["url"]),
        url=absolute_url(item["url"], base=base),
        ref=item.get("ref", "main"),
        path=item.get("path", "definitions"),
        credentials=_credentials(item.get("credentials"), base),
    )


def _credentials(data: Mapping[str, Any] | None, base: Path) -> CredentialSettings:
    data = data or {}
    return CredentialSettings(
        token_file=_path(data.get("tokenFile"), base),
        ssh_key_file=_path(data.get("sshKeyFile"), base),
        known_hosts_file=_path(data.get("knownHostsFile"), base),
    )


def _duration(
    data: Mapping[str, Any],
    key: str,
    default: float,
    *,
    path: tuple[str | int, ...],
    issues: _Collector,
) -> float:
    if data.get(key) is None:
        return default
    try:
        return parse_duration(data[key])
    except ValueError as exc:
        issues.add((*path, key), str(exc))
        return default


def _unique(names: list[str], where: str, issues: _Collector) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            issues.add(
                (where, index),
                f"duplicate name {name!r}: give each entry a distinct `name`",
            )
        seen.add(name)


def _path(value: str | None, base: Path) -> Path | None:
    if not value:
        return None
    return (base / Path(value).expanduser()).resolve()


# --------------------------------------------------------------------------- flags and env


@dataclass(frozen=True, slots=True)
class SingleRepository:
    """The ``run --repo`` flags: one repository, no config file (DESIGN §8)."""

    url: str
    branch: str = "main"
    path: str = "."
    interval: float = DEFAULT_INTERVAL
    namespace: str = "default"
    prune: bool = False
    status_branch: str = DEFAULT_STATUS_BRANCH
    status_enabled: bool = True
    name: str = ""
    credentials: CredentialSettings = field(default_factory=CredentialSettings)


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
    if repo.interval < 1:
        raise ConfigError(Diagnostic(path="--interval", message="must be at least 1s"))
    if Path(repo.path).is_absolute() or ".." in Path(repo.path).parts:
        raise ConfigError(
            Diagnostic(path="--path", message="must be a folder inside the repository")
        )
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


ENV_PREFIX = "GITOPS_VELA_"


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """``GITOPS_VELA_{CACHE_DIR,NAMESPACE,LOG_LEVEL,LOG_FORMAT,LISTEN}`` over the file.

    ``POD_NAMESPACE`` (the downward API) sets the namespace when nothing else does.
    """
    changes: dict[str, Any] = {}
    if value := environ.get(ENV_PREFIX + "CACHE_DIR"):
        changes["cache_dir"] = Path(value).expanduser().resolve()
    if value := environ.get(ENV_PREFIX + "NAMESPACE") or environ.get("POD_NAMESPACE"):
        changes["namespace"] = value
    if value := environ.get(ENV_PREFIX + "LOG_LEVEL"):
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ConfigError(
                Diagnostic(path=ENV_PREFIX + "LOG_LEVEL", message=f"unknown level {value!r}")
            )
        changes["log_level"] = value.lower()
    if value := environ.get(ENV_PREFIX + "LOG_FORMAT"):
        if value not in LOG_FORMATS:
            raise ConfigError(
                Diagnostic(
                    path=ENV_PREFIX + "LOG_FORMAT",
                    message=f"unknown format {value!r}: use {', '.join(LOG_FORMATS)}",
                )
            )
        changes["log_format"] = value
    if value := environ.get(ENV_PREFIX + "LISTEN"):
        try:
            host, port = parse_listen(value)
        except ValueError as exc:
            raise ConfigError(Diagnostic(path=ENV_PREFIX + "LISTEN", message=str(exc))) from exc
        changes["server"] = _replace(settings.server, host=host, port=port)
    return _replace(settings, **changes)
