"""Push webhooks: the signature gate and which repositories a push polls."""

from __future__ import annotations

import json

import pytest

from gitops_vela.daemon.pushes import (
    PayloadError,
    Push,
    Signature,
    check_signature,
    match_push,
    nesting_depth,
    normalize_url,
    parse_push,
    sign,
)
from gitops_vela.settings import CapabilityCenterSettings, RepositorySettings

SECRET = b"It's a Secret to Everybody"
BODY = b"Hello, World!"


def test_signature_matches_githubs_documented_example() -> None:
    # The example of GitHub's "validating webhook deliveries" documentation.
    assert sign(SECRET, BODY) == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (sign(SECRET, BODY), Signature.OK),
        (None, Signature.MISSING),
        ("", Signature.MISSING),
        (sign(b"other", BODY), Signature.INVALID),
        ("sha1=abc", Signature.INVALID),
    ],
)
def test_with_a_secret_the_signature_is_required(header: str | None, verdict: Signature) -> None:
    assert check_signature(secret=SECRET, body=BODY, header=header) is verdict


def test_without_a_secret_anything_passes() -> None:
    assert check_signature(secret=None, body=BODY, header=None) is Signature.OK


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/shop.git",
        "https://token@GitHub.com/acme/shop",
        "git@github.com:acme/shop.git",
        "ssh://git@github.com/acme/shop.git",
        "git://github.com/acme/shop.git",
        "https://github.com/acme/shop/",
    ],
)
def test_the_many_urls_of_one_repository_are_one(url: str) -> None:
    assert normalize_url(url) == "github.com/acme/shop"


def test_local_paths_and_file_urls_are_one() -> None:
    assert normalize_url("file:///srv/git/shop.git") == normalize_url("/srv/git/shop.git")


def payload(ref: str = "refs/heads/main", **repository: str) -> bytes:
    repository = repository or {
        "clone_url": "https://github.com/acme/shop.git",
        "ssh_url": "git@github.com:acme/shop.git",
        "html_url": "https://github.com/acme/shop",
    }
    return json.dumps({"ref": ref, "after": "0" * 40, "repository": repository}).encode()


def test_a_push_payload_names_urls_and_branch() -> None:
    push = parse_push(payload())
    assert push == Push(urls=frozenset({"github.com/acme/shop"}), branch="main")
    assert parse_push(payload("refs/tags/v1")).branch is None


def test_a_form_encoded_payload_is_read() -> None:
    from urllib.parse import urlencode

    body = urlencode({"payload": payload().decode()}).encode()
    push = parse_push(body, content_type="application/x-www-form-urlencoded")
    assert push.branch == "main"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"ref": "refs/heads/main"}'])
def test_other_bodies_are_payload_errors(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_push(body)


REPOS = (
    RepositorySettings(name="shop", url="git@github.com:acme/shop.git"),
    RepositorySettings(name="shop-staging", url="https://github.com/acme/shop", branch="staging"),
    RepositorySettings(name="billing", url="https://github.com/acme/billing.git"),
)


def test_a_push_polls_the_repositories_watching_that_branch() -> None:
    assert match_push(parse_push(payload()), REPOS).repositories == ("shop",)
    staging = match_push(parse_push(payload("refs/heads/staging")), REPOS)
    assert staging.repositories == ("shop-staging",)


def test_a_push_to_an_unwatched_branch_is_known_but_ignored() -> None:
    match = match_push(parse_push(payload("refs/heads/feature")), REPOS)
    assert match.repositories == () and match.known
    assert "branch feature is not watched" in match.message


def test_a_push_to_an_unknown_repository_is_unknown() -> None:
    match = match_push(parse_push(payload(clone_url="https://github.com/acme/x.git")), REPOS)
    assert match.repositories == () and not match.known


def test_a_push_to_a_capability_center_polls_every_repository() -> None:
    center = CapabilityCenterSettings(name="platform", url="https://github.com/acme/platform")
    body = payload(clone_url="https://github.com/acme/platform.git")
    match = match_push(parse_push(body), REPOS, [center])
    assert match.repositories == ("shop", "shop-staging", "billing")


@pytest.mark.reliability
def test_nesting_is_bounded_before_parsing() -> None:
    assert nesting_depth(b'{"a": [1, {"b": "[[[\\"{"}]}') == 3
    with pytest.raises(PayloadError, match="deeper than 64 levels"):
        parse_push(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(PayloadError, match="deeper than 64 levels"):
        parse_push(b"payload=" + b"%5B" * 1000, content_type="application/x-www-form-urlencoded")
