"""Reading and validating the config file (DESIGN §9) into a ``Settings`` tree.

Every problem in the file is reported at once as ``file:line: key: message``
(a ``ConfigError`` of ``Diagnostic`` values).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema

from gitops_vela.errors import ConfigError
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.addresses import (
    absolute_url,
    glob_problem,
    parse_listen,
    repository_name,
)
from gitops_vela.settings.durations import parse_duration
from gitops_vela.settings.environment import apply_environment
from gitops_vela.settings.schema import CONFIG_SCHEMA
from gitops_vela.settings.tree import (
    DEFAULT_LISTEN,
    DEFAULT_PRUNE_LIMIT,
    DEFAULT_STATUS_BRANCH,
    CapabilityCenterSettings,
    ClusterSettings,
    CredentialSettings,
    LeaderElectionSettings,
    PolicySettings,
    PromotionSettings,
    RenderedSettings,
    RepositorySettings,
    RolloutSettings,
    ServerSettings,
    Settings,
    StatusSettings,
    default_cache_dir,
)
from gitops_vela.settings.urlcredentials import credentials_refusal
from gitops_vela.yamldoc import Document, YamlError, key_text, load_document


class _Collector:
    """Gathers diagnostics for one file so every problem is reported at once."""

    def __init__(self, file: Path, document: Document) -> None:
        self.file, self.document, self.items = file, document, list[Diagnostic]()

    def add(self, path: Sequence[str | int], message: str) -> None:
        line = self.document.line_of(tuple(path))
        self.items.append(
            Diagnostic(path=str(self.file), line=line, key=key_text(tuple(path)), message=message)
        )

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(sorted(self.items, key=lambda d: (d.line, d.key)))


def load_config_file(path: Path, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a config file (DESIGN §9), then apply the environment."""
    document = read_document(path, what="config")
    data = document.value
    issues = _Collector(path, document)
    if not isinstance(data, dict):
        issues.add((), "the config must be a mapping with at least `repositories`")
        issues.raise_if_any()
    check_schema(document, CONFIG_SCHEMA, file=path)
    settings = _build(data, file=path.resolve(), issues=issues)
    issues.raise_if_any()
    return apply_environment(settings, os.environ if environ is None else environ)


