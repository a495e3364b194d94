"""Machine translation for staff (issue 19): how fast cards carry a translation, what a
translated staff reply adds, and what share of cards carried one.

The staff console runs as in the tests (real aiogram against the fake Bot API, real Redis, the
Ozon emulator, the real LibreTranslate client) against the fake LibreTranslate engine, which
answers after `--engine-ms` (a real engine on two CPU cores takes a few hundred ms per
sentence). The buyers write the demo's lines (`bot/demo/script.py`), one card each, `--rounds`
times; the staff language is Chinese.

    PYTHONPATH=. .venv/bin/python -m bench.translation [--rounds 4] [--engine-ms 300]

Prints and writes reports/translation.json:
- card_first_p50/p95_ms: buyer message handed to staff -> the card is in the staff chat;
- card_translated_p50/p95_ms: the same -> the card edited with the translation;
- cards_translated_share: cards whose translation arrived (the rest say "unavailable");
- reply_direct_p50_ms: a Russian staff reply -> "sent" (no engine);
- reply_translated_p50/p95_ms: a Chinese reply -> preview shown, plus "Send" -> "sent"
  (the person's reading time left out); reply_added_p50/p95_ms: the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bot.demo.script import SCRIPT
from bot.models import EscalationReason
from bot.state.redis import connect
from tests.fakes.telegram import Sent
from tests.integration.staff_harness import ANNA, STAFF_CHAT
from tests.integration.translation_support import Translated, translated_console

DONE = "机器翻译，可能不准确"
UNAVAILABLE = "机器翻译不可用"
REPLY_ZH = "您好，我们会为您更换商品。"
REPLY_RU = "Здравствуйте, мы заменим вам товар."


def _ms(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def _until(condition: Callable[[], bool], within_s: float = 20.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within_s:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.002)
    return time.monotonic()


async def _card(t: Translated, chat: str, text: str) -> tuple[float, float, bool]:
    started = time.monotonic()
    escalation = await t.h.escalate(chat, text, EscalationReason.DISPUTE)
    card: list[Sent] = []

    def posted() -> bool:
        found = [m for m in t.h.tg.sent(STAFF_CHAT) if escalation.id in m.text]
        card[:] = found[:1]
        return bool(found)

    first = await _until(posted)
    final = await _until(lambda: DONE in card[0].text or UNAVAILABLE in card[0].text)
    return first - started, final - started, DONE in card[0].text


async def _reply(t: Translated, chat: str, text: str, card_id: int) -> float:
    started = time.monotonic()
    asked = t.h.tg.say(STAFF_CHAT, ANNA, text, reply_to=card_id)
    await _until(lambda: bool(t.h.tg.replies_to(STAFF_CHAT, asked)))
    answer = t.h.tg.replies_to(STAFF_CHAT, asked)[-1]
    took = time.monotonic() - started
    if "发送" in [label for label, _ in answer.buttons]:
        pressed = time.monotonic()
        t.h.tg.press(STAFF_CHAT, ANNA, answer.message_id, answer.button("发送"))
        await _until(lambda: bool(t.h.tg.replies_to(STAFF_CHAT, answer.message_id)))
        took += time.monotonic() - pressed
    return took


async def main(rounds: int, engine_ms: float) -> dict[str, object]:
    redis = connect(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    prefix = f"bench-translate-{secrets.token_hex(4)}"
    firsts, finals, carried = [], [], 0
    direct, translated = [], []
    try:
        async with translated_console(redis, prefix) as t:
            t.lt.slow(engine_ms / 1000)
            await t.start(timeout_s=10.0)
            for n in range(rounds):
                for i, line in enumerate(SCRIPT):
                    first, final, done = await _card(t, f"c{n}-{i}", line.text)
                    firsts.append(first)
                    finals.append(final)
                    carried += done
                    card = t.h.tg.sent(STAFF_CHAT)[-1].message_id
                    if i % 2:
                        direct.append(await _reply(t, f"c{n}-{i}", REPLY_RU, card))
                    else:
                        translated.append(await _reply(t, f"c{n}-{i}", REPLY_ZH, card))
    finally:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    base = statistics.median(direct)
    return {
        "engine_ms": engine_ms,
        "cards": len(firsts),
        "card_first_p50_ms": _ms(firsts, 0.5),
        "card_first_p95_ms": _ms(firsts, 0.95),
        "card_translated_p50_ms": _ms(finals, 0.5),
        "card_translated_p95_ms": _ms(finals, 0.95),
        "cards_translated_share": round(carried / len(firsts), 3),
        "reply_direct_p50_ms": _ms(direct, 0.5),
        "reply_translated_p50_ms": _ms(translated, 0.5),
        "reply_translated_p95_ms": _ms(translated, 0.95),
        "reply_added_p50_ms": round(_ms(translated, 0.5) - 1000 * base, 1),
        "reply_added_p95_ms": round(_ms(translated, 0.95) - 1000 * base, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--engine-ms", type=float, default=300.0)
    args = parser.parse_args()
    result = asyncio.run(main(args.rounds, args.engine_ms))
    Path("reports").mkdir(exist_ok=True)
    Path("reports/translation.json").write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:28} {value}")
