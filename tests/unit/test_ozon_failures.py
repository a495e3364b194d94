"""Refused calls → the error tree: status first, then the body's code, both body formats."""

from __future__ import annotations

import pytest

from bot.errors import (
    OzonAuthError,
    OzonBadRequestError,
    OzonError,
    OzonNotFoundError,
    OzonPermissionError,
    OzonRateLimitError,
    OzonServerError,
    OzonSubscriptionError,
)
from bot.ozon.failures import error_for, read_error_body

M = "/v3/chat/list"


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, b'{"code": 16, "message": "Invalid Api-Key"}', OzonAuthError),
        (403, b'{"code": 7, "message": "missing a required role"}', OzonPermissionError),
        (403, b'{"code": 7, "message": "Premium Plus only"}', OzonSubscriptionError),
        (
            403,
            b'{"code": 7, "message": "no", "details": [{"value": "premium"}]}',
            OzonSubscriptionError,
        ),
        (404, b'{"code": 5, "message": "chat not found"}', OzonNotFoundError),
        (400, b'{"code": 3, "message": "bad"}', OzonBadRequestError),
        (409, b'{"code": 10, "message": "conflict"}', OzonBadRequestError),
        (429, b'{"code": 8, "message": "rate"}', OzonRateLimitError),
        (500, b'{"code": 13, "message": "Internal error"}', OzonServerError),
        (502, b"<html>Bad Gateway</html>", OzonServerError),
        (400, b'{"code": 16, "message": "unauthenticated"}', OzonAuthError),
        (400, b'{"code": "5", "message": "gone"}', OzonNotFoundError),
        (429, b'{"message": "Circle is open"}', OzonServerError),
    ],
)
def test_refusal_maps_to_the_error_tree(status: int, body: bytes, kind: type[OzonError]) -> None:
    error = error_for(M, status, body, {})
    assert type(error) is kind
    assert error.method == M
    assert M in str(error)


def test_older_error_shape_is_read() -> None:
    body = read_error_body(b'{"error": {"code": "ERROR_UNKNOWN", "message": "oops", "data": 1}}')
    assert (body.code, body.message, body.details) == ("ERROR_UNKNOWN", "oops", "1")


@pytest.mark.parametrize(
    ("header", "seconds"), [("2", 2.0), ("0.5", 0.5), ("soon", 1.0), (None, 1.0)]
)
def test_retry_after_is_read_in_seconds_with_a_default(header: str | None, seconds: float) -> None:
    headers = {} if header is None else {"Retry-After": header}
    error = error_for(M, 429, b"{}", headers)
    assert isinstance(error, OzonRateLimitError)
    assert error.retry_after == seconds
