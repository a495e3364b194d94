"""A refused Seller API call → the matching error of `bot.errors`.

Ozon answers errors in two shapes (../shared/ozon/README.md): gRPC-style
`{"code": 7, "message": "...", "details": [...]}` and, on older endpoints,
`{"error": {"code": "...", "message": "...", "data": ...}}`; `code` may be a number or a string.
The HTTP status decides first; the gRPC code decides when the status says nothing specific.

Premium: chat writes without a Premium Plus/Pro subscription are refused as permission denied
(403 / code 7). Ozon publishes no dedicated code for it, so a permission refusal whose message or
details mention "premium" is `OzonSubscriptionError`; the emulator answers exactly that way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

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

DEFAULT_RETRY_AFTER_S = 1.0
_PREMIUM = re.compile(r"premium", re.IGNORECASE)
# "Circle is open": a circuit breaker at Ozon blocks the method for minutes (Ozon error list).
_CIRCLE_OPEN = re.compile(r"circle is open", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ErrorBody:
    code: int | str | None
    message: str
    details: str


def read_error_body(raw: bytes) -> ErrorBody:
    """Both of Ozon's error shapes; a body that is neither keeps a short excerpt as the message."""
    try:
        data = json.loads(raw)
    except ValueError:
        return ErrorBody(None, _excerpt(raw.decode("utf-8", "replace")), "")
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        data = data["error"]
    if not isinstance(data, dict):
        return ErrorBody(None, _excerpt(str(data)), "")
    code = data.get("code")
    details = data.get("details", data.get("data"))
    return ErrorBody(
        code=code if isinstance(code, int | str) and not isinstance(code, bool) else None,
        message=str(data.get("message") or ""),
        details="" if details is None else json.dumps(details, ensure_ascii=False),
    )


def _excerpt(text: str) -> str:
    return " ".join(text.split())[:200]


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds from `Retry-After`; Ozon sends seconds. Anything else waits the default."""
    try:
        return max(float(headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return DEFAULT_RETRY_AFTER_S


def error_for(method: str, status: int, raw: bytes, headers: Mapping[str, str]) -> OzonError:
    """The error for a non-200 answer of `method`: by HTTP status, then by the body's code."""
    body = read_error_body(raw)
    message = body.message or f"HTTP {status}"
    if _CIRCLE_OPEN.search(message) or status >= 500:
        return OzonServerError(method, message, status=status)
    kind = _BY_STATUS.get(status) or _BY_CODE.get(_int_code(body.code), OzonBadRequestError)
    if kind is OzonRateLimitError:
        return OzonRateLimitError(method, message, retry_after=retry_after(headers), status=status)
    if kind is OzonPermissionError and (_PREMIUM.search(message) or _PREMIUM.search(body.details)):
        kind = OzonSubscriptionError
    return kind(method, message, status=status)


_BY_STATUS: dict[int, type[OzonError]] = {
    401: OzonAuthError,
    403: OzonPermissionError,
    404: OzonNotFoundError,
    429: OzonRateLimitError,
}
_BY_CODE: dict[int | None, type[OzonError]] = {
    3: OzonBadRequestError,  # INVALID_ARGUMENT
    5: OzonNotFoundError,  # NOT_FOUND
    7: OzonPermissionError,  # PERMISSION_DENIED
    8: OzonRateLimitError,  # RESOURCE_EXHAUSTED
    16: OzonAuthError,  # UNAUTHENTICATED
}


def _int_code(code: int | str | None) -> int | None:
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None
