"""Faults scoped to one chat or one shop, for the fault drills (tests/drills, docs/drills.md).

`POST /sandbox/faults` breaks the next calls of a method whoever makes them. Some failures only
show when the rest keeps working, so these control calls break one chat or one shop:

    POST /sandbox/chat-fault   {"chat_id", "kind", "client_id"?}
         /v3/chat/history of that chat misbehaves until {"kind": "clear"}: `surrogate` (the
         buyer's texts end in a lone UTF-16 surrogate, a cut emoji, as JSON `\\ud83d`),
         `no_created_at` (messages without `created_at`), `404` (Ozon's "chat not found")
    POST /sandbox/shop-fault   {"client_id", "method", "kind": "429"|"500", "count"?,
                                "retry_after"?}
         the next `count` calls of `method` made with that Client-Id fail (429 carries
         `Retry-After: retry_after`, which may be huge: 86400)
    POST /sandbox/history-lag  {"seconds", "chat_id"?, "client_id"?}
         what the seller sent stays out of /v3/chat/history for `seconds` after it was sent
         (all chats when `chat_id` is absent; 0 ends it): a send whose answer was lost looks
         unsent to whoever checks the history too early

They work as a middleware around the Seller API, so the methods themselves stay as Ozon
specifies them and the other faults combine with these (e.g. `timeout_after_send` + a lag).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

HISTORY = "/v3/chat/history"
CUT_EMOJI = "\ud83d"
CHAT_KINDS = frozenset({"surrogate", "no_created_at", "404", "clear"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ShopFault:
    method: str
    kind: str
    remaining: int
    retry_after: float


@dataclass
class DrillFaults:
    chats: dict[tuple[str | None, str], str] = field(default_factory=dict)
    """(client_id or None for any shop, chat_id) → chat fault kind."""
    shops: dict[str, list[ShopFault]] = field(default_factory=dict)
    lag: dict[tuple[str | None, str | None], timedelta] = field(default_factory=dict)
    """(client_id, chat_id), None meaning any → how long sent messages stay out of history."""

    def chat_fault(self, client_id: str, chat_id: str) -> str | None:
        return self.chats.get((client_id, chat_id)) or self.chats.get((None, chat_id))

    def take_shop_fault(self, client_id: str, method: str) -> ShopFault | None:
        for fault in self.shops.get(client_id, []):
            if fault.method == method and fault.remaining > 0:
                fault.remaining -= 1
                return fault
        return None

    def lag_for(self, client_id: str, chat_id: str) -> timedelta | None:
        for key in ((client_id, chat_id), (None, chat_id), (client_id, None), (None, None)):
            if key in self.lag:
                return self.lag[key]
        return None


FAULTS = web.AppKey("sandbox_drill_faults", DrillFaults)


# --- the middleware ------------------------------------------------------------------------


@web.middleware
async def drill_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    faults = request.app[FAULTS]
    if request.path.startswith("/sandbox/") or not (faults.chats or faults.shops or faults.lag):
        return await handler(request)
    client_id = request.headers.get("Client-Id", "")
    shop_fault = faults.take_shop_fault(client_id, request.path)
    if shop_fault is not None:
        return _shop_failure(shop_fault)
    if request.path != HISTORY:
        return await handler(request)
    chat_id = await _chat_id(request)
    kind = faults.chat_fault(client_id, chat_id)
    if kind == "404":
        body = {"code": 5, "message": f"chat {chat_id} not found", "details": []}
        return web.json_response(body, status=404)
    response = await handler(request)
    lag = faults.lag_for(client_id, chat_id)
    if (kind is None and lag is None) or not isinstance(response, web.Response):
        return response
    return _reshaped(response, kind, lag)


def _shop_failure(fault: ShopFault) -> web.Response:
    if fault.kind == "429":
        body = {"code": 8, "message": "You have reached request rate limit per second"}
        headers = {"Retry-After": f"{fault.retry_after:g}"}
        return web.json_response(body, status=429, headers=headers)
    return web.json_response({"code": 13, "message": "Internal error"}, status=500)


async def _chat_id(request: web.Request) -> str:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        return ""
    return str(body.get("chat_id", "")) if isinstance(body, dict) else ""


def _reshaped(response: web.Response, kind: str | None, lag: timedelta | None) -> web.Response:
    if response.status != 200 or not isinstance(response.body, bytes):
        return response
    data = json.loads(response.body)
    messages = data.get("messages", [])
    if lag is not None:
        messages = [m for m in messages if not _still_hidden(m, lag)]
    for message in messages:
        if kind == "surrogate" and _from_buyer(message):
            message["data"] = [text + CUT_EMOJI for text in message.get("data", [])]
        elif kind == "no_created_at":
            message.pop("created_at", None)
    data["messages"] = messages
    # json.dumps escapes the lone surrogate as \ud83d, which is how it reaches a client.
    return web.json_response(data, status=200)


def _from_buyer(message: dict[str, object]) -> bool:
    user = message.get("user")
    kind = user.get("type") if isinstance(user, dict) else None
    return isinstance(kind, str) and kind.lower() not in ("seller", "support")


def _still_hidden(message: dict[str, object], lag: timedelta) -> bool:
    if _from_buyer(message) or not isinstance(message.get("created_at"), str):
        return False
    created = datetime.fromisoformat(str(message["created_at"]).replace("Z", "+00:00"))
    return datetime.now(UTC) < created + lag


# --- control calls ---------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class _ChatFaultIn(_In):
    chat_id: str = Field(min_length=1)
    kind: str
    client_id: str | None = None


class _ShopFaultIn(_In):
    client_id: str = Field(min_length=1)
    method: str = Field(pattern=r"^/v\d+/")
    kind: str = Field(pattern=r"^(429|500)$")
    count: int = Field(default=1, ge=1)
    retry_after: float = Field(default=1.0, ge=0)


class _LagIn(_In):
    seconds: float = Field(ge=0)
    chat_id: str | None = None
    client_id: str | None = None


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


M = TypeVar("M", bound=_In)


async def _parsed(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate_json(await request.read() or b"{}")
    except ValidationError as exc:
        error = exc.errors()[0]
        raise _bad(f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}") from exc


async def _chat_fault(request: web.Request) -> web.Response:
    data = await _parsed(request, _ChatFaultIn)
    if data.kind not in CHAT_KINDS:
        raise _bad(f"unknown chat fault {data.kind!r}; use {sorted(CHAT_KINDS)}")
    chats = request.app[FAULTS].chats
    if data.kind == "clear":
        chats.pop((data.client_id, data.chat_id), None)
    else:
        chats[(data.client_id, data.chat_id)] = data.kind
    return web.json_response({"ok": True})


async def _shop_fault(request: web.Request) -> web.Response:
    data = await _parsed(request, _ShopFaultIn)
    fault = ShopFault(data.method, data.kind, data.count, data.retry_after)
    request.app[FAULTS].shops.setdefault(data.client_id, []).append(fault)
    return web.json_response({"ok": True})


async def _history_lag(request: web.Request) -> web.Response:
    data = await _parsed(request, _LagIn)
    lag = request.app[FAULTS].lag
    if data.seconds == 0:
        lag.pop((data.client_id, data.chat_id), None)
    else:
        lag[(data.client_id, data.chat_id)] = timedelta(seconds=data.seconds)
    return web.json_response({"ok": True})


def install(app: web.Application) -> None:
    """Add the drill faults to an emulator app (before it starts)."""
    app[FAULTS] = DrillFaults()
    app.middlewares.append(drill_faults)
    app.router.add_post("/sandbox/chat-fault", _chat_fault)
    app.router.add_post("/sandbox/shop-fault", _shop_fault)
    app.router.add_post("/sandbox/history-lag", _history_lag)
