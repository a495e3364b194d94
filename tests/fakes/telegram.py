"""A local Telegram Bot API server for tests: real HTTP, the methods aiogram calls, nothing else.

    async with FakeTelegram.running(TOKEN) as tg:
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
        tg.say(chat_id=-100123, user=ANNA, text="/queue")        # a message from a person
        tg.press(chat_id=-100123, user=ANNA, message_id=5, data="esc:take:main-1")
        await tg.wait_for(lambda: tg.sent(-100123))

It answers at `/bot<token>/<method>` like Telegram: `{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description", "parameters"?}`. Updates are served by `getUpdates`
with long polling and offsets (an update is gone once a later offset confirms it). Every request
is recorded (`calls`), so tests assert on what the bot really sent. Outages: `fail()` makes the
next requests answer 503/429/400, `go_down()` refuses connections (the port is closed and kept
connections are dropped) until `come_back()` reopens the same port.

Per chat, as Telegram answers them: `kick(chat)` makes every request naming that chat answer 403
"Forbidden: bot was kicked from the supergroup chat" and `lose(chat)` 400 "Bad Request: chat not
found", both until `readmit(chat)`; `throttle(chat, seconds)` answers 429 with the seconds left
as `retry_after` until they have passed. `refusals` counts what each chat was answered that way.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

Json = dict[str, Any]
BOT_ID = 7000001


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None

    def as_json(self) -> Json:
        data: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class Call:
    method: str
    params: Json


@dataclass
class Sent:
    """A message in a chat as the fake keeps it (bot messages and injected ones)."""

    chat_id: int
    message_id: int
    text: str
    from_bot: bool
    reply_to: int | None = None
    markup: Json | None = None
    user: User | None = None
    edits: int = 0

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, row by row."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def button(self, label: str) -> str:
        """The callback data of the button labelled `label`."""
        for text, data in self.buttons:
            if text == label:
                return data
        raise AssertionError(f"no button {label!r} on message {self.message_id}: {self.buttons}")


@dataclass
class _Fault:
    kind: str
    count: int
    retry_after: int


_KICKED = (403, "Forbidden: bot was kicked from the supergroup chat")
_NOT_FOUND = (400, "Bad Request: chat not found")


@dataclass
class FakeTelegram:
    token: str
    bot_username: str = "ozonbot_test_bot"
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    answers: list[Json] = field(default_factory=list)
    """answerCallbackQuery requests (text, show_alert) in order."""
    _updates: list[Json] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: dict[int, itertools.count[int]] = field(default_factory=dict)
    _faults: dict[str, _Fault] = field(default_factory=dict)
    _barred: dict[int, tuple[int, str]] = field(default_factory=dict)
    _throttled: dict[int, float] = field(default_factory=dict)
    refusals: dict[int, list[int]] = field(default_factory=dict)
    """Per chat, the status of every request refused by `kick`, `lose` or `throttle`."""
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _closing: bool = False
    _down: bool = False
    _server: LocalServer | None = None

    # --- running ----------------------------------------------------------------------

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, token: str) -> AsyncIterator[FakeTelegram]:
        fake = cls(token)
        await fake.start()
        try:
            yield fake
        finally:
            await fake.close()

    @property
    def server(self) -> LocalServer:
        assert self._server is not None, "start() first"
        return self._server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._server = LocalServer(app, shutdown_timeout=1.0)
        await self._server.start()

    async def close(self) -> None:
        self._closing = True
        self._new_update.set()
        if self._server is not None:
            await self._server.close()

    async def go_down(self) -> None:
        """Connections are refused (and requests on kept-alive connections dropped)."""
        self._down = True
        self._new_update.set()  # long polls in flight end now, as a dying server's would
        await self.server.refuse()

    async def come_back(self) -> None:
        self._down = False
        self._new_update.clear()
        await self.server.listen()

    def fail(self, method: str, kind: str = "503", *, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` calls of `method` ("*": any method but getUpdates) fail with
        `kind`: "503" (server error), "429" (Too Many Requests + retry_after), "400"."""
        self._faults[method] = _Fault(kind, count, retry_after)

    def kick(self, chat_id: int) -> None:
        """The bot was removed from `chat_id`: every request naming it answers 403."""
        self._barred[chat_id] = _KICKED

    def lose(self, chat_id: int) -> None:
        """`chat_id` does not exist for the bot (a wrong id in the configuration): 400."""
        self._barred[chat_id] = _NOT_FOUND

    def readmit(self, chat_id: int) -> None:
        """The bot is back in `chat_id` (or the chat exists again)."""
        self._barred.pop(chat_id, None)

    def throttle(self, chat_id: int, seconds: float) -> None:
        """Requests naming `chat_id` answer 429 until `seconds` from now have passed."""
        self._throttled[chat_id] = time.monotonic() + seconds

    # --- what people do ---------------------------------------------------------------

    def say(self, chat_id: int, user: User, text: str, *, reply_to: int | None = None) -> int:
        """A person writes `text` in `chat_id` (optionally as a reply); returns its message id."""
        message = self._store(chat_id, text, from_bot=False, reply_to=reply_to, user=user)
        payload = self._message_json(message)
        if text.startswith("/"):
            command = text.split()[0]
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._push({"message": payload})
        return message.message_id

    def post_photo(self, chat_id: int, user: User, *, reply_to: int | None = None) -> int:
        message = self._store(chat_id, "", from_bot=False, reply_to=reply_to, user=user)
        payload = self._message_json(message)
        payload.pop("text", None)
        payload["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
        self._push({"message": payload})
        return message.message_id

    def press(self, chat_id: int, user: User, message_id: int, data: str) -> str:
        """A person taps the inline button with callback `data` under message `message_id`."""
        query_id = f"cq{next(self._update_ids)}"
        message = self.messages[(chat_id, message_id)]
        query = {
            "id": query_id,
            "from": user.as_json(),
            "chat_instance": str(chat_id),
            "data": data,
            "message": self._message_json(message),
        }
        self._push({"callback_query": query})
        return query_id

    # --- what tests look at ---------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[Sent]:
        """Messages the bot sent, oldest first."""
        found = [m for m in self.messages.values() if m.from_bot]
        return [m for m in found if chat_id is None or m.chat_id == chat_id]

    def replies_to(self, chat_id: int, message_id: int) -> list[Sent]:
        return [m for m in self.sent(chat_id) if m.reply_to == message_id]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_for(self, condition: Callable[[], object], within_s: float = 5.0) -> None:
        deadline = time.monotonic() + within_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)

    # --- the Bot API ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._down:
            # A kept-alive connection to a server that is going away: dropped without an answer.
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        params = await _params(request)
        method = request.match_info["method"]
        self.calls.append(Call(method, params))
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        fault = self._take_fault(method)
        if fault is not None:
            return _fault_response(fault)
        refusal = self._refusal(params)
        if refusal is not None:
            return refusal
        handler = _METHODS.get(method.lower())
        if handler is None:
            return _error(404, "Not Found: method not found")
        return await handler(self, params)

    def _take_fault(self, method: str) -> _Fault | None:
        key = method if method in self._faults else ("*" if method != "getUpdates" else None)
        fault = self._faults.get(key) if key else None
        if fault is None:
            return None
        fault.count -= 1
        if fault.count <= 0:
            del self._faults[key]  # type: ignore[arg-type]
        return fault

    def _refusal(self, params: Json) -> web.Response | None:
        """Telegram's answer for a chat the bot cannot write to now, or None."""
        raw = params.get("chat_id")
        if raw is None:
            return None
        chat_id = int(raw)
        answer: web.Response | None = None
        left = self._throttled.get(chat_id, 0.0) - time.monotonic()
        if chat_id in self._barred:
            status, description = self._barred[chat_id]
            answer = _error(status, description)
        elif left > 0:
            wait = math.ceil(left)
            answer = _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        if answer is not None:
            self.refusals.setdefault(chat_id, []).append(answer.status)
        return answer

    async def _get_me(self, params: Json) -> web.Response:
        return _ok(self._bot_json())

    async def _true(self, params: Json) -> web.Response:
        return _ok(True)

    async def _get_updates(self, params: Json) -> web.Response:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._closing:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        if self._down:
            return _error(502, "Bad Gateway")
        return _ok(list(self._updates[:100]))

    async def _send_message(self, params: Json) -> web.Response:
        chat_id = int(params["chat_id"])
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        message = self._store(
            chat_id,
            str(params["text"]),
            from_bot=True,
            reply_to=int(reply_to) if reply_to else None,
            markup=params.get("reply_markup"),
        )
        return _ok(self._message_json(message))

    async def _edit_text(self, params: Json) -> web.Response:
        message = self.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None or not message.from_bot:
            return _error(400, "Bad Request: message to edit not found")
        text, markup = str(params["text"]), params.get("reply_markup")
        if text == message.text and markup == message.markup:
            return _error(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same",
            )
        message.text, message.markup = text, markup
        message.edits += 1
        return _ok(self._message_json(message))

    async def _edit_markup(self, params: Json) -> web.Response:
        message = self.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None or not message.from_bot:
            return _error(400, "Bad Request: message to edit not found")
        message.markup = params.get("reply_markup")
        message.edits += 1
        return _ok(self._message_json(message))

    async def _answer_callback(self, params: Json) -> web.Response:
        self.answers.append(params)
        return _ok(True)

    # --- helpers ------------------------------------------------------------------------------

    def _bot_json(self) -> Json:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Ozonbot",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    def _store(
        self,
        chat_id: int,
        text: str,
        *,
        from_bot: bool,
        reply_to: int | None = None,
        markup: Json | None = None,
        user: User | None = None,
    ) -> Sent:
        ids = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = Sent(chat_id, next(ids), text, from_bot, reply_to, markup or None, user)
        self.messages[(chat_id, message.message_id)] = message
        return message

    def _message_json(self, message: Sent, *, nested: bool = False) -> Json:
        chat_type = "supergroup" if message.chat_id < 0 else "private"
        data: Json = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": chat_type, "title": "Staff"},
            "from": self._bot_json() if message.from_bot else message.user.as_json(),  # type: ignore[union-attr]
            "text": message.text,
        }
        if message.markup:
            data["reply_markup"] = message.markup
        original = self.messages.get((message.chat_id, message.reply_to or 0))
        if original is not None and not nested:
            data["reply_to_message"] = self._message_json(original, nested=True)
        return data

    def _push(self, update: Json) -> None:
        self._updates.append({"update_id": next(self._update_ids), **update})
        self._new_update.set()


_METHODS: dict[str, Callable[[FakeTelegram, Json], Awaitable[web.Response]]] = {
    "getme": FakeTelegram._get_me,
    "getupdates": FakeTelegram._get_updates,
    "deletewebhook": FakeTelegram._true,
    "sendmessage": FakeTelegram._send_message,
    "editmessagetext": FakeTelegram._edit_text,
    "editmessagereplymarkup": FakeTelegram._edit_markup,
    "answercallbackquery": FakeTelegram._answer_callback,
    "setmycommands": FakeTelegram._true,
}


async def _params(request: web.Request) -> Json:
    """aiogram posts form fields; objects (reply_markup, reply_parameters...) are JSON strings."""
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: Json = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else ""
        params[key] = json.loads(text) if text[:1] in "{[" else text
    return params


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **parameters: int) -> web.Response:
    body: Json = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _fault_response(fault: _Fault) -> web.Response:
    if fault.kind == "429":
        return _error(
            429,
            f"Too Many Requests: retry after {fault.retry_after}",
            retry_after=fault.retry_after,
        )
    if fault.kind == "400":
        return _error(400, "Bad Request: can't parse entities")
    return _error(503, "Service Unavailable")
