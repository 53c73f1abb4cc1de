"""Credentials in repository URLs are refused, and no name is ever derived from one."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.errors import ConfigError, SourceError
from gitops_vela.settings import load_config_file, repository_name
from gitops_vela.settings.urlcredentials import credentials_in_url
from gitops_vela.source import GitSource
from tests.daemon.conftest import GitRemote, StartDaemon, wait_for

pytestmark = pytest.mark.reliability
TOKEN = "ghp_S3cretTokenValue42"


@pytest.mark.parametrize(
    "url",
    [
        f"http://git.example.com/sec.git?access_token={TOKEN}",
        f"https://git.example.com/sec.git?ref=main&private_token={TOKEN}",
        f"https://git.example.com/sec.git?X-Amz-Signature={TOKEN}",
        f"https://bot:{TOKEN}@git.example.com/sec.git",
        f"https://{TOKEN}@git.example.com/sec.git",
    ],
)
def test_run_refuses_a_url_with_credentials_and_creates_nothing(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    code = main(["run", "--repo", url, "--embedded-cluster", "--cache-dir", str(cache)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--repo: the URL carries credentials" in err and "--token-file" in err
    assert TOKEN not in err and TOKEN.lower() not in err
    assert not cache.exists()  # no cache folder, so no name made from the URL


def test_a_config_file_with_a_token_in_a_query_names_the_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n"
        "  - url: /srv/fine.git\n"
        f"  - url: https://git.example.com/sec.git?access_token={TOKEN}\n"
        "capabilityCenters:\n"
        f"  - url: https://ci:{TOKEN}@git.example.com/defs.git\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config_file(config)
    text = info.value.message
    assert f"{config}:3: repositories[1].url: the URL carries credentials (a token in" in text
    assert f"{config}:5: capabilityCenters[0].url: the URL carries credentials (a user" in text
    assert TOKEN not in text and TOKEN.lower() not in text


def test_a_reload_to_a_url_with_a_token_keeps_the_running_config(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"repositories": [{"url": str(remote.bare)}]}))
    daemon = start_daemon("--config", str(config))
    bad = {"repositories": [{"url": f"http://127.0.0.1:1/sec.git?token={TOKEN}"}]}
    config.write_text(yaml.safe_dump(bad))
    daemon.proc.send_signal(signal.SIGHUP)
    failed = wait_for(lambda: daemon.event("config reload failed: keeping the running config"))
    assert "repositories[0].url" in failed["errors"]
    assert daemon.http("/healthz")[0] == 200
    _, metrics = daemon.http("/metrics")
    assert TOKEN.lower() not in metrics.lower()
    assert not any(TOKEN.lower() in line.lower() for line in daemon.lines)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (f"http://host/sec.git?access_token={TOKEN}", "sec"),
        (f"https://{TOKEN}@github.com", "repo"),
        (f"https://u:{TOKEN}@host/acme/shop.git#{TOKEN}", "shop"),
        ("git@github.com:acme/shop.git", "shop"),
        ("/srv/git/Shop_Site.git", "shop-site"),
    ],
)
def test_repository_names_come_from_the_path_only(url: str, name: str) -> None:
    assert repository_name(url) == name


def test_the_cache_folder_is_named_from_the_path_only(tmp_path: Path) -> None:
    url = f"https://git.example.com/acme/shop.git?ref={TOKEN}"  # not a credential key
    folder = GitSource(url, cache_dir=tmp_path).remote_cache.dir.name
    assert folder.startswith("shop-") and TOKEN.lower() not in folder.lower()


def test_credentials_are_found_in_userinfo_and_secret_query_keys_only() -> None:
    assert credentials_in_url("https://h/x.git?token=a") == "query"
    assert credentials_in_url("https://h/x.git?Password=a&b=c") == "query"
    assert credentials_in_url("https://u:p@h/x.git") == "userinfo"
    assert credentials_in_url("https://h/x.git?ref=main") is None
    assert credentials_in_url("ssh://git@h/x.git") is None  # SSH's user is not a secret
    assert credentials_in_url("git@h:x.git") is None
    assert credentials_in_url("/srv/x.git") is None


def test_git_source_refuses_a_token_query_too(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        GitSource(f"https://h/x.git?access_token={TOKEN}", cache_dir=tmp_path)
    assert not info.value.retryable and TOKEN not in str(info.value)
