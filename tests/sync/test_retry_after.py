"""Retry-After is read as seconds or an HTTP date, and capped."""

from gitops_vela.cluster.translate import parse_retry_after, status_error
from gitops_vela.errors import ImmutableFieldError


def test_retry_after_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("9999") == 60.0


def test_status_errors_keep_status_reason_and_retryability() -> None:
    body = b'{"kind":"Status","message":"too many","reason":"TooManyRequests","code":429}'
    err = status_error(
        status=429, body=body, headers={"Retry-After": "1"}, what="Deployment shop/web"
    )
    assert (err.status, err.api_reason, err.retry_after, err.retryable) == (
        429,
        "TooManyRequests",
        1.0,
        True,
    )
    assert str(err) == "Deployment shop/web: too many"
    immutable = b'{"message":"Job.batch \\"m\\" is invalid: spec.template: Invalid value: x: field is immutable"}'
    err = status_error(status=422, body=immutable, headers={}, what="")
    assert isinstance(err, ImmutableFieldError) and not err.retryable
