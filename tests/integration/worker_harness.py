"""Build a real worker (App) against the real emulator and Redis, with an instant dialogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.app import App
from bot.config import (
    GeneralSettings,
    OzonSettings,
    RasaSettings,
    RedisSettings,
    Settings,
    ShopConfig,
    TelegramSettings,
    WorkerSettings,
    WorkingHours,
)
from bot.dialogue.types import Dialogue
from bot.sandbox.app import RunningSandbox

MSK = ZoneInfo("Europe/Moscow")
ROOT = Path(__file__).resolve().parents[2]
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=MSK)
MONDAY_NIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=MSK)


def shop(
    sandbox: RunningSandbox, shop_id: str = "main", client_id: str = "100500", **extra: object
) -> ShopConfig:
    return ShopConfig(
        id=shop_id,
        name="Тестовый магазин",
        client_id=client_id,
        api_key=SecretStr("sandbox-key"),
        api_url=sandbox.url,
        hours=WorkingHours(timezone="Europe/Moscow"),
        **extra,
    )


def settings(
    sandbox: RunningSandbox,
    prefix: str,
    *,
    shops: tuple[ShopConfig, ...] | None = None,
    **worker: object,
) -> Settings:
    return Settings(
        ozon=OzonSettings(
            client_id=None, api_key=None, timeout_s=2.0, read_retries=2, rate_limit_rps=40
        ),
        redis=RedisSettings(url="redis://127.0.0.1:6379/0", prefix=prefix),
        rasa=RasaSettings(),
        telegram=TelegramSettings(bot_token=None),
        worker=WorkerSettings(knowledge_dir=ROOT / "knowledge", http_port=0, **worker),  # type: ignore[arg-type]
        general=GeneralSettings(),
        shops=shops or (shop(sandbox),),
    )


@dataclass
class Clock:
    now: datetime = MONDAY_NOON

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    app: App
    sandbox: RunningSandbox
    clock: Clock = field(default_factory=Clock)

    def buyer(
        self, chat_id: str, text: str, *, order_number: str | None = None, sku: str | None = None
    ) -> str:
        message_id = self.sandbox.state.buyer_message(
            chat_id, text, order_number=order_number, sku=sku
        )
        return str(message_id)

    def sent(self, chat_id: str | None = None) -> list[str]:
        return [s.text for s in self.sandbox.state.sent if chat_id is None or s.chat_id == chat_id]

    async def cycle(self) -> int:
        """One scheduled poll (failures logged, as in production) and everything it made due."""
        for shop in self.app.settings.shops:
            await self.app.poll_job(shop.id)
        return await self.app.drain()


def build(
    sandbox: RunningSandbox,
    prefix: str,
    dialogue: Dialogue,
    *,
    clock: Clock | None = None,
    make_settings: Callable[..., Settings] = settings,
    **worker: object,
) -> Harness:
    clock = clock or Clock()
    app = App.build(
        make_settings(sandbox, prefix, **worker), dialogue=dialogue, clock=clock, worker_id="test"
    )
    return Harness(app=app, sandbox=sandbox, clock=clock)
