from __future__ import annotations

from gitops_vela.source import redact_text, redact_url


def test_redact_url_removes_userinfo_and_token_queries() -> None:
    assert (
        redact_url("https://user:s3cret@git.example.com/a.git")
        == "https://***@git.example.com/a.git"
    )
    assert redact_url("https://ghp_abcdef@github.com/a/b") == "https://***@github.com/a/b"
    assert (
        redact_url("https://h/x.git?private_token=abcd&x=1")
        == "https://h/x.git?private_token=***&x=1"
    )
    assert redact_url("https://git.example.com/a.git") == "https://git.example.com/a.git"
    assert redact_url("git@github.com:acme/shop.git") == "git@github.com:acme/shop.git"
    assert redact_url("/srv/git/shop.git") == "/srv/git/shop.git"


def test_redact_text_scrubs_urls_and_known_secrets() -> None:
    text = "fatal: unable to access 'https://bot:tok123@h/x.git/': auth tok123 failed"
    out = redact_text(text, secrets=("tok123",))
    assert "tok123" not in out
    assert "https://***@h/x.git/" in out
