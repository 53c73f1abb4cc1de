"""The webhook endpoint's decisions, request by request (no server, no daemon)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_vela.daemon.http import Reply
from gitops_vela.daemon.pushes import sign
from gitops_vela.daemon.webhook import Deliveries, handle_hook
from gitops_vela.settings import (
    CapabilityCenterSettings,
    RepositorySettings,
    ServerSettings,
    Settings,
)

SHOP = RepositorySettings(name="shop", url="https://git.example/acme/shop.git")
CENTER = CapabilityCenterSettings(name="platform", url="https://git.example/acme/platform.git")


class Calls:
    def __init__(self) -> None:
        self.triggered: list[str] = []
        self.center_pushes = 0

    def trigger(self, name: str) -> bool:
        self.triggered.append(name)
        return True

    def center(self) -> None:
        self.center_pushes += 1


def settings(secret_file: Path | None) -> Settings:
    return Settings(
        repositories=(SHOP, RepositorySettings(name="wiki", url="/srv/wiki.git")),
        server=ServerSettings(webhook_secret_file=secret_file),
        capability_centers=(CENTER,),
    )


def push(url: str, branch: str = "main") -> bytes:
    return json.dumps({"ref": f"refs/heads/{branch}", "repository": {"clone_url": url}}).encode()


def call(body: bytes, calls: Calls, secret_file: Path | None = None, **headers: str) -> Reply:
    return handle_hook(
        body=body,
        headers=headers,
        settings=settings(secret_file),
        trigger=calls.trigger,
        on_center_push=calls.center,
    )


def test_without_a_secret_a_push_polls_its_repository() -> None:
    calls = Calls()
    reply = call(push(SHOP.url), calls)
    assert (reply.status, calls.triggered) == (202, ["shop"])


def test_a_rotated_secret_applies_at_the_next_request(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("old\n")
    calls, body = Calls(), push(SHOP.url)
    assert call(body, calls, secret, **{"X-Hub-Signature-256": sign(b"old", body)}).status == 202
    secret.write_text("new\n")
    assert call(body, calls, secret, **{"X-Hub-Signature-256": sign(b"old", body)}).status == 403
    assert call(body, calls, secret, **{"X-Hub-Signature-256": sign(b"new", body)}).status == 202
    assert calls.triggered == ["shop", "shop"]


def test_an_empty_secret_disables_the_webhook(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("")
    calls = Calls()
    assert call(push(SHOP.url), calls, secret).status == 503
    assert call(push(SHOP.url), calls, tmp_path / "missing").status == 503
    assert calls.triggered == []


def test_ping_and_other_events() -> None:
    calls = Calls()
    assert call(b"{}", calls, **{"X-GitHub-Event": "ping"}).status == 200
    reply = call(push(SHOP.url), calls, **{"X-GitHub-Event": "issues"})
    assert reply.status == 202 and "ignored" in str(reply.body["message"])
    assert call(b"not json", calls).status == 400
    assert calls.triggered == []


def test_a_push_to_a_capability_center_polls_everything() -> None:
    calls = Calls()
    reply = call(push(CENTER.url), calls)
    assert (reply.status, calls.triggered, calls.center_pushes) == (202, ["shop", "wiki"], 1)


@pytest.mark.reliability
def test_a_repeated_delivery_id_triggers_once_and_a_failed_one_may_be_redelivered() -> None:
    calls, deliveries = Calls(), Deliveries(size=2)

    def send(body: bytes, delivery: str) -> Reply:
        return handle_hook(
            body=body,
            headers={"X-GitHub-Delivery": delivery},
            settings=settings(None),
            trigger=calls.trigger,
            on_center_push=calls.center,
            deliveries=deliveries,
        )

    assert send(push(SHOP.url), "a").status == 202
    assert send(push(SHOP.url), "a").status == 200
    assert send(b"not json", "b").status == 400
    assert send(push(SHOP.url), "b").status == 202  # the failed one was not remembered
    assert send(push(SHOP.url), "c").status == 202
    assert send(push(SHOP.url), "a").status == 202  # memory is bounded: "a" was forgotten
    assert calls.triggered == ["shop", "shop", "shop", "shop"]