def read_document(path: Path, *, what: str) -> Document:
    """The YAML document of a settings file (``what``: config, policy); a file that cannot
    be read or parsed is a ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            Diagnostic(path=str(path), message=f"cannot read {what}: {exc.strerror}")
        ) from exc
    try:
        return load_document(text, path=str(path))
    except YamlError as exc:
        raise ConfigError(exc.diagnostic) from exc


def check_schema(document: Document, schema: Mapping[str, Any], *, file: Path) -> None:
    """Every place ``document`` breaks ``schema``, at once, as ``file:line: key: message``."""
    issues = _Collector(file, document)
    for error in jsonschema.Draft202012Validator(schema).iter_errors(document.value):
        issues.add(list(error.absolute_path), _schema_message(error))
    issues.raise_if_any()


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
        host, port = parse_listen(DEFAULT_LISTEN)
    repos = tuple(
        _repository(item, index=i, base=base, issues=issues)
        for i, item in enumerate(data["repositories"])
    )
    _unique([r.name for r in repos], "repositories", issues)
    centers = tuple(
        _center(item, index=i, base=base, issues=issues)
        for i, item in enumerate(data.get("capabilityCenters") or ())
    )
    _unique([c.name for c in centers], "capabilityCenters", issues)
    return Settings(
        repositories=repos,
        cluster=ClusterSettings(
            kubeconfig=_path(cluster.get("kubeconfig"), base),
            **_given(cluster, context="context", embedded="embedded"),
        ),
        server=ServerSettings(
            host=host, port=port, webhook_secret_file=_path(server.get("webhookSecretFile"), base)
        ),
        capability_centers=centers,
        cache_dir=_path(data.get("cacheDir"), base) or default_cache_dir(),
        leader_election=_leader_election(data.get("leaderElection") or {}, issues=issues),
        config_file=file,
        **_given(data, namespace="namespace"),
        **_given(log, log_level="level", log_format="format"),
        **_present(shutdown_timeout=_duration(data, "shutdownTimeout", path=(), issues=issues)),
    )


def _repository(
    item: Mapping[str, Any], *, index: int, base: Path, issues: _Collector
) -> RepositorySettings:
    at = ("repositories", index)
    status = item.get("status") or {}
    interval = _duration(item, "interval", path=at, issues=issues)
    if interval is not None and interval < 1:
        issues.add((*at, "interval"), "must be at least 1s")
    _refuse_credentials(item["url"], at=at, issues=issues)
    subdir = Path(item.get("path", "."))
    if subdir.is_absolute() or ".." in subdir.parts:
        issues.add((*at, "path"), "must be a folder inside the repository (relative, no '..')")
    promotion = _promotion(item, at=at, issues=issues)
    globs = tuple(item.get("appGlobs") or DEFAULT_APP_GLOBS)
    for position, glob in enumerate(globs):
        if problem := glob_problem(glob):
            issues.add((*at, "appGlobs", position), problem)
    return RepositorySettings(
        name=item.get("name") or repository_name(item["url"]),
        url=absolute_url(item["url"], base=base),
        app_globs=globs,
        credentials=_credentials(item.get("credentials"), base),
        prune_limit=_percent(item, "pruneLimit", at, issues=issues),
        policy=policy_settings(item.get("policy")),
        promotion=promotion,
        rollout=_rollout(item.get("rollout"), (*at, "rollout"), issues=issues),
        rendered=_rendered(item, at, issues=issues),
        status=StatusSettings(
            **_given(
                status,
                branch="branch",
                enabled="enabled",
                author_name="authorName",
                author_email="authorEmail",
            )
        ),
        **_given(
            item,
            branch="branch",
            path="path",
            namespace="namespace",
            environment="environment",
            prune="prune",
            suspend="suspend",
            allow_empty="allowEmpty",
            service_account_name="serviceAccountName",
            service_account_namespace="serviceAccountNamespace",
            drift="drift",
        ),
        **_present(interval=interval),
    )


def policy_settings(block: Mapping[str, Any] | None) -> PolicySettings:
    """A schema-checked ``policy:`` block; absent keys keep the allow-all defaults."""
    block = block or {}
    kinds = block.get("kinds") or {}
    scoped = block.get("clusterScoped", True)
    return PolicySettings(
        namespaces=tuple(block.get("namespaces", ("*",))),
        cluster_scoped=scoped if isinstance(scoped, bool) else tuple(scoped),
        allow_kinds=tuple(kinds.get("allow", ("*",))),
        deny_kinds=tuple(kinds.get("deny", ())),
        adoption=bool(block.get("adoption", True)),
    )


def _promotion(
    item: Mapping[str, Any], *, at: tuple[str | int, ...], issues: _Collector
) -> PromotionSettings | None:
    """``promotion: {from: staging, healthyFor: 10m}`` (its shape is the schema's)."""
    data = item.get("promotion")
    if not isinstance(data, Mapping) or not isinstance(data.get("from"), str):
        return None
    where = (*at, "promotion")
    if data["from"] == item.get("environment"):
        issues.add((*where, "from"), "an environment cannot be promoted from itself")
    healthy_for = _duration(data, "healthyFor", path=where, issues=issues)
    return PromotionSettings(source=data["from"], healthy_for=healthy_for or 0.0)


def _rollout(
    data: Mapping[str, Any] | None, at: tuple[str | int, ...], *, issues: _Collector
) -> RolloutSettings | None:
    """``rollout:`` of a repository; waves are app counts (``"1"``) or percentages (``"10%"``)."""
    if data is None:
        return None
    waves = tuple(str(w).strip() for w in data.get("waves") or ())
    for position, wave in enumerate(waves):
        if problem := wave_problem(wave):
            issues.add((*at, "waves", position), problem)
    return RolloutSettings(
        **_given(data, on_failure="onFailure"),
        **_present(
            pause=_duration(data, "pause", path=at, issues=issues),
            health_gate=_duration(data, "healthGate", path=at, issues=issues),
            waves=waves or None,
            order=tuple(data["order"]) if data.get("order") is not None else None,
        ),
    )


def wave_problem(wave: str) -> str:
    """Why a ``waves`` entry is not a number of apps (``"1"``) or a percentage (``"10%"``)."""
    text = wave.removesuffix("%")
    if not text.isdigit() or int(text) < 1 or (wave.endswith("%") and int(text) > 100):
        return f'{wave!r} is not a number of apps (e.g. "1") or a percentage from 1% to 100%'
    return ""


def _rendered(
    item: Mapping[str, Any], at: Sequence[str | int], *, issues: _Collector
) -> RenderedSettings | None:
    """``rendered: {branch, maskSecrets}``; present (even empty) turns the rendered branch on."""
    if "rendered" not in item or item["rendered"] is None:
        return None
    rendered = item["rendered"]
    settings = RenderedSettings(**_given(rendered, branch="branch", mask_secrets="maskSecrets"))
    status = item.get("status") or {}
    if settings.branch in (status.get("branch", DEFAULT_STATUS_BRANCH), item.get("branch", "main")):
        issues.add(
            (*at, "rendered", "branch"), "must differ from the status branch and the branch read"
        )
    return settings


def _percent(
    item: Mapping[str, Any], key: str, at: Sequence[str | int], *, issues: _Collector
) -> float | None:
    """``pruneLimit: 50%`` (or a number of percent); ``100%`` means no limit."""
    raw = item.get(key, DEFAULT_PRUNE_LIMIT)
    text = str(raw).strip().removesuffix("%")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        issues.add((*at, key), f"must be a percentage from 0% to 100% (got {raw!r})")
        return DEFAULT_PRUNE_LIMIT
    return None if value == 100 else value


def _leader_election(data: Mapping[str, Any], *, issues: _Collector) -> LeaderElectionSettings:
    duration = _duration(data, "leaseDuration", path=("leaderElection",), issues=issues)
    if duration is not None and duration < 3:
        issues.add(("leaderElection", "leaseDuration"), "must be at least 3s")
    return LeaderElectionSettings(
        enabled=data.get("enabled", "mode" in data),  # naming a mode turns it on
        **_given(data, lease_name="leaseName", mode="mode", app_shards="appShards"),
        **_present(lease_duration=duration),
    )


def _center(
    item: Mapping[str, Any], *, index: int, base: Path, issues: _Collector
) -> CapabilityCenterSettings:
    _refuse_credentials(item["url"], at=("capabilityCenters", index), issues=issues)
    return CapabilityCenterSettings(
        name=item.get("name") or repository_name(item["url"]),
        url=absolute_url(item["url"], base=base),
        credentials=_credentials(item.get("credentials"), base),
        **_given(item, ref="ref", path="path"),
    )


def _refuse_credentials(url: str, *, at: tuple[str | int, ...], issues: _Collector) -> None:
    if refusal := credentials_refusal(url):
        issues.add((*at, "url"), refusal)


def _credentials(data: Mapping[str, Any] | None, base: Path) -> CredentialSettings:
    data = data or {}
    return CredentialSettings(
        token_file=_path(data.get("tokenFile"), base),
        ssh_key_file=_path(data.get("sshKeyFile"), base),
        known_hosts_file=_path(data.get("knownHostsFile"), base),
    )


def _given(data: Mapping[str, Any], **fields: str) -> dict[str, Any]:
    """The settings ``data`` gives (field name = config key); the others keep the
    defaults of the settings tree, written there once."""
    return {name: data[key] for name, key in fields.items() if data.get(key) is not None}


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _duration(
    data: Mapping[str, Any], key: str, *, path: tuple[str | int, ...], issues: _Collector
) -> float | None:
    """The duration at ``key``; None when absent or wrong (the wrong one is reported)."""
    if data.get(key) is None:
        return None
    try:
        return parse_duration(data[key])
    except ValueError as exc:
        issues.add((*path, key), str(exc))
        return None


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
