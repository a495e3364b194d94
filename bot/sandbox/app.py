"""The Ozon Seller API emulator as an aiohttp application.

    async with serve(SandboxState(), spec=Path("../shared/ozon/openapi-subset.json")) as sandbox:
        ozon = http.client(base_url=sandbox.url, client_id="1", api_key="k")

(or `create_app(state)` under your own `web.AppRunner`).

Seller API: the twelve methods of `bot.sandbox.seller` at Ozon's paths, `Client-Id`/`Api-Key`
required (any pair unless the state has fixed credentials), errors in Ozon's format.

Control API (for tests and demos; ARCHITECTURE.md "Command line" has the contract):
    POST /sandbox/buyer-message  {"chat_id", "text", "context"?: {"order_number", "sku"},
                                  "client_id"?}                      → {"message_id"}
    POST /sandbox/seller-message {"chat_id", "text", "client_id"?}   staff typing in Ozon's
                                  cabinet: in the chat history only, not in /sandbox/sent
    GET  /sandbox/sent[?client_id=] → [{"chat_id", "text", "sent_at", "client_id", "file_name"}]
                                  every message and file sent through the Seller API
    POST /sandbox/faults {"method", "kind", "count"?, "retry_after"?, "status"?, "body"?,
                          "content_type"?}: the next `count` calls of `method` fail; kinds:
         429 (Retry-After: retry_after), 500, circle ("Circle is open"), premium (Ozon's refusal
         without Premium), malformed (broken JSON), html (a proxy's HTML page), empty (empty
         body), timeout (holds the connection for `hold_s`, the method does nothing),
         timeout_after_send / reset_after_send (the method does its work, then the connection
         is held / dropped: for send-reconciliation tests), custom (status/body/content_type)
    POST /sandbox/reset          forget everything but the start-up seed and settings
    POST /sandbox/seed           {"postings", "products", "returns", "client_id"?}
    POST /sandbox/premium        {"enabled": bool, "client_id"?}   false: a shop without Premium
                                  Plus/Pro, every chat write refused with Ozon's real 403
                                  (code 7, "not available with existing subscription")
    POST /sandbox/key            {"client_id"?, "invalid"?, "expires_in_days"?,
                                  "missing_methods"?}: a revoked key (every call 404 code 5
                                  "Invalid Api-Key ..."), `/v1/roles` expiry, roles taken away
    POST /sandbox/push-urls      {"client_id"?, "url"?, "availability"? GREEN|YELLOW|RED,
                                  "enabled"?, "disable_reason"?, "present"?}: what
                                  /v1/notification/list shows
    POST /sandbox/support-message {"chat_id", "text", "client_id"?}  Ozon support writes in a
                                  SELLER_SUPPORT chat (the bot must leave it alone)
    (buyer-message also takes "chat_type": BUYER_SELLER_SELECT for an Ozon Select buyer)
Every Seller API answer carries `Ratelimit-Remaining`; over 50 calls in one second per Client-Id
(`SandboxState(rate_limit_rps=...)`, 0: off) the answer is Ozon's 429 with `Retry-After: 1`.
    POST /sandbox/reply-windows  {"enabled": bool}   enforce Ozon's reply windows
    POST /sandbox/clock          {"now": "2026-11-21T20:30:00Z" | null}
    POST /sandbox/chat-status    {"chat_id", "closed": bool, "client_id"?}
    GET  /sandbox/health         {"ok": true, "shops": [...]}
    GET  /sandbox/chats[?client_id=]   every chat with its messages (inspection)
Product questions and reviews, their seeding (`questions:`/`reviews:`), moderation and
subscription controls: `bot.sandbox.public`.

Long (~580 lines) because it is the emulator's route table: one short handler per emulated Ozon
method, each next to the shape it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import OzonMalformedError, SeedError
from bot.sandbox import drill_faults, public, render
from bot.sandbox.account import OPERATIONS as ACCOUNT
from bot.sandbox.account import push_url, roles_for
from bot.sandbox.openapi import OpenApiSpec
from bot.sandbox.posting_lists import OPERATIONS as POSTING_LISTS
from bot.sandbox.request import Node
from bot.sandbox.seller import OPERATIONS, Operation
from bot.sandbox.state import (
    AFTER_KINDS,
    PREMIUM_REFUSAL,
    Author,
    Fault,
    Refusal,
    SandboxState,
    Shop,
    bad_request,
)

log = logging.getLogger(__name__)

STATE = web.AppKey("sandbox_state", SandboxState)
_SPEC = web.AppKey("sandbox_spec", OpenApiSpec)
_HOLD = web.AppKey("sandbox_hold", asyncio.Event)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class RunningSandbox:
    url: str
    """Base URL, e.g. http://127.0.0.1:40123 (what `OZON_API_URL` would be)."""
    state: SandboxState


