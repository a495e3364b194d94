"""A Rasa stand-in for the drills: the `ozonbot` input channel over HTTP, told to be slow or down.

It speaks the wire format of docs/dialogue.md the way `bot.dialogue.rasa.RasaClient` calls it:

    POST /webhooks/ozonbot/webhook             a buyer turn → intent, messages, custom payloads
    POST /conversations/{sender}/tracker/events  {"event": "pause" | "resume"}
    GET  /conversations/{sender}/tracker       the conversation (404 when it has none)
    GET  /status, GET /                        Rasa's health answers

and answers like `bot.dialogue.instant.InstantDialogue`: a rule-compliant reply naming the turn
("номер обращения {turn}", so the emulator's sent list says which turn a reply covers), or an
escalation for "сломан" (dispute) and "оператор" (human_request). Like the real channel
(`policies/channel.py`) it answers 400 to a blank message, and like the real escalation policy
(`policies/escalation.py`, `repeated_question`) a turn it has already answered, sent again,
is a repeated question: escalated with reason `unknown` instead of answered twice.

Faults, in-process or over HTTP (`/stand-in/...`): `delay(seconds, count)` holds the next
`count` turns (all when None), `go_down()` / `come_back()` refuse connections on the same port,
`fail(count)` answers 503. `seen` records every turn that reached it, so a drill can assert
how many times Rasa saw a buyer message.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

Json = dict[str, Any]
REPLY = "Спасибо, ваше сообщение получено, номер обращения {turn}."
ESCALATE_WORDS = {"сломан": ("defective_item", "dispute"), "оператор": ("human_request",) * 2}


@dataclass(frozen=True, slots=True)
class Seen:
    sender: str
    turn: str
    text: str
    at: float


@dataclass
class RasaStandIn:
    seen: list[Seen] = field(default_factory=list)
    paused: set[str] = field(default_factory=set)
    events: list[tuple[str, str]] = field(default_factory=list)
    """(sender, "pause" | "resume") that reached the stand-in, in order."""
    answered: set[tuple[str, str]] = field(default_factory=set)
    delay_s: float = 0.0
    delay_count: int | None = None
    fail_count: int = 0
    _down: bool = False
    _server: LocalServer | None = None

    # --- running -------------------------------------------------------------------------

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
        app.router.add_post("/webhooks/ozonbot/webhook", self._webhook)
        app.router.add_post("/conversations/{sender}/tracker/events", self._event)
        app.router.add_get("/conversations/{sender}/tracker", self._tracker)
        app.router.add_get("/status", self._status)
        app.router.add_get("/", self._hello)
        app.router.add_post("/stand-in/delay", self._control_delay)
        app.router.add_post("/stand-in/down", self._control_down)
        app.router.add_get("/stand-in/seen", self._control_seen)
        self._server = LocalServer(app, shutdown_timeout=0.5)
        await self._server.start()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    # --- faults --------------------------------------------------------------------------

    def delay(self, seconds: float, count: int | None = None) -> None:
        """Hold the next `count` turns (every turn when None) for `seconds` before answering."""
        self.delay_s, self.delay_count = seconds, count

    def fail(self, count: int) -> None:
        """The next `count` requests answer 503, as Rasa does while no model is loaded."""
        self.fail_count = count

    async def go_down(self) -> None:
        """Connections are refused until `come_back()` (kept-alive ones are dropped)."""
        self._down = True
        await self.server.refuse()

    async def come_back(self) -> None:
        self._down = False
        await self.server.listen()

    # --- what drills look at ---------------------------------------------------------------

    def times_seen(self, turn: str) -> int:
        return sum(1 for s in self.seen if s.turn == turn)

    def seen_counts(self) -> Counter[str]:
        return Counter(s.turn for s in self.seen)

    def texts_of(self, turn: str) -> list[str]:
        return [s.text for s in self.seen if s.turn == turn]

    # --- the channel ---------------------------------------------------------------------

    def _refuse(self, request: web.Request) -> web.Response | None:
        if self._down:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        if self.fail_count > 0:
            self.fail_count -= 1
            return web.json_response({"error": "no model loaded"}, status=503)
        return None

    async def _webhook(self, request: web.Request) -> web.Response:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        body = await request.json()
        sender, text = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not isinstance(text, str) or not text.strip():
            return web.json_response({"error": "'message' must be a non-empty string"}, status=400)
        turn = str((body.get("metadata") or {}).get("turn"))
        self.seen.append(Seen(sender, turn, text, time.monotonic()))
        # Decided on arrival, as Rasa records a turn in its tracker before a slow action ends:
        # a second request for the same turn while the first is held is a repeat.
        if sender in self.paused:
            answer = _answer(sender, None, [], paused=True)
        else:
            answer = self._understand(sender, turn, text)
        await self._maybe_delay()
        return web.json_response(answer)

    async def _maybe_delay(self) -> None:
        if self.delay_s <= 0 or self.delay_count == 0:
            return
        if self.delay_count is not None:
            self.delay_count -= 1
        await asyncio.sleep(self.delay_s)

    def _understand(self, sender: str, turn: str, text: str) -> Json:
        lowered = text.lower()
        for word, (intent, reason) in ESCALATE_WORDS.items():
            if word in lowered:
                return _answer(sender, intent, [_escalate(reason, intent)])
        if (sender, turn) in self.answered:
            detail = "repeated delivery_status after an answer"
            return _answer(sender, "delivery_status", [_escalate("unknown", detail)])
        self.answered.add((sender, turn))
        messages: list[Json] = [
            {"text": REPLY.format(turn=turn)},
            {"custom": {"ozonbot": {"kind": "reply", "key": "instant"}}},
        ]
        return _answer(sender, "delivery_status", messages)

    async def _event(self, request: web.Request) -> web.Response:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        sender, event = request.match_info["sender"], (await request.json()).get("event")
        self.events.append((sender, str(event)))
        if event == "pause":
            self.paused.add(sender)
        elif event == "resume":
            self.paused.discard(sender)
        return web.json_response({"sender_id": sender, "paused": sender in self.paused})

    async def _tracker(self, request: web.Request) -> web.Response:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        sender = request.match_info["sender"]
        texts = [s.text for s in self.seen if s.sender == sender]
        if not texts:
            return web.json_response({"error": "no conversation"}, status=404)
        events = [{"event": "user", "text": t} for t in texts]
        return web.json_response(
            {"sender_id": sender, "paused": sender in self.paused, "events": events}
        )

    async def _status(self, request: web.Request) -> web.Response:
        refused = self._refuse(request)
        return refused or web.json_response(
            {"model_file": "stand-in.tar.gz", "num_active_training_jobs": 0}
        )

    async def _hello(self, request: web.Request) -> web.Response:
        refused = self._refuse(request)
        return refused or web.Response(text="Hello from Rasa: 3.6.21 (stand-in)")

    # --- control over HTTP (for runs outside pytest) ---------------------------------------

    async def _control_delay(self, request: web.Request) -> web.Response:
        body = await request.json()
        count = body.get("count")
        self.delay(float(body["seconds"]), None if count is None else int(count))
        return web.json_response({"ok": True})

    async def _control_down(self, request: web.Request) -> web.Response:
        # Over HTTP the port must stay open for the next control call: "down" answers 503.
        self.fail_count = 10**9 if (await request.json()).get("down") else 0
        return web.json_response({"ok": True})

    async def _control_seen(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.seen_counts()))


def _escalate(reason: str, detail: str) -> Json:
    return {"custom": {"ozonbot": {"kind": "escalate", "reason": reason, "detail": detail}}}


def _answer(sender: str, intent: str | None, messages: list[Json], *, paused: bool = False) -> Json:
    return {
        "sender": sender,
        "paused": paused,
        "intent": {"name": intent, "confidence": 1.0} if intent else None,
        "intent_ranking": [{"name": intent, "confidence": 1.0}] if intent else [],
        "entities": [],
        "messages": messages,
    }


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[RasaStandIn]:
    stand_in = RasaStandIn()
    await stand_in.start()
    try:
        yield stand_in
    finally:
        await stand_in.close()
