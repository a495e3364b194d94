"""The staff console with machine translation: a fake LibreTranslate engine next to the fake
Telegram, the Ozon emulator and real Redis (`staff_harness`), the real LibreTranslate client."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.config import TranslateSettings
from bot.models import Language
from bot.staff.console import StaffConsole
from bot.state.redis import Redis
from bot.state.translations import TranslationStore
from bot.translate import detect
from tests.fakes.libretranslate import FakeLibreTranslate
from tests.fakes.telegram import Sent
from tests.integration.staff_harness import (
    STAFF_CHAT,
    StaffHarness,
    outbound_guard,
    staff_harness,
    wait_until,
)

# What the fake engine knows. Some Chinese replies come back breaking Ozon's rules on purpose
# (shouting, "!!!", a phone number): the translation, not the original, must be checked.
WORDS: dict[tuple[str, str], dict[str, str]] = {
    ("ru", "zh"): {
        "Товар пришёл разбитый": "商品到货时已损坏",
        "Где мой заказ?": "我的订单在哪里？",
        "Позовите человека": "请叫人工客服",
        "СПАСИБО ЗА ЗАКАЗ": "感谢您的订单",
        "Спасибо за заказ": "感谢您的订单",
        "8 999 123-45-67": "8 999 123-45-67",
    },
    ("zh", "ru"): {
        "您好，我们会为您更换商品。": "Здравствуйте, мы заменим вам товар.",
        "您好，订单明天送达。": "Здравствуйте, заказ доставят завтра.",
        "感谢您的订单": "СПАСИБО ЗА ЗАКАЗ",
        "我们马上处理": "Мы сейчас всё решим!!!",
        "我们会尽快联系您": "Позвоните нам 8 999 123-45-67",
    },
    ("en", "ru"): {"Hello, we will replace the item.": "Здравствуйте, мы заменим товар."},
    ("ru", "en"): {"Товар пришёл разбитый": "The item arrived broken"},
}


@dataclass
class Translated:
    h: StaffHarness
    lt: FakeLibreTranslate

    async def start(
        self, language: Language = Language.ZH, *, timeout_s: float = 2.0, confirm: bool = True
    ) -> StaffConsole:
        if not confirm:
            self.h.shops = {
                k: s.model_copy(update={"confirm_translated_replies": False})
                for k, s in self.h.shops.items()
            }
        parts = dataclasses.replace(
            self.h.parts(language=language),
            shops=self.h.shops,
            translate=TranslateSettings(url=self.lt.url, timeout_s=timeout_s),
            translations=TranslationStore(self.h.redis, self.h.keys, retention_s=3600),
        )
        self.h.console = StaffConsole.create(parts)
        await self.h.console.start()
        return self.h.console

    async def answer_to(self, message_id: int, within_s: float = 10.0) -> Sent:
        await wait_until(lambda: self.h.tg.replies_to(STAFF_CHAT, message_id), within_s)
        return self.h.tg.replies_to(STAFF_CHAT, message_id)[-1]


def passes_in_russian(text: str) -> bool:
    """What reached a buyer: Russian, and clean by the outbound check."""
    return detect(text) is Language.RU and outbound_guard().check(text).ok


@contextlib.asynccontextmanager
async def translated_console(redis: Redis, prefix: str) -> AsyncIterator[Translated]:
    async with (
        FakeLibreTranslate.running(WORDS) as lt,
        staff_harness(redis, prefix) as h,
    ):
        yield Translated(h, lt)
