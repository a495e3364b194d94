"""Helpers for the action unit tests: Rasa-shaped trackers and a small fake Ozon reader.

The tracker dicts have the shape Rasa 3.6.21 sends (`DialogueStateTracker.current_state(ALL)`,
captured from `RemoteAction._action_call_format`); the fake implements the read methods of
`bot.ozon.client.OzonClient` the actions call (unit tier only: the integration tests use the
real client against the Ozon emulator).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import ShopConfig
from bot.dialogue.actions.base import OzonbotAction
from bot.dialogue.actions.deps import ActionDeps
from bot.errors import OzonError, OzonNotFoundError
from bot.knowledge import Knowledge
from bot.ozon.schemas import (
    Attribute,
    Dimensions,
    Posting,
    PostingProduct,
    PostingsPage,
    ProductAttributes,
    ProductInfo,
    ReturnItem,
    ReturnsPage,
)

SENDER = "ozonbot:main:chat-1"
KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
NOW = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)


@cache
def knowledge() -> Knowledge:
    """The project's real snippets, loaded once for the whole test module."""
    return Knowledge.load(KNOWLEDGE_DIR)


def shop(**overrides: Any) -> ShopConfig:
    values: dict[str, Any] = {
        "id": "main",
        "name": "Чехлы и Ко",
        "client_id": "111",
        "api_key": "key",
        "return_window_days": 14,
    }
    return ShopConfig.model_validate(values | overrides)


def deps(ozon: FakeOzon, *shops: ShopConfig) -> ActionDeps:
    configured = shops or (shop(),)
    return ActionDeps(
        knowledge=knowledge(),
        shops={s.id: s for s in configured},
        ozon={s.id: ozon for s in configured},
        clock=lambda: NOW,
    )


async def run_action(
    action_class: type[OzonbotAction], ozon: FakeOzon, text: str = "", **kwargs: Any
) -> tuple[Said, list[dict[str, Any]]]:
    """Run one action as the executor would; (what it said, the events it returned)."""
    dispatcher = CollectingDispatcher()
    action = action_class(deps(ozon))
    events = await action.run(dispatcher, tracker(text, **kwargs), {})
    return said(dispatcher), events


def tracker_state(
    text: str = "",
    *,
    intent: str | None = "delivery_status",
    entities: Sequence[tuple[str, str]] = (),
    slots: dict[str, Any] | None = None,
    lang: str | None = "ru",
    order_number: str | None = None,
    sku: str | None = None,
    shop: str | None = "main",
    turn: str = "1001",
    sender: str = SENDER,
) -> dict[str, Any]:
    """The `tracker` of a Rasa 3.6 action call right after one buyer message."""
    metadata: dict[str, Any] = {
        "shop": shop,
        "chat_id": "chat-1",
        "lang": lang,
        "order_number": order_number,
        "sku": sku,
        "flags": [],
        "turn": turn,
    }
    parse_data = {
        "intent": {"name": intent, "confidence": 0.93},
        "entities": [
            {"entity": name, "value": value, "start": 0, "end": len(value)}
            for name, value in entities
        ],
        "text": text,
        "message_id": "m-1",
        "metadata": metadata,
        "intent_ranking": [{"name": intent, "confidence": 0.93}],
    }
    all_slots = {
        "posting_number": None,
        "order_number": None,
        "sku": None,
        "attribute": None,
        "awaiting_posting_number": False,
        "awaiting_product": None,
        "escalation_reason": None,
        "session_started_metadata": None,
    } | (slots or {})
    events = [
        {"event": "action", "timestamp": 1.0, "name": "action_session_start"},
        {"event": "session_started", "timestamp": 1.1},
        {"event": "action", "timestamp": 1.2, "name": "action_listen"},
        {
            "event": "user",
            "timestamp": 1.3,
            "metadata": metadata,
            "text": text,
            "parse_data": parse_data,
            "input_channel": "ozonbot",
            "message_id": "m-1",
        },
    ]
    return {
        "sender_id": sender,
        "slots": all_slots,
        "latest_message": parse_data,
        "latest_event_time": 1.3,
        "followup_action": None,
        "paused": False,
        "events": events,
        "latest_input_channel": "ozonbot",
        "active_loop": {},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }


def tracker(text: str = "", **kwargs: Any) -> Tracker:
    return Tracker.from_dict(tracker_state(text, **kwargs))


@dataclass
class Said:
    """What an action sent through the dispatcher: texts and `ozonbot` payloads."""

    texts: list[str]
    payloads: list[dict[str, Any]]

    @property
    def payload(self) -> dict[str, Any]:
        assert len(self.payloads) == 1, self.payloads
        return self.payloads[0]

    @property
    def text(self) -> str:
        assert len(self.texts) == 1, self.texts
        return self.texts[0]


def said(dispatcher: CollectingDispatcher) -> Said:
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    payloads = [m["custom"]["ozonbot"] for m in dispatcher.messages if m.get("custom")]
    return Said(texts, payloads)


