"""The settings tree: config file (DESIGN §9), `run --repo` flags, environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.errors import ConfigError
from gitops_vela.settings import (
    Overrides,
    RenderSettings,
    RepositorySettings,
    Settings,
    SingleRepository,
    apply_environment,
    apply_overrides,
    load_config_file,
    parse_listen,
    render_settings,
    repository_name,
    single_repository_settings,
)

FULL = """\
cluster: {kubeconfig: kube.yaml, context: dev, embedded: false}
server: {listen: "127.0.0.1:9555", webhookSecretFile: secret.txt}
cacheDir: cache
leaderElection: {enabled: true, leaseName: gv, leaseDuration: 30s}
repositories:
  - name: shop
    url: https://git.example.com/acme/shop.git
    branch: release
    path: deploy
    interval: 30s
    namespace: shop
    prune: false
    suspend: true
    credentials: {tokenFile: token}
    status: {branch: ops/status, enabled: false}
  - url: ../repos/billing.git
capabilityCenters:
  - {name: platform, url: "git@git.example.com:acme/platform.git", ref: v1.2.0, path: defs}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_every_key_of_the_design_is_read(tmp_path: Path) -> None:
    settings = load_config_file(write(tmp_path, FULL), environ={})
    shop, _billing = settings.repositories
    assert (shop.name, shop.branch, shop.path, shop.interval) == ("shop", "release", "deploy", 30.0)
    assert (shop.namespace, shop.prune, shop.suspend) == ("shop", False, True)
    assert shop.credentials.token_file == tmp_path / "token"
    assert (shop.status.branch, shop.status.enabled) == ("ops/status", False)
    assert settings.cluster.kubeconfig == tmp_path / "kube.yaml"
    assert settings.cluster.context == "dev"
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 9555)
    assert settings.server.webhook_secret_file == tmp_path / "secret.txt"
    assert settings.cache_dir == tmp_path / "cache"
    (center,) = settings.capability_centers
    assert (center.name, center.ref, center.path) == ("platform", "v1.2.0", "defs")
    assert settings.config_file == tmp_path / "config.yaml"
    election = settings.leader_election
    assert (election.enabled, election.lease_name, election.lease_duration) == (True, "gv", 30)


def test_only_the_url_is_required_and_the_rest_defaults(tmp_path: Path) -> None:
    settings = load_config_file(write(tmp_path, FULL), environ={})
    billing = settings.repositories[1]
    # A local path is relative to the config file and the name comes from the URL.
    assert billing.url == str((tmp_path / "../repos/billing.git").resolve())
    assert billing.name == "billing"
    assert (billing.branch, billing.path, billing.interval) == ("main", ".", 60.0)
    assert (billing.namespace, billing.prune, billing.suspend) == ("default", True, False)
    assert (billing.status.branch, billing.status.enabled) == ("gitops-vela/status", True)


def test_a_file_with_only_a_url_is_enough(tmp_path: Path) -> None:
    settings = load_config_file(write(tmp_path, "repositories: [{url: /srv/a.git}]\n"), environ={})
    assert settings.server.listen == "0.0.0.0:9440"
    assert settings.cluster.kubeconfig is None and not settings.cluster.embedded
    assert settings.capability_centers == ()
    assert settings.namespace == "gitops-vela-system"


def test_errors_name_file_line_and_key_all_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "repositories:\n"
        "  - url: https://x/a.git\n"
        "    interval: soon\n"
        "    prnue: true\n"
        "  - branch: main\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config_file(path, environ={})
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{path}:2: repositories[0]: Additional properties are not allowed ('prnue' was unexpected); "
        "known keys: allowEmpty, appGlobs, branch, credentials, drift, environment, interval,"
        " name, namespace, path, policy, promotion, prune, pruneLimit, rendered, rollout,"
        " serviceAccountName, serviceAccountNamespace, status, suspend, url",
        f"{path}:5: repositories[1]: 'url' is a required property",
    ]


def test_bad_durations_and_listen_addresses_are_reported_with_their_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'server: {listen: "nowhere"}\nrepositories:\n  - url: https://x/a.git\n    interval: soon\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config_file(path, environ={})
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{path}:1: server.listen: invalid listen address 'nowhere': use HOST:PORT, e.g. 0.0.0.0:9440",
        f"{path}:4: repositories[0].interval: invalid duration 'soon': use e.g. 30s, 5m, 1h or plain seconds",
    ]


