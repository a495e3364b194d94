"""Run scenario files through the whole pipeline: the emulator seeded from the file, real Redis,
the real Rasa server and action server, staff notifications captured.

Each scenario gets a fresh emulator state, a fresh Redis key prefix and a fresh chat (so a fresh
Rasa conversation); its clock is the scenario's `now`, one minute later per turn. A scenario's
product questions and reviews are seeded with the rest and handled after the turns by one run
of the App's question and review streams (`App.questions` / `App.reviews`, as the scheduler
runs them); each item is then reported as answered, carded or left alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.app import App
from bot.config import Settings, ShopConfig
from bot.models import Decision
from bot.sandbox.app import RunningSandbox
from bot.simulate.scenario import Expect, PublicExpect, Scenario, Turn
from bot.state.models import Notification, PublicStream, TurnRecord
from bot.state.redis import purge
from bot.state.streams import StreamStore
from bot.worker.staffops import Staff

SIM_STAFF = Staff(user_id=0, name="simulate")


@dataclass
class TurnResult:
    scenario: str
    turn: int
    buyer: str | None
    intent: str | None = None
    confidence: float | None = None
    action: str = "none"
    reason: str | None = None
    reply: str | None = None
    staff: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "turn": self.turn,
            "intent": self.intent,
            "action": self.action,
            "reason": self.reason,
            "reply": self.reply,
        }


@dataclass
class ItemResult:
    """What the question or review stream did with one scenario item."""

    scenario: str
    item: str
    """`question` or `review`."""
    id: str
    number: int
    text_in: str
    action: str = "none"
    reason: str | None = None
    text: str | None = None
    """The published answer or comment; for a card, its suggestion (None: nothing to say)."""
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "item": self.item,
            "id": self.id,
            "action": self.action,
            "reason": self.reason,
            "text": self.text,
        }


@dataclass
class RunResult:
    turns: list[TurnResult]
    items: list[ItemResult]

    @property
    def failures(self) -> int:
        return sum(len(r.failures) for r in self.turns) + sum(len(i.failures) for i in self.items)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def action_of(record: TurnRecord) -> str:
    if record.decision is Decision.REPLY:
        return "reply"
    if record.decision is Decision.ESCALATE and record.new_escalation:
        return "escalate"  # a message that only adds to a card already waiting is "none"
    return "none"


def compare_item(expect: PublicExpect, result: ItemResult) -> list[str]:
    failures = []
    if result.action != expect.action:
        failures.append(f"action: expected {expect.action}, got {result.action}")
    if expect.reason is not None and result.reason != expect.reason:
        failures.append(f"reason: expected {expect.reason}, got {result.reason}")
    failures += _wording("text", result.text, expect.text_contains, expect.text_excludes)
    return failures


def compare(expect: Expect, result: TurnResult) -> list[str]:
    failures = []
    if result.action != expect.action:
        failures.append(f"action: expected {expect.action}, got {result.action}")
    if expect.intent is not None and result.intent != expect.intent:
        failures.append(f"intent: expected {expect.intent}, got {result.intent}")
    if expect.reason is not None and result.reason != expect.reason:
        failures.append(f"reason: expected {expect.reason}, got {result.reason}")
    failures += _wording("reply", result.reply, expect.reply_contains, expect.reply_excludes)
    return failures


def _wording(
    what: str, said: str | None, contains: Sequence[str], excludes: Sequence[str]
) -> list[str]:
    """What `said` lacks of `contains` or holds of `excludes` (case-insensitive)."""
    lowered = (said or "").lower()
    missing = [
        f"{what} should contain {w!r}: {said!r}" for w in contains if w.lower() not in lowered
    ]
    extra = [f"{what} should not contain {w!r}: {said!r}" for w in excludes if w.lower() in lowered]
    return missing + extra


class ScenarioRunner:
    def __init__(
        self,
        sandbox: RunningSandbox,
        base: Settings,
        *,
        on_turn: Callable[[TurnResult], None] | None = None,
        on_item: Callable[[ItemResult], None] | None = None,
    ) -> None:
        self._sandbox = sandbox
        self._base = base
        self._on_turn = on_turn or (lambda _r: None)
        self._on_item = on_item or (lambda _r: None)
        self._shop = base.shops[0]

    async def run(self, scenario: Scenario) -> list[TurnResult]:
        """The scenario's buyer and staff turns (its questions and reviews are run too)."""
        return (await self.run_all(scenario)).turns

    async def run_all(self, scenario: Scenario) -> RunResult:
        clock = Clock(scenario.now or datetime.now().astimezone())
        state = self._sandbox.state
        state.reset()
        state.use_clock(clock)
        state.seed_from_scenario(scenario.seed(), client_id=self._shop.client_id)
        prefix = f"sim-{secrets.token_hex(4)}"
        app = App.build(self._settings(scenario, prefix), clock=clock, worker_id="simulate")
        chat_id = f"sim-{secrets.token_hex(6)}"
        results: list[TurnResult] = []
        items: list[ItemResult] = []
        try:
            await app.outbox.ensure_group()
            for number, turn in enumerate(scenario.turns, start=1):
                clock.now += timedelta(minutes=1 + turn.wait_minutes)
                result = await self._turn(app, scenario, chat_id, number, turn)
                if turn.expect is not None:
                    result.failures = compare(turn.expect, result)
                results.append(result)
                self._on_turn(result)
            if scenario.questions or scenario.reviews:
                clock.now += timedelta(minutes=1)
                items = await self._public(app, scenario)
        finally:
            await purge(app.redis, prefix)
            await app.aclose()
        return RunResult(results, items)

    async def _public(self, app: App, scenario: Scenario) -> list[ItemResult]:
        """One run of each stream over what the scenario seeded, then each item's outcome."""
        board = self._sandbox.state.shop_for_control(self._shop.client_id).public
        # The state was reset for this scenario: the board holds its items, in its order.
        question_ids, review_ids = list(board.questions), list(board.reviews)
        if scenario.questions:
            await app.questions[self._shop.id].run_once()
        if scenario.reviews:
            await app.reviews[self._shop.id].run_once()
        store = StreamStore(app.redis, app.keys)
        found: list[ItemResult] = []
        for kind, specs, ids in (
            ("question", scenario.questions, question_ids),
            ("review", scenario.reviews, review_ids),
        ):
            for number, (spec, item_id) in enumerate(zip(specs, ids, strict=True), start=1):
                if kind == "question":
                    question = board.questions[item_id]
                    asked, published = question.text, [a.text for a in question.answers]
                else:
                    review = board.reviews[item_id]
                    asked, published = review.text, [c.text for c in review.comments]
                result = ItemResult(scenario.name, kind, item_id, number, asked)
                await self._outcome(store, result, published)
                if spec.expect is not None:
                    result.failures = compare_item(spec.expect, result)
                found.append(result)
                self._on_item(result)
        return found

    async def _outcome(self, store: StreamStore, result: ItemResult, published: list[str]) -> None:
        if published:
            result.action, result.text = "answer", published[-1]
            return
        stream = PublicStream.QUESTIONS if result.item == "question" else PublicStream.REVIEWS
        record = await store.record(self._shop.id, stream, result.id)
        card = await store.card(record.card_id) if record and record.card_id else None
        if card is not None:
            result.action, result.reason, result.text = "card", card.why, card.suggested

    def _settings(self, scenario: Scenario, prefix: str) -> Settings:
        # The profile's shop, as the action server knows it (same id and Client-Id), pointed
        # at this emulator, with the scenario's own overrides.
        template = self._base.shops[0]
        shop = ShopConfig.model_validate(
            {**template.model_dump(), "api_url": self._sandbox.url, **scenario.shop}
        )
        redis = self._base.redis.model_copy(update={"prefix": prefix})
        return self._base.model_copy(update={"shops": (shop,), "redis": redis})

    async def _turn(
        self, app: App, scenario: Scenario, chat_id: str, number: int, turn: Turn
    ) -> TurnResult:
        name = scenario.name
        if turn.staff is not None:
            return await self._staff(app, name, chat_id, number, turn.staff)
        assert turn.buyer is not None  # noqa: S101 - the model guarantees one of the two
        before = len(self._sandbox.state.sent)
        context = scenario.chat.context
        message_id = str(
            self._sandbox.state.buyer_message(
                chat_id,
                turn.buyer,
                order_number=context.get("order_number"),
                sku=context.get("sku"),
                client_id=self._shop.client_id,
            )
        )
        await app.poll_once()
        await app.drain()
        record = await _record_of(app, chat_id, message_id)
        sent = [s.text for s in self._sandbox.state.sent[before:] if s.chat_id == chat_id]
        result = TurnResult(scenario=name, turn=number, buyer=turn.buyer)
        if record is not None:
            result.intent = record.acted_intent or record.intent
            result.confidence = record.confidence
            result.action = action_of(record)
            result.reason = record.reason.value if record.reason else None
        result.reply = "\n".join(sent) or None
        result.staff = [_describe(n) for n in await _notifications(app)]
        return result

    async def _staff(self, app: App, name: str, chat_id: str, number: int, what: str) -> TurnResult:
        result = TurnResult(scenario=name, turn=number, buyer=None, action="none")
        escalation = await app.escalations.open_for_chat(self._shop.id, chat_id)
        if escalation is None:
            result.failures.append(f"staff {what}: the chat has no open escalation")
            return result
        operations = {
            "take_over": app.staff.take_over,
            "return": app.staff.return_to_bot,
            "resolve": app.staff.resolve,
        }
        await operations[what](escalation.id, SIM_STAFF)
        result.staff = [f"staff {what} ({escalation.id})"]
        return result


async def _record_of(app: App, chat_id: str, message_id: str) -> TurnRecord | None:
    for record in await app.chats.recent_records(app.settings.shops[0].id, chat_id):
        if message_id in record.message_ids:
            return record
    return None


async def _notifications(app: App) -> list[Notification]:
    entries = await app.outbox.read("simulate", count=50, block_ms=1)
    for entry_id, _ in entries:
        await app.outbox.ack(entry_id)
    return [n for _, n in entries]


def _describe(notification: Notification) -> str:
    return f"{notification.kind} card ({notification.escalation_id or notification.shop})"
