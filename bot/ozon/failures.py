"""A refused Seller API call → the matching error of `bot.errors`, with its cause in words.

Ozon answers errors in two shapes (../shared/ozon/README.md): gRPC-style
`{"code": 7, "message": "...", "details": [...]}` and, on older endpoints,
`{"error": {"code": "...", "message": "...", "data": ...}}`; `code` may be a number or a string.

The message decides first, because the HTTP status lies (README "what live sellers see"): a wrong
or revoked key is answered **404** `{"code": 5, "message": "Invalid Api-Key, please check the key
and try again"}`, and a method the subscription does not cover is **403** `{"code": 7, "message":
"rpc error: code = PermissionDenied desc = not available with existing subscription"}` without the
word "premium". The texts come from Ozon's list of common errors (errors-auth-limits-push.md 4.2).
Then the status, then the gRPC code. A 404 is "not found" only when it carries Ozon's error body;
a 404 page from a proxy or a wrong `OZON_API_URL` is `OzonMalformedError` with that cause.

`Retry-After` is read defensively and capped at `MAX_RETRY_AFTER_S`: a value of `inf`, `86400`
or an HTTP-date a day ahead would otherwise freeze a shop silently (issue 13 item 8).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.errors import (
    OzonAuthError,
    OzonBadRequestError,
    OzonError,
    OzonMalformedError,
    OzonNotFoundError,
    OzonPermissionError,
    OzonRateLimitError,
    OzonServerError,
    OzonSubscriptionError,
)

DEFAULT_RETRY_AFTER_S = 1.0
MAX_RETRY_AFTER_S = 60.0
"""The longest a 429 may stop a Client-Id. Ozon's limit is per second; anything longer is a
misconfigured proxy or a bug, and one shop must not freeze for a day on it."""

PREMIUM_METHODS = frozenset(
    {
        "/v1/chat/send/message",
        "/v1/chat/send/file",
        "/v1/chat/start",
        "/v2/chat/read",
        "/v1/question/answer/create",
        "/v1/question/answer/delete",
        "/v1/question/change-status",
        "/v1/review/comment/create",
        "/v2/review/comment/delete",
        "/v2/review/change-status",
    }
)
"""Writes a subscription gates (openapi-2026-10.json: tag `Premium`, «Premium Plus или Premium
Pro»; questions need Premium Plus, reviews «Управление отзывами или Premium Pro»). A bare
PermissionDenied on one of them is a subscription refusal."""

_NEW_KEY = (
    "create a new key in the seller cabinet (Настройки → Seller API) with the roles for chats, "
    "postings, returns and products, and put it in the shop's api_key / OZON_API_KEY"
)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What a refusal means: the error class and the words for staff."""

    kind: type[OzonError]
    problem: str
    cause: str
    fix: str


# Matched against the lower-cased message, in this order (Ozon's "Частые ошибки" texts).
_BY_MESSAGE: tuple[tuple[re.Pattern[str], Diagnosis], ...] = (
    (
        re.compile(r"invalid api-?key"),
        Diagnosis(
            OzonAuthError,
            "invalid_key",
            "Ozon does not accept the shop's Api-Key: it is wrong, revoked or expired",
            _NEW_KEY,
        ),
    ),
    (
        re.compile(r"api-?key is deactivated"),
        Diagnosis(OzonAuthError, "deactivated_key", "the shop's Api-Key was deactivated", _NEW_KEY),
    ),
    (
        re.compile(r"missing a required role"),
        Diagnosis(
            OzonPermissionError,
            "missing_role",
            "the shop's Api-Key lacks a role this method needs",
            "create a new key whose roles cover the methods the bot uses (the start-up log "
            "names the missing ones)",
        ),
    ),
    (
        re.compile(r"restricted to specific ip"),
        Diagnosis(
            OzonPermissionError,
            "ip_restricted",
            "the shop's Api-Key only works from other IP addresses",
            "add this server's public address to the key's allowed networks in Настройки → "
            "Seller API, or remove the restriction",
        ),
    ),
    (
        re.compile(r"offer not signed"),
        Diagnosis(
            OzonPermissionError,
            "offer_not_signed",
            "Ozon blocked the Seller API until the shop accepts the current offer",
            "accept the offer in the seller cabinet (Ozon's notice on the start page)",
        ),
    ),
    (
        re.compile(r"not available with existing subscription|premium"),
        Diagnosis(
            OzonSubscriptionError,
            "subscription",
            "the shop's subscription does not include this method (chat replies need Premium "
            "Plus or Premium Pro)",
            "subscribe to Premium Plus or Premium Pro; until then replies are kept as drafts "
            "for staff to paste in the seller cabinet",
        ),
    ),
    (
        re.compile(r"unauthenticated|api-?key|client-?id"),
        Diagnosis(
            OzonAuthError,
            "auth",
            "Ozon refused the shop's Client-Id or Api-Key",
            "check client_id and api_key of the shop; " + _NEW_KEY,
        ),
    ),
)

_CIRCLE_OPEN = re.compile(r"circle is open")
_RATE_LIMIT = re.compile(r"rate limit|too many requests|resource_exhausted")
_NOT_FOUND = re.compile(r"not found|не найден|not exist")
_PERMISSION_DENIED = re.compile(r"permissiondenied|permission denied|access denied")