def test_a_path_outside_the_repository_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "repositories:\n  - url: /srv/a.git\n    path: ../etc\n")
    with pytest.raises(ConfigError, match=r":3: repositories\[0\]\.path: must be a folder inside"):
        load_config_file(path, environ={})


def test_two_repositories_with_one_derived_name_must_be_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "repositories:\n  - url: https://a.example/x/shop.git\n  - url: https://b.example/y/shop\n",
    )
    with pytest.raises(ConfigError, match=r":3: repositories\[1\]: duplicate name 'shop'"):
        load_config_file(path, environ={})


def test_invalid_yaml_points_at_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "repositories:\n  - url: [unclosed\n")
    # The line of the construct left open, then where the parser noticed (issue 15.3).
    expected = rf"{path}:2: YAML syntax error: while parsing a flow sequence; {path}:3: "
    with pytest.raises(ConfigError, match=expected) as raised:
        load_config_file(path, environ={})
    assert len(str(raised.value).splitlines()) == 1, "one line, like every other error"


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config_file(tmp_path / "nope.yaml", environ={})


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    environ = {
        "GITOPS_VELA_CACHE_DIR": str(tmp_path / "c2"),
        "POD_NAMESPACE": "ops",
        "GITOPS_VELA_LOG_LEVEL": "DEBUG",
        "GITOPS_VELA_LOG_FORMAT": "json",
        "GITOPS_VELA_LISTEN": ":8080",
    }
    settings = load_config_file(write(tmp_path, FULL), environ=environ)
    assert settings.cache_dir == tmp_path / "c2"
    assert (settings.namespace, settings.log_level, settings.log_format) == ("ops", "debug", "json")
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 8080)


def test_a_bad_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GITOPS_VELA_LOG_FORMAT: unknown format 'xml'"):
        load_config_file(write(tmp_path, FULL), environ={"GITOPS_VELA_LOG_FORMAT": "xml"})


def test_single_repository_flags_build_the_same_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = single_repository_settings(
        SingleRepository(url="repos/shop.git", branch="dev", interval=5, prune=True), environ={}
    )
    (repo,) = settings.repositories
    assert (repo.name, repo.url, repo.branch) == ("shop", str(tmp_path / "repos/shop.git"), "dev")
    assert (repo.interval, repo.prune, repo.status.branch) == (5, True, "gitops-vela/status")


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    settings = apply_overrides(
        load_config_file(write(tmp_path, FULL), environ={}),
        Overrides(listen="127.0.0.1:0", embedded_cluster=True, context="other"),
    )
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 0)
    assert settings.cluster.embedded and settings.cluster.context == "other"
    assert settings.cluster.kubeconfig == tmp_path / "kube.yaml"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://git.example.com/acme/Shop.git", "shop"),
        ("git@github.com:acme/my_repo.git", "my-repo"),
        ("/srv/git/billing.git/", "billing"),
        ("file:///tmp/x/sample-repo", "sample-repo"),
    ],
)
def test_repository_names_derive_from_urls(url: str, name: str) -> None:
    assert repository_name(url) == name


@pytest.mark.parametrize(
    ("text", "address"),
    [("0.0.0.0:9440", ("0.0.0.0", 9440)), (":80", ("0.0.0.0", 80)), ("[::1]:9", ("::1", 9))],
)
def test_listen_addresses(text: str, address: tuple[str, int]) -> None:
    assert parse_listen(text) == address


def test_render_settings_come_from_the_environment_once() -> None:
    environ = {"GITOPS_VELA_RENDER_WORKERS": "3", "GITOPS_VELA_RENDER_MEMORY_MB": "2048"}
    assert render_settings(environ) == RenderSettings(workers=3, memory_mb=2048)
    assert render_settings({}) == RenderSettings()
    tree = apply_environment(Settings(repositories=()), environ)
    assert (tree.render.workers, tree.render.memory_mb) == (3, 2048)
    with pytest.raises(ConfigError, match="GITOPS_VELA_RENDER_WORKERS: expected a positive"):
        render_settings({"GITOPS_VELA_RENDER_WORKERS": "many"})


def test_what_the_file_leaves_out_keeps_the_defaults_of_the_settings_tree(tmp_path: Path) -> None:
    path = write(tmp_path, "repositories:\n  - url: https://git.example.com/acme/shop.git\n")
    settings = load_config_file(path, environ={})
    (repo,) = settings.repositories
    assert repo == RepositorySettings(name="shop", url="https://git.example.com/acme/shop.git")
    expected = Settings(
        repositories=(repo,), cache_dir=settings.cache_dir, config_file=path.resolve()
    )
    assert settings == expected
