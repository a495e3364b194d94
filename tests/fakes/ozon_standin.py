"""A stand-in for Ozon written from Ozon's documents, not from our emulator.

It speaks only the shapes of ../shared/ozon/openapi-2026-10.json (copied in tests/contract) and
the error bodies live sellers report (../shared/ozon/README.md): an invalid key is HTTP 404
`{"code": 5, "message": "Invalid Api-Key, please check the key and try again"}`, a write the
subscription lacks is HTTP 403 `{"code": 7, "message": "rpc error: code = PermissionDenied desc
= not available with existing subscription"}`, the limit is 429 with `Retry-After`. It holds one
Ozon Select chat, one ordinary buyer chat and a support chat, and counts every call.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.local_server import LocalServer

INVALID_KEY = {
    "code": 5,
    "message": "Invalid Api-Key, please check the key and try again",
    "details": [],
}
NO_SUBSCRIPTION = {
    "code": 7,
    "message": "rpc error: code = PermissionDenied desc = not available with existing subscription",
    "details": [],
}
RATE_LIMIT = {"code": 8, "message": "You have reached request rate limit per second", "details": []}

CHATS = [
    {
        "chat": {
            "chat_id": "5e767w03-b400-4y1b-a841-75319ca8a5c8",
            "chat_status": "OPENED",
            "chat_type": "BUYER_SELLER_SELECT",
            "created_at": "2026-10-01T10:00:00.000Z",
        },
        "first_unread_message_id": 3000000000118021931,
        "last_message_id": 30000000001280042740,
        "unread_count": 1,
    },
    {
        "chat": {
            "chat_id": "b646d975-0c9c-4872-9f41-8b1e57181063",
            "chat_status": "OPENED",
            "chat_type": "SELLER_SUPPORT",
            "created_at": "2026-10-01T09:00:00.000Z",
        },
        "first_unread_message_id": 3000000000118021932,
        "last_message_id": 3000000000118021932,
        "unread_count": 1,
    },
]
HISTORY = {
    "has_next": False,
    "messages": [
        {
            "message_id": "30000000001280042740",
            "created_at": "2026-10-01T10:00:00.000Z",
            "data": ["Здравствуйте, когда привезут?"],
            "is_image": False,
            "is_read": False,
            "user": {"id": "115568", "type": "Сustomer"},
            "context": {"order_number": "123456789-0001", "sku": "1234567890"},
        }
    ],
}


@dataclass
class Standin:
    key_valid: bool = True
    premium: bool = False
    expires_at: str = "2026-12-01T00:00:00Z"
    retry_after: str | None = None
    """When set, every call is refused with 429 and this Retry-After."""
    calls: Counter[str] = field(default_factory=Counter)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        method = request.path
        self.calls[method] += 1
        if not self.key_valid:
            return web.json_response(INVALID_KEY, status=404)
        if self.retry_after is not None:
            headers = {"Retry-After": self.retry_after, "Ratelimit-Remaining": "0"}
            return web.json_response(RATE_LIMIT, status=429, headers=headers)
        if method in ("/v1/chat/send/message", "/v2/chat/read") and not self.premium:
            return web.json_response(NO_SUBSCRIPTION, status=403)
        return web.json_response(self._answer(method))

    def _answer(self, method: str) -> dict[str, object]:
        if method == "/v3/chat/list":
            return {"chats": CHATS, "total_unread_count": 2, "cursor": "", "has_next": False}
        if method == "/v3/chat/history":
            return HISTORY
        if method == "/v1/roles":
            return {
                "roles": [{"name": "Chat", "methods": ["/v3/chat/list", "/v3/chat/history"]}],
                "expires_at": self.expires_at,
            }
        return {"result": "success"}


@asynccontextmanager
async def serve_standin(standin: Standin | None = None) -> AsyncIterator[Standin]:
    standin = standin or Standin()
    app = web.Application()
    for path in ("/v3/chat/list", "/v3/chat/history", "/v1/chat/send/message", "/v1/roles"):
        app.router.add_post(path, standin.handle)
    server = LocalServer(app)
    await server.start()
    try:
        standin.url = server.url
        yield standin
    finally:
        await server.close()
