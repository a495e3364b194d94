"""The question and review streams over real sockets: the emulator (strict, 2026-10 contract),
real Redis, the real inbound and outbound guards, and a keyword dialogue in place of Rasa (the
NLU's own accuracy is measured elsewhere; here the streams' behaviour is)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.config import PublicPolicy, ShopConfig
from bot.dialogue.types import DialogueResult, TurnRequest
from bot.guard.inbound import InboundGuard
from bot.guard.outbound import OutboundGuard
from bot.knowledge.store import Knowledge
from bot.models import Intent
from bot.ozon.client import OzonClient, OzonHttp
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState
from bot.state.escalations import ControlStore, Outbox
from bot.state.keys import Keys
from bot.state.models import Notification
from bot.state.redis import Redis
from bot.state.streams import StreamStore
from bot.streams.common import StreamDeps
from bot.streams.questions import QuestionStream
from bot.streams.reviews import ReviewStream
from bot.worker.metrics import Metrics
from bot.worker.send import Sender

SPEC = Path(__file__).parents[1] / "contract" / "openapi-2026-10.json"
SKU = "1234567890"
OLD_SKU = "5550001112"
PRODUCTS = [
    {
        "sku": SKU,
        "name": "Полка настенная",
        "attributes": {
            "Материал": "массив сосны",
            "Цвет": "белый",
            "Максимальная нагрузка, кг": "30",
            "Ширина, см": "80",
        },
        "stock": 5,
    },
    {"sku": OLD_SKU, "name": "Старая полка", "archived": True, "stock": 0},
]

_KEYWORDS: tuple[tuple[str, Intent], ...] = (
    (r"брак|сломан|трещин|дефект|defect", Intent.DEFECTIVE_ITEM),
    (r"не тот|другой товар|wrong item", Intent.WRONG_ITEM),
    (r"не приш|не получил|not received", Intent.NOT_RECEIVED),
    (r"в наличии|in stock", Intent.PRODUCT_AVAILABILITY),
    (r"доставк|delivery", Intent.DELIVERY_STATUS),
    (
        r"материал|цвет|нагрузк|ширин|гаранти|выдерж|made of|material|colou?r|width",
        Intent.PRODUCT_SPECS,
    ),
)


class KeywordDialogue:
    """Speaks the `Dialogue` protocol: an intent from keywords, no replies (the streams use the
    intent only)."""

    def __init__(self) -> None:
        self.turns: list[TurnRequest] = []

    async def understand(self, request: TurnRequest) -> DialogueResult:
        self.turns.append(request)
        for pattern, intent in _KEYWORDS:
            if re.search(pattern, request.text, re.IGNORECASE):
                return DialogueResult(intent=intent.value, confidence=0.9)
        return DialogueResult(intent=Intent.OUT_OF_SCOPE.value, confidence=0.4)

    async def pause(self, sender: str) -> None:
        return None

    async def resume(self, sender: str) -> None:
        return None


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 23, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Guards:
    inbound: InboundGuard
    outbound: OutboundGuard
    knowledge: Knowledge


def load_guards() -> Guards:
    return Guards(InboundGuard.load(), OutboundGuard.load(), Knowledge.load(Path("knowledge")))


def shop_config(public: PublicPolicy | None = None, shop_id: str = "shop1") -> ShopConfig:
    return ShopConfig(
        id=shop_id,
        name="Домашний уют",
        client_id="101",
        api_key=SecretStr("key"),
        public=public or PublicPolicy(),
    )


@dataclass
class Rig:
    sandbox: RunningSandbox
    redis: Redis
    keys: Keys
    guards: Guards
    clock: Clock
    http: OzonHttp
    dialogue: KeywordDialogue = field(default_factory=KeywordDialogue)
    metrics: Metrics = field(default_factory=Metrics)

    def client(self, http: OzonHttp | None = None) -> OzonClient:
        return (http or self.http).client(
            base_url=self.sandbox.url, client_id="101", api_key="key", read_retries=0
        )

    def deps(self, shop: ShopConfig | None = None, ozon: OzonClient | None = None) -> StreamDeps:
        sender = Sender(
            {},
            self.guards.outbound,
            ControlStore(self.redis, self.keys),
            self.metrics,
            blocked_retention_s=60,
            clock=self.clock,
        )
        return StreamDeps(
            shop=shop or shop_config(),
            ozon=ozon or self.client(),
            store=StreamStore(self.redis, self.keys),
            inbound=self.guards.inbound,
            sender=sender,
            knowledge=self.guards.knowledge,
            outbox=Outbox(self.redis, self.keys),
            metrics=self.metrics,
            clock=self.clock,
            prefix=self.keys.prefix,
        )

    def questions(self, deps: StreamDeps | None = None) -> QuestionStream:
        return QuestionStream(deps or self.deps(), self.dialogue)

    def reviews(self, deps: StreamDeps | None = None) -> ReviewStream:
        return ReviewStream(deps or self.deps(), self.dialogue)

    def ask(self, text: str, sku: str = SKU) -> str:
        shop = self.sandbox.state.shop_for_control("101")
        return shop.public.add_question("101", sku=sku, text=text, now=self.clock()).id

    def review(self, rating: int, text: str = "", sku: str = SKU, **extra: object) -> str:
        shop = self.sandbox.state.shop_for_control("101")
        added = shop.public.add_review(
            "101", sku=sku, rating=rating, now=self.clock(), text=text, **extra
        )
        return added.id

    @property
    def board(self):  # type: ignore[no-untyped-def]  # the emulator's Board, for assertions
        return self.sandbox.state.shop_for_control("101").public

    def answers(self, question_id: str) -> list[str]:
        return [a.text for a in self.board.questions[question_id].answers]

    def comments(self, review_id: str) -> list[str]:
        return [c.text for c in self.board.reviews[review_id].comments]

    async def notifications(self) -> list[Notification]:
        entries = await self.redis.xrange(self.keys.outbox)
        return [
            Notification.model_validate_json(str((fields or {})["n"]))
            for _, fields in entries or []
        ]


@asynccontextmanager
async def rig(redis: Redis, prefix: str, guards: Guards) -> AsyncIterator[Rig]:
    clock = Clock()
    state = SandboxState(credentials={"101": "key"})
    async with serve(state, spec=SPEC, clock=clock) as sandbox, OzonHttp(timeout_s=3) as http:
        state.seed_from_scenario({"products": PRODUCTS}, "101")
        yield Rig(sandbox, redis, Keys(prefix), guards, clock, http)
        assert state.schema_violations == []
