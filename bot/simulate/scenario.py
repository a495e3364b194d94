"""Scenario files: one scripted conversation each (format in ARCHITECTURE.md, "Scenario files").

    name: delivery status, FBS posting on its way
    now: "2026-11-21T23:30:00+03:00"          # optional: local time, decides working hours
    postings: [...]                            # what the emulator knows (Ozon's values)
    products: [...]
    chat: {context: {order_number: ..., sku: ...}}
    turns:
      - buyer: "Здравствуйте, где мой заказ?"
        expect: {action: reply, intent: delivery_status, reply_contains: ["25"]}

Extensions (optional, so every file in the contract's format stays valid):
- a turn may be `- staff: take_over | return | resolve` instead of `buyer:` (takeover scenarios);
- `wait_minutes: N` on a turn moves the clock forward before it;
- `shop:` overrides the shop's settings for the scenario (e.g. `modes`, `hours`, `public`);
- `questions:` / `reviews:` are public product questions and reviews (the emulator's fields,
  bot/sandbox/seed.py), each with an optional `expect`; the question and review streams run
  once after the turns, and `turns` may then be left out:

      questions:
        - {sku: "1234567890", text: "Из какого материала?",
           expect: {action: answer, text_contains: ["силикон"]}}
      reviews:
        - {sku: "1234567890", rating: 1, text: "Пришёл с браком",
           expect: {action: card, reason: low_rating}}
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot import yamlio
from bot.errors import ScenarioError, SeedError
from bot.models import EscalationReason
from bot.sandbox.seed import parse_seed

Action = Literal["reply", "escalate", "none"]
PublicAction = Literal["answer", "card", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    action: Action
    intent: str | None = None
    reason: EscalationReason | None = None
    reply_contains: tuple[str, ...] = ()
    reply_excludes: tuple[str, ...] = ()


class Turn(_Strict):
    buyer: str | None = None
    staff: Literal["take_over", "return", "resolve"] | None = None
    expect: Expect | None = None
    wait_minutes: float = 0

    @model_validator(mode="after")
    def _one_kind(self) -> Turn:
        if (self.buyer is None) == (self.staff is None):
            raise ValueError("a turn has either `buyer:` or `staff:`")
        if self.buyer is not None and self.expect is None:
            raise ValueError("a buyer turn needs `expect:` with at least `action`")
        return self


class PublicExpect(_Strict):
    action: PublicAction
    """`answer`: published on Ozon; `card`: on a staff card; `none`: left alone."""
    reason: str | None = None
    """Why it went to a card (`PublicCard.why`: card_silent, low_rating, ...)."""
    text_contains: tuple[str, ...] = ()
    """In the published text, or the card's suggestion."""
    text_excludes: tuple[str, ...] = ()


class PublicItem(BaseModel):
    """A question or review: the emulator's fields (checked by its seed) plus `expect`."""

    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    expect: PublicExpect | None = None

    def seed(self) -> dict[str, Any]:
        return self.model_dump(exclude={"expect"})


class ChatSpec(_Strict):
    context: dict[str, str] = Field(default_factory=dict)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    now: datetime | None = None
    postings: tuple[dict[str, Any], ...] = ()
    products: tuple[dict[str, Any], ...] = ()
    returns: tuple[dict[str, Any], ...] = ()
    chat: ChatSpec = Field(default_factory=ChatSpec)
    shop: dict[str, Any] = Field(default_factory=dict)
    turns: tuple[Turn, ...] = ()
    questions: tuple[PublicItem, ...] = ()
    reviews: tuple[PublicItem, ...] = ()
    path: str = ""

    @model_validator(mode="after")
    def _aware_now(self) -> Scenario:
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("`now` needs a UTC offset, e.g. 2026-11-21T23:30:00+03:00")
        if not (self.turns or self.questions or self.reviews):
            raise ValueError("a scenario needs `turns`, `questions` or `reviews`")
        try:
            parse_seed(self.public_seed())  # a bad question or review fails at load time
        except SeedError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def seed(self) -> dict[str, Any]:
        return {
            "postings": list(self.postings),
            "products": list(self.products),
            "returns": list(self.returns),
            **self.public_seed(),
        }

    def public_seed(self) -> dict[str, Any]:
        return {
            "questions": [q.seed() for q in self.questions],
            "reviews": [r.seed() for r in self.reviews],
        }


def load_scenario(path: Path) -> Scenario:
    try:
        raw = yamlio.parse(path.read_text(encoding="utf-8"))
    except (OSError, yamlio.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario is a YAML mapping")
    try:
        return Scenario.model_validate({**raw, "path": str(path)})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ScenarioError(f"{path}: {problems}") from exc