@asynccontextmanager
async def serve(
    state: SandboxState | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    spec: Path | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[RunningSandbox]:
    """Runs the emulator on `host:port` (0: a free port) until the block ends."""
    app = create_app(state, clock=clock, spec=spec)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        yield RunningSandbox(url=f"http://{bound_host}:{bound_port}", state=app[STATE])
    finally:
        await runner.cleanup()


def create_app(
    state: SandboxState | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    spec: Path | None = None,
) -> web.Application:
    """The emulator over `state` (a fresh one if None). With `spec`, every request and answer
    is validated against that OpenAPI file and violations land in `state.schema_violations`."""
    state = state or SandboxState()
    if clock is not None:
        state.use_clock(clock)
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[STATE] = state
    app[_HOLD] = asyncio.Event()
    if spec is not None:
        app[_SPEC] = OpenApiSpec(spec)
    app.on_shutdown.append(_release_held)
    for method, operation in all_operations().items():
        app.router.add_post(method, _seller_handler(method, operation))
    _add_control_routes(app)
    drill_faults.install(app)  # one chat's or one shop's faults (docs/drills.md)
    public.install(app, STATE)  # product questions and reviews (bot/sandbox/public.py)
    return app


def all_operations() -> dict[str, Operation]:
    """Every Seller API method the emulator serves, `/v1/roles` granting all of them."""
    served: dict[str, Operation] = {**OPERATIONS, **POSTING_LISTS, **ACCOUNT, **public.OPERATIONS}

    def roles(state: SandboxState, shop: Shop, body: Node) -> dict[str, object]:
        return roles_for(state, shop, served)

    return served | {"/v1/roles": roles}


async def _release_held(app: web.Application) -> None:
    # Requests held by `timeout` faults end now, so shutting down does not wait for them.
    app[_HOLD].set()


# --- Seller API ----------------------------------------------------------------------------


def _seller_handler(method: str, operation: Operation) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        try:
            shop = state.shop_for_api(
                request.headers.get("Client-Id", ""), request.headers.get("Api-Key", "")
            )
            remaining = state.admit(shop, method)
            body = await _request_body(request, method)
            fault = state.take_fault(method)
            if fault is not None and fault.kind not in AFTER_KINDS:
                return await _misbehave(request, fault)
            state.require_premium(shop, method)
            answer = operation(state, shop, Node(body, method))
        except Refusal as refusal:
            return _answer(request, method, refusal.status, _ozon_error(refusal, method))
        except OzonMalformedError as exc:
            return _answer(request, method, 400, _ozon_error(bad_request(exc.message), method))
        if fault is not None:
            return await _misbehave_after(request, fault, method, answer)
        headers = {"Ratelimit-Remaining": str(remaining)}
        return _answer(request, method, 200, answer, headers=headers)

    return handle


async def _request_body(request: web.Request, method: str) -> object:
    try:
        body: object = json.loads(await request.read() or b"{}")
    except ValueError:
        raise bad_request("the body is not JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    if _documented(request, method):
        problems = request.app[_SPEC].request_errors(method, body)
        if problems:
            request.app[STATE].schema_violations.extend(problems)
            raise bad_request("; ".join(problems))
    return body


def _ozon_error(refusal: Refusal, method: str = "") -> dict[str, object]:
    # The question methods document `details` as a string (v1QuestionAnswerCreateDefault).
    details: object = "" if method.startswith("/v1/question/") else []
    return {"code": refusal.code, "message": refusal.message, "details": details}


def _documented(request: web.Request, method: str) -> bool:
    """Strict mode checks the methods its schema file has (the posting lists are only in the
    2026-10 file)."""
    return _SPEC in request.app and method in request.app[_SPEC].methods


def _answer(
    request: web.Request,
    method: str,
    status: int,
    body: object,
    *,
    headers: dict[str, str] | None = None,
) -> web.Response:
    if status == 429:
        # Ozon's "Лимиты" section documents 429 for every method; the methods' own response
        # lists do not, so it is not checked against them.
        headers = {"Retry-After": "1", "Ratelimit-Remaining": "0"}
    elif _documented(request, method):
        problems = request.app[_SPEC].response_errors(method, status, body)
        if problems:
            request.app[STATE].schema_violations.extend(problems)
            # The problem text may quote message bodies: count here, details in the state.
            log.error(
                "emulator answer to %s breaks the schema (%d problems)", method, len(problems)
            )
            body, status = {"code": 13, "message": "emulator: " + problems[0]}, 500
    return web.json_response(body, status=status, headers=headers)


async def _hold(request: web.Request) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(request.app[_HOLD].wait(), request.app[STATE].hold_s)


async def _misbehave(request: web.Request, fault: Fault) -> web.StreamResponse:
    kind = fault.kind
    if kind == "timeout":
        await _hold(request)
        return web.json_response({"code": 4, "message": "deadline exceeded"}, status=504)
    if kind == "429":
        body = {"code": 8, "message": "You have reached request rate limit per second"}
        headers = {"Retry-After": f"{fault.retry_after:g}"}
        return web.json_response(body, status=429, headers=headers)
    if kind == "premium":
        return web.json_response(_ozon_error(PREMIUM_REFUSAL), status=PREMIUM_REFUSAL.status)
    return _broken(fault)


def _broken(fault: Fault) -> web.Response:
    canned = {
        "500": (500, "application/json", '{"code": 13, "message": "Internal error"}'),
        "circle": (503, "application/json", '{"code": 14, "message": "Circle is open"}'),
        "malformed": (200, "application/json", '{"result": {"chat_id": "'),
        "html": (200, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        "empty": (200, "application/json", ""),
    }
    status, content_type, text = canned.get(
        fault.kind, (fault.status, fault.content_type, fault.body)
    )
    return web.Response(status=status, text=text, content_type=content_type)


async def _misbehave_after(
    request: web.Request, fault: Fault, method: str, answer: object
) -> web.StreamResponse:
    """The method did its work; the answer never arrives in time (or at all)."""
    if fault.kind == "reset_after_send" and request.transport is not None:
        request.transport.abort()
        return web.Response(status=500)
    await _hold(request)
    return _answer(request, method, 200, answer)


# --- control API ---------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class _Context(_In):
    order_number: str | None = None
    sku: str | None = None


class _BuyerMessage(_In):
    chat_id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    context: _Context | None = None
    client_id: str | None = None
    chat_type: str | None = Field(default=None, pattern=r"^[A-Z_]+$")
    """For a new chat: BUYER_SELLER (default) or BUYER_SELLER_SELECT, as /v3/chat/list spells."""


class _SupportMessage(_In):
    chat_id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    client_id: str | None = None


class _Key(_In):
    client_id: str | None = None
    invalid: bool = False
    """Answer every call like a revoked key (404, code 5)."""
    expires_in_days: float | None = None
    """`/v1/roles` → `expires_at` this far from now (negative: already expired)."""
    missing_methods: list[str] = Field(default_factory=list)
    """Methods the key has no role for: left out of /v1/roles and refused."""


class _PushUrls(_In):
    client_id: str | None = None
    url: str = "https://bot.example.com/push"
    availability: str = Field(default="GREEN", pattern=r"^(GREEN|YELLOW|RED)$")
    enabled: bool = True
    disable_reason: str = Field(default="", pattern=r"^(|SELLER|AVAILABILITY|ADMIN)$")
    present: bool = True
    """False: no push URL at all."""


class _SellerMessage(_In):
    chat_id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    client_id: str | None = None


class _FaultIn(_In):
    method: str
    kind: str
    count: int = Field(default=1, ge=1)
    retry_after: float = Field(default=1.0, ge=0)
    status: int = Field(default=200, ge=100, le=599)
    body: str = ""
    content_type: str = "application/json"


class _Switch(_In):
    enabled: bool
    client_id: str | None = None


class _Clock(_In):
    now: datetime | None = None


class _ChatStatus(_In):
    chat_id: str
    closed: bool
    client_id: str | None = None


M = TypeVar("M", bound=_In)


async def _read(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(await request.read() or b"{}")
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise _control_error(400, f"{where}: {error['msg']}") from exc


def _control_error(status: int, message: str) -> web.HTTPException:
    kind = web.HTTPNotFound if status == 404 else web.HTTPBadRequest
    return kind(text=json.dumps({"error": message}), content_type="application/json")


def _ok(**extra: object) -> web.Response:
    return web.json_response({"ok": True, **extra})


async def _buyer_message(request: web.Request) -> web.Response:
    data = await _read(request, _BuyerMessage)
    context = data.context or _Context()
    message_id = request.app[STATE].buyer_message(
        data.chat_id,
        data.text,
        order_number=context.order_number,
        sku=context.sku,
        client_id=data.client_id,
        chat_type=data.chat_type,
    )
    return web.json_response({"message_id": str(message_id)})


async def _support_message(request: web.Request) -> web.Response:
    """Ozon's support writes in the shop's support chat (SELLER_SUPPORT): the bot must not
    answer it."""
    data = await _read(request, _SupportMessage)
    message_id = request.app[STATE].buyer_message(
        data.chat_id,
        data.text,
        client_id=data.client_id,
        chat_type="SELLER_SUPPORT",
        author=Author.SUPPORT,
    )
    return web.json_response({"message_id": str(message_id)})


async def _key(request: web.Request) -> web.Response:
    """Make the shop's key invalid, expiring, or short of roles (drills and tests)."""
    data = await _read(request, _Key)
    state = request.app[STATE]
    shop = state.shop_for_control(data.client_id)
    shop.key_invalid = data.invalid
    shop.missing_methods = frozenset(data.missing_methods)
    days = data.expires_in_days
    shop.key_expires_at = None if days is None else state.now() + timedelta(days=days)
    return _ok(expires_at=render.moment(state.key_expiry(shop)))


async def _push_urls(request: web.Request) -> web.Response:
    data = await _read(request, _PushUrls)
    state = request.app[STATE]
    shop = state.shop_for_control(data.client_id)
    shop.push_urls = (
        [
            push_url(
                data.url,
                availability=data.availability,
                enabled=data.enabled,
                disable_reason=data.disable_reason,
                created_at=render.moment(state.now()),
            )
        ]
        if data.present
        else []
    )
    return _ok()


async def _seller_message(request: web.Request) -> web.Response:
    data = await _read(request, _SellerMessage)
    state = request.app[STATE]
    shop = state.shop_for_control(data.client_id)
    try:
        chat = shop.chat(data.chat_id)
    except Refusal as refusal:
        raise _control_error(404, refusal.message) from None
    message_id = state.seller_message(shop, chat, data.text, via="cabinet")
    return web.json_response({"message_id": str(message_id)})


async def _sent(request: web.Request) -> web.Response:
    wanted = request.query.get("client_id")
    records = [
        {
            "chat_id": record.chat_id,
            "text": record.text,
            "sent_at": render.moment(record.sent_at),
            "client_id": record.client_id,
            "file_name": record.file_name,
        }
        for record in request.app[STATE].sent
        if wanted is None or record.client_id == wanted
    ]
    return web.json_response(records)


async def _faults(request: web.Request) -> web.Response:
    data = await _read(request, _FaultIn)
    if data.method not in all_operations():
        raise _control_error(400, f"unknown method {data.method!r}")
    fault = Fault(
        kind=data.kind,
        remaining=data.count,
        retry_after=data.retry_after,
        status=data.status,
        body=data.body,
        content_type=data.content_type,
    )
    try:
        request.app[STATE].add_fault(data.method, fault)
    except Refusal as refusal:
        raise _control_error(400, refusal.message) from None
    return _ok()


async def _reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return _ok()


async def _seed(request: web.Request) -> web.Response:
    try:
        data = json.loads(await request.read() or b"{}")
        if not isinstance(data, dict):
            raise SeedError("the body must be a JSON object")
        client_id = data.get("client_id")
        seed = request.app[STATE].seed_from_scenario(data, str(client_id) if client_id else None)
    except (ValueError, SeedError) as exc:
        raise _control_error(400, str(exc)) from None
    return _ok(postings=len(seed.postings), products=len(seed.products), returns=len(seed.returns))


async def _premium(request: web.Request) -> web.Response:
    data = await _read(request, _Switch)
    request.app[STATE].shop_for_control(data.client_id).premium = data.enabled
    return _ok()


async def _reply_windows(request: web.Request) -> web.Response:
    data = await _read(request, _Switch)
    request.app[STATE].reply_windows = data.enabled
    return _ok()


async def _clock(request: web.Request) -> web.Response:
    data = await _read(request, _Clock)
    if data.now is not None and data.now.tzinfo is None:
        raise _control_error(400, "now needs a time zone, e.g. 2026-11-21T20:30:00Z")
    request.app[STATE].set_now(data.now)
    return _ok(now=render.moment(request.app[STATE].now()))


async def _chat_status(request: web.Request) -> web.Response:
    data = await _read(request, _ChatStatus)
    try:
        request.app[STATE].shop_for_control(data.client_id).chat(data.chat_id).closed = data.closed
    except Refusal as refusal:
        raise _control_error(404, refusal.message) from None
    return _ok()


async def _health(request: web.Request) -> web.Response:
    return _ok(shops=list(request.app[STATE].shops))


async def _chats(request: web.Request) -> web.Response:
    wanted = request.query.get("client_id")
    chats = [
        {
            "client_id": shop.client_id,
            "chat_id": chat.chat_id,
            "closed": chat.closed,
            "unread_count": chat.unread,
            "posting_number": chat.posting_number,
            "messages": [
                {
                    "message_id": str(m.message_id),
                    "author": m.author.value,
                    "text": m.text,
                    "is_read": m.is_read,
                    "created_at": render.moment(m.created_at),
                }
                for m in chat.messages
            ],
        }
        for shop in request.app[STATE].shops.values()
        if wanted is None or shop.client_id == wanted
        for chat in shop.chats.values()
    ]
    return web.json_response(chats)


def _add_control_routes(app: web.Application) -> None:
    app.router.add_post("/sandbox/buyer-message", _buyer_message)
    app.router.add_post("/sandbox/support-message", _support_message)
    app.router.add_post("/sandbox/key", _key)
    app.router.add_post("/sandbox/push-urls", _push_urls)
    app.router.add_post("/sandbox/seller-message", _seller_message)
    app.router.add_get("/sandbox/sent", _sent)
    app.router.add_post("/sandbox/faults", _faults)
    app.router.add_post("/sandbox/reset", _reset)
    app.router.add_post("/sandbox/seed", _seed)
    app.router.add_post("/sandbox/premium", _premium)
    app.router.add_post("/sandbox/reply-windows", _reply_windows)
    app.router.add_post("/sandbox/clock", _clock)
    app.router.add_post("/sandbox/chat-status", _chat_status)
    app.router.add_get("/sandbox/health", _health)
    app.router.add_get("/sandbox/chats", _chats)
