"""Refusals as Ozon really sends them (../shared/ozon/README.md, errors-auth-limits-push.md 4.2):
classified by code and message, each with its cause and fix; Retry-After read and capped."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

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
from bot.ozon import parsing
from bot.ozon.failures import MAX_RETRY_AFTER_S, error_for, retry_after
from bot.ozon.schemas import ChatType, KeyRole, KeyRoles, Posting, PushKind, reply_window_end

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
SUBSCRIPTION = "rpc error: code = PermissionDenied desc = not available with existing subscription"


def body(code: object, message: str) -> bytes:
    return json.dumps({"code": code, "message": message, "details": []}).encode()


@pytest.mark.parametrize(
    ("method", "status", "raw", "kind", "problem"),
    [
        (
            "/v3/chat/list",
            404,
            body(5, "Invalid Api-Key, please check the key and try again"),
            OzonAuthError,
            "invalid_key",
        ),
        (
            "/v3/chat/list",
            403,
            body(7, "Api-key is deactivated, use another one or generate a new one"),
            OzonAuthError,
            "deactivated_key",
        ),
        (
            "/v3/chat/list",
            403,
            body(7, "Api-Key is missing a required role for a method"),
            OzonPermissionError,
            "missing_role",
        ),
        (
            "/v3/chat/list",
            403,
            body(7, "Api-Key is restricted to specific IP addresses"),
            OzonPermissionError,
            "ip_restricted",
        ),
        (
            "/v3/chat/list",
            403,
            body(7, "Offer not signed"),
            OzonPermissionError,
            "offer_not_signed",
        ),
        (
            "/v1/chat/send/message",
            403,
            body(7, SUBSCRIPTION),
            OzonSubscriptionError,
            "subscription",
        ),
        ("/v2/review/list", 403, body(7, SUBSCRIPTION), OzonSubscriptionError, "subscription"),
        (
            "/v1/chat/send/message",
            403,
            body(7, "rpc error: code = PermissionDenied desc = access denied"),
            OzonSubscriptionError,
            "subscription",
        ),
        (
            "/v3/posting/fbs/get",
            403,
            body(7, "rpc error: code = PermissionDenied desc = access denied"),
            OzonPermissionError,
            "permission_denied",
        ),
        ("/v3/chat/history", 404, body(5, "chat not found"), OzonNotFoundError, "not_found"),
        ("/v3/chat/history", 404, body(5, "something new"), OzonNotFoundError, "not_found"),
        (
            "/v3/chat/history",
            404,
            b"<html><h1>404 Not Found</h1></html>",
            OzonMalformedError,
            "not_seller_api",
        ),
        ("/v3/chat/list", 401, body(16, "unauthenticated"), OzonAuthError, "auth"),
        ("/v3/chat/list", 400, body(3, "limit must be 1..100"), OzonBadRequestError, "bad_request"),
        ("/v3/chat/list", 503, body(14, "Circle is open"), OzonServerError, "server"),
        ("/v3/chat/list", 502, b"<html>Bad Gateway</html>", OzonServerError, "server"),
    ],
)
def test_refusals_are_classified_by_message_then_status(
    method: str, status: int, raw: bytes, kind: type[OzonError], problem: str
) -> None:
    error = error_for(method, status, raw, {})
    assert type(error) is kind
    assert error.problem == problem


def test_key_problems_name_cause_and_fix_for_staff() -> None:
    error = error_for(
        "/v3/chat/list", 404, body(5, "Invalid Api-Key, please check the key and try again"), {}
    )
    assert "Api-Key" in error.cause
    assert "new key" in error.fix
    assert not error.retryable


def test_subscription_refusal_tells_what_to_do_and_is_not_retried() -> None:
    error = error_for("/v1/chat/send/message", 403, body(7, SUBSCRIPTION), {})
    assert "Premium" in error.fix
    assert not error.retryable


@pytest.mark.parametrize(
    ("header", "seconds", "capped"),
    [
        ("2", 2.0, False),
        ("0.5", 0.5, False),
        ("86400", MAX_RETRY_AFTER_S, True),
        ("inf", MAX_RETRY_AFTER_S, True),
        ("-1", 1.0, True),
        ("nan", 1.0, True),
        ("soon", 1.0, True),
        ("", 1.0, False),
    ],
)
def test_retry_after_is_read_defensively_and_capped(
    header: str, seconds: float, capped: bool
) -> None:
    wait = retry_after({"Retry-After": header}, now=NOW)
    assert wait.seconds == seconds
    assert (wait.asked is not None) == capped
    assert math.isfinite(wait.seconds)


def test_retry_after_as_an_http_date() -> None:
    assert retry_after({"Retry-After": "Sat, 21 Nov 2026 12:00:30 GMT"}, now=NOW).seconds == 30
    far = retry_after({"Retry-After": "Sun, 22 Nov 2026 12:00:00 GMT"}, now=NOW)
    assert (far.seconds, far.asked) == (MAX_RETRY_AFTER_S, 86400)


def test_a_429_carries_the_capped_wait_and_what_ozon_asked() -> None:
    raw = body(8, "You have reached request rate limit per second")
    error = error_for("/v3/chat/list", 429, raw, {"Retry-After": "86400"})
    assert isinstance(error, OzonRateLimitError)
    assert (error.retry_after, error.asked_s) == (MAX_RETRY_AFTER_S, 86400)


def test_select_chats_are_buyer_chats_in_both_spellings() -> None:
    for spelling in ("BUYER_SELLER_SELECT", "Buyer_Seller_Select", "Buyer_Seller", "BUYER_SELLER"):
        assert ChatType.parse(spelling).is_buyer_chat
    for other in ("SELLER_SUPPORT", "Seller_Notification", "SOMETHING_NEW", None):
        assert not ChatType.parse(other).is_buyer_chat


def test_an_unknown_chat_type_parses_without_error() -> None:
    assert ChatType.parse("SELLER_FUTURE_THING") is ChatType.OTHER


def test_pushes_parse_update_and_close_and_select() -> None:
    edited = parsing.push(
        {
            "message_type": "TYPE_UPDATE_MESSAGE",
            "chat_id": "c",
            "chat_type": "Buyer_Seller_Select",
            "message_id": "3000000000817031942",
            "seller_id": "7",
        }
    )
    assert (edited.kind, edited.is_buyer_chat, edited.message_id) == (
        PushKind.UPDATE_MESSAGE,
        True,
        "3000000000817031942",
    )
    closed = parsing.push({"message_type": "TYPE_CHAT_CLOSED", "chat_id": "c", "seller_id": 7})
    assert (closed.kind, closed.seller_id) == (PushKind.CHAT_CLOSED, "7")


def test_roles_name_missing_methods_and_expiry_warnings() -> None:
    roles = KeyRoles(
        roles=(KeyRole(name="Chat", methods=("/v3/chat/list", "/v3/chat/history")),),
        expires_at=NOW + timedelta(days=6, hours=23),
    )
    assert roles.missing(["/v3/chat/list", "/v1/chat/send/message"]) == ("/v1/chat/send/message",)
    assert roles.warning_due(NOW) == 7
    assert roles.warning_due(NOW - timedelta(days=10)) is None
    assert roles.warning_due(NOW + timedelta(days=7)) == 1
    assert 6 * 86400 < (roles.seconds_left(NOW) or 0) < 7 * 86400


def posting(**changes: object) -> Posting:
    base = Posting(
        posting_number="1-1-1",
        order_number="1-1",
        scheme="fbs",
        status="delivered",
        substatus="",
        tracking_number=None,
        in_process_at=None,
        shipment_date=None,
        delivering_date=None,
        delivery_date=None,
        products=(),
        cancel_reason=None,
    )
    return Posting.model_validate({**base.model_dump(), **changes})


def test_fbs_reply_window_counts_from_fact_delivery_date() -> None:
    delivered = posting(fact_delivery_date=NOW - timedelta(days=5))
    assert reply_window_end(delivered, NOW - timedelta(days=1)) == NOW + timedelta(days=1)
    fresh = posting(fact_delivery_date=NOW - timedelta(hours=10))
    assert reply_window_end(fresh, NOW - timedelta(days=1)) == NOW + timedelta(hours=62)
    assert reply_window_end(posting(status="delivering"), None) is None


def test_start_chat_is_allowed_only_with_can_create_chat() -> None:
    assert posting(available_actions=("can_create_chat",)).can_create_chat
    assert not posting().can_create_chat
    assert not posting(scheme="fbo", available_actions=("can_create_chat",)).can_create_chat
