"""Question coverage: the share of product questions the question stream answers by itself.

Every buyer turn of the project's scenario files (`tests/scenarios/*.yml`) that has a product
(its chat context SKU among the file's `products`) is asked as a public question about that
product: the emulator is seeded with the file's products, the real Rasa server (RASA_URL,
default http://127.0.0.1:5005) understands it, real Redis holds the stream's state. Prints the
share answered automatically, and the reasons the rest went to staff cards.

    PYTHONPATH=. .venv/bin/python -m bench.public_coverage [--keyword]

`--keyword` uses the tests' keyword dialogue instead of Rasa (no server needed).
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import secrets
import sys
from pathlib import Path

import yaml

from bot.dialogue.rasa import RasaClient
from bot.state.redis import connect, purge
from tests.integration.public_support import load_guards, rig


def _questions() -> list[tuple[str, str, str, list[object]]]:
    """(the turn's expected chat intent, SKU, text, the file's products)."""
    found = []
    for path in sorted(Path("tests/scenarios").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        products = data.get("products") or []
        skus = {str(p.get("sku")) for p in products}
        sku = str(((data.get("chat") or {}).get("context") or {}).get("sku") or "")
        if sku not in skus:
            continue
        for turn in data.get("turns") or []:
            intent = str((turn.get("expect") or {}).get("intent") or "")
            found.append((intent, sku, str(turn.get("buyer") or ""), products))
    return found


async def main(keyword: bool) -> dict[str, object]:
    redis = connect(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    prefix = f"bench-public-{secrets.token_hex(4)}"
    guards = load_guards()
    dialogue = None if keyword else RasaClient(os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    answered, whys = 0, collections.Counter[str]()
    product_asked = product_answered = 0
    questions = _questions()
    try:
        async with rig(redis, prefix, guards) as r:
            if dialogue is not None:
                r.dialogue = dialogue  # type: ignore[assignment]  # speaks the same protocol
            for intent, sku, text, products in questions:
                r.sandbox.state.seed_from_scenario({"products": products}, "101")
                asked = r.ask(text[:3000], sku=sku)
                await r.questions().run_once()
                done = bool(r.answers(asked))
                answered += done
                if intent in ("product_specs", "product_availability"):
                    product_asked += 1
                    product_answered += done
            for note in await r.notifications():
                if note.public is not None:
                    whys[note.public.why] += 1
    finally:
        if dialogue is not None:
            await dialogue.close()
        await purge(redis, prefix)
        await redis.aclose()
    total = len(questions)
    return {
        "questions": total,
        "answered_automatically": answered,
        "coverage": round(answered / total, 3) if total else None,
        "product_questions": product_asked,
        "product_questions_answered": product_answered,
        "product_coverage": round(product_answered / product_asked, 3) if product_asked else None,
        "cards_by_reason": dict(whys.most_common()),
        "dialogue": "keyword" if keyword else "rasa",
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main("--keyword" in sys.argv)), ensure_ascii=False, indent=1))