@dataclass(frozen=True, slots=True)
class ErrorBody:
    code: int | str | None
    message: str
    details: str
    is_ozon: bool = True
    """False when the body is not Ozon's error JSON (an HTML page, empty, a bare string)."""


def read_error_body(raw: bytes) -> ErrorBody:
    """Both of Ozon's error shapes; a body that is neither keeps a short excerpt as the message."""
    try:
        data = json.loads(raw)
    except ValueError:
        return ErrorBody(None, _excerpt(raw.decode("utf-8", "replace")), "", is_ozon=False)
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        data = data["error"]
    if not isinstance(data, dict) or not ("code" in data or "message" in data):
        return ErrorBody(None, _excerpt(str(data)), "", is_ozon=False)
    code = data.get("code")
    details = data.get("details", data.get("data"))
    return ErrorBody(
        code=code if isinstance(code, int | str) and not isinstance(code, bool) else None,
        message=str(data.get("message") or ""),
        details="" if details in (None, [], "") else json.dumps(details, ensure_ascii=False),
    )


def _excerpt(text: str) -> str:
    return " ".join(text.split())[:200]


@dataclass(frozen=True, slots=True)
class RetryAfter:
    seconds: float
    """What to wait: finite, 0..MAX_RETRY_AFTER_S."""
    asked: float | None
    """Ozon's value when it was capped or unreadable (inf, negative, garbage), else None."""


def retry_after(
    headers: Mapping[str, str], *, now: datetime | None = None, cap: float = MAX_RETRY_AFTER_S
) -> RetryAfter:
    """`Retry-After` as seconds (a number or an HTTP-date), capped; unreadable → the default."""
    raw = headers.get("Retry-After")
    if raw is None or not raw.strip():
        return RetryAfter(DEFAULT_RETRY_AFTER_S, None)
    seconds = _seconds(raw.strip(), now or datetime.now(UTC))
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return RetryAfter(DEFAULT_RETRY_AFTER_S, math.nan if seconds is None else seconds)
    if seconds > cap:
        return RetryAfter(cap, seconds)
    return RetryAfter(seconds, None)


def _seconds(raw: str, now: datetime) -> float | None:
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - now).total_seconds(), 0.0)


def diagnose(method: str, status: int, body: ErrorBody) -> Diagnosis | None:
    """The key, permission or subscription problem a refusal names; None for anything else."""
    text = f"{body.message} {body.details}".lower()
    for pattern, diagnosis in _BY_MESSAGE:
        if pattern.search(text):
            return diagnosis
    denied = status == 403 or _int_code(body.code) == 7 or _PERMISSION_DENIED.search(text)
    if denied and method in PREMIUM_METHODS:
        return _BY_MESSAGE[5][1]  # PermissionDenied on a Premium method: the subscription
    if status == 401 or _int_code(body.code) == 16:
        return _BY_MESSAGE[6][1]
    if denied:
        return Diagnosis(
            OzonPermissionError,
            "permission_denied",
            f"Ozon refused {method} for this key ({body.message or 'permission denied'})",
            "check the key's roles in Настройки → Seller API",
        )
    return None


def error_for(
    method: str, status: int, raw: bytes, headers: Mapping[str, str], *, now: datetime | None = None
) -> OzonError:
    """The error for a non-200 answer of `method`: by message, then status, then gRPC code."""
    body = read_error_body(raw)
    message = body.message or f"HTTP {status}"
    lowered = message.lower()
    if _CIRCLE_OPEN.search(lowered) or status >= 500:
        return OzonServerError(method, message, status=status, problem="server")
    if status == 429 or _int_code(body.code) == 8 or _RATE_LIMIT.search(lowered):
        wait = retry_after(headers, now=now)
        return OzonRateLimitError(
            method, message, retry_after=wait.seconds, status=status, asked_s=wait.asked
        )
    if body.is_ozon and (diagnosis := diagnose(method, status, body)) is not None:
        return diagnosis.kind(
            method,
            message,
            status=status,
            problem=diagnosis.problem,
            cause=diagnosis.cause,
            fix=diagnosis.fix,
        )
    if status == 404:
        return _not_found(method, message, body)
    kind = _BY_CODE.get(_int_code(body.code), OzonBadRequestError)
    return kind(method, message, status=status, problem="bad_request")


def _not_found(method: str, message: str, body: ErrorBody) -> OzonError:
    if not body.is_ozon:
        # No Ozon error body: a proxy's page or a base URL that is not the Seller API.
        return OzonMalformedError(
            method,
            f"404 without Ozon's error body: {message!r}",
            status=404,
            problem="not_seller_api",
            cause="the address answered 404 like a web server, not like the Seller API",
            fix="check OZON_API_URL (or the shop's api_url) and any proxy in between",
        )
    cause = "Ozon does not know the chat, posting or product asked for"
    if not _NOT_FOUND.search(message.lower()):
        cause = f"Ozon answered 404 with an unfamiliar message: {message!r}"
    return OzonNotFoundError(method, message, status=404, problem="not_found", cause=cause)


_BY_CODE: dict[int | None, type[OzonError]] = {
    3: OzonBadRequestError,  # INVALID_ARGUMENT
    5: OzonNotFoundError,  # NOT_FOUND
}


def _int_code(code: int | str | None) -> int | None:
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None