def posting(
    number: str = "57195475-0050-3",
    *,
    scheme: Literal["fbs", "fbo"] = "fbs",
    status: str = "delivering",
    substatus: str = "posting_on_way_to_city",
    delivery_date: date | None = date(2026, 11, 25),
    tracking_number: str | None = "RU123456789",
    sku: str | None = None,
    product_name: str = "",
) -> Posting:
    products = (
        ()
        if sku is None
        else (PostingProduct(sku=sku, name=product_name, offer_id="", quantity=1),)
    )
    return Posting(
        posting_number=number,
        order_number=number.rsplit("-", 1)[0],
        scheme=scheme,
        status=status,
        substatus=substatus,
        tracking_number=tracking_number,
        in_process_at=None,
        shipment_date=None,
        delivering_date=None,
        delivery_date=delivery_date,
        products=products,
        cancel_reason=None,
    )


def return_item(posting_number: str, status_name: str = "Едет на склад Ozon") -> ReturnItem:
    return ReturnItem(
        id="777",
        posting_number=posting_number,
        order_number=None,
        status="MovingToOzon",
        status_name=status_name,
        sku=None,
        product_name=None,
        quantity=1,
        return_type=None,
        reason=None,
        changed_at=None,
    )


def product_info(sku: str = "1234567890", present: int | None = 5) -> ProductInfo:
    return ProductInfo(
        product_id="p1",
        sku=sku,
        offer_id="case-13",
        name="Чехол для iPhone 13",
        present=present,
        price="499",
        currency_code="RUB",
        visible=True,
        archived=False,
    )


def card(
    sku: str = "1234567890",
    attributes: Sequence[tuple[int, str, str, str]] = (
        (85, "Бренд", "Brand", "Acme"),
        (10096, "Цвет товара", "Colour", "черный"),
        (6548, "Материал", "Material", "силикон"),
    ),
    dimensions: Dimensions | None = None,
) -> ProductAttributes:
    return ProductAttributes(
        product_id="p1",
        sku=sku,
        offer_id="case-13",
        name="Чехол для iPhone 13",
        attributes=tuple(
            Attribute(id=i, name=ru, name_en=en, values=(value,)) for i, ru, en, value in attributes
        ),
        dimensions=dimensions,
    )


@dataclass
class FakeOzon:
    """Answers from in-memory data like `OzonClient`: unknown ids raise `OzonNotFoundError`."""

    fbs: dict[str, Posting] = field(default_factory=dict)
    fbo: dict[str, Posting] = field(default_factory=dict)
    returns_by_posting: dict[str, list[ReturnItem]] = field(default_factory=dict)
    products: dict[str, ProductInfo] = field(default_factory=dict)
    cards: dict[str, ProductAttributes] = field(default_factory=dict)
    failure: OzonError | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def _call(self, method: str, key: str) -> None:
        self.calls.append((method, key))
        if self.failure is not None:
            raise self.failure

    async def fbs_posting(self, posting_number: str) -> Posting:
        self._call("fbs_posting", posting_number)
        if posting_number not in self.fbs:
            raise OzonNotFoundError("/v3/posting/fbs/get", "POSTING_NOT_FOUND", status=404)
        return self.fbs[posting_number]

    async def fbo_posting(self, posting_number: str) -> Posting:
        self._call("fbo_posting", posting_number)
        if posting_number not in self.fbo:
            raise OzonNotFoundError("/v2/posting/fbo/get", "POSTING_NOT_FOUND", status=404)
        return self.fbo[posting_number]

    async def fbs_postings_of_orders(
        self, order_numbers: Sequence[str], *, since: datetime, to: datetime, limit: int = 50
    ) -> PostingsPage:
        self._call("fbs_postings_of_orders", ",".join(order_numbers))
        return _page(self.fbs, order_numbers)

    async def fbo_postings_of_orders(
        self, order_numbers: Sequence[str], *, limit: int = 50
    ) -> PostingsPage:
        self._call("fbo_postings_of_orders", ",".join(order_numbers))
        return _page(self.fbo, order_numbers)

    async def returns(
        self, *, posting_numbers: Sequence[str] = (), limit: int = 100, last_id: str | None = None
    ) -> ReturnsPage:
        self._call("returns", ",".join(posting_numbers))
        items = [r for p in posting_numbers for r in self.returns_by_posting.get(p, [])]
        return ReturnsPage(returns=tuple(items), has_next=False, last_id=None)

    async def product_info(
        self,
        *,
        skus: Sequence[str] = (),
        offer_ids: Sequence[str] = (),
        product_ids: Sequence[str] = (),
    ) -> tuple[ProductInfo, ...]:
        self._call("product_info", ",".join(skus))
        return tuple(self.products[s] for s in skus if s in self.products)

    async def product_attributes(
        self,
        *,
        skus: Sequence[str] = (),
        offer_ids: Sequence[str] = (),
        product_ids: Sequence[str] = (),
    ) -> tuple[ProductAttributes, ...]:
        self._call("product_attributes", ",".join(skus))
        return tuple(self.cards[s] for s in skus if s in self.cards)


def _page(postings: dict[str, Posting], order_numbers: Sequence[str]) -> PostingsPage:
    found = tuple(p for _, p in sorted(postings.items()) if p.order_number in order_numbers)
    return PostingsPage(postings=found, has_next=False, cursor=None)
