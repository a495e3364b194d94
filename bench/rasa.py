"""Parse latency through the running Rasa server (`POST /model/parse`), one request at a time."""

from __future__ import annotations

import statistics
import time

import aiohttp

TEXTS = (
    "Здравствуйте, где мой заказ 57195475-0050-3?",
    "товар пришел разбитый что делать",
    "какой материал у чехла?",
    "хочу вернуть товар не подошел размер",
    "можно отменить заказ",
    "спасибо большое",
    "Where is my order? It is late",
    "позовите оператора пожалуйста",
    "есть ли в наличии размер L",
    "когда вернут деньги за возврат",
)


async def parse_latency(rasa_url: str, rounds: int = 20) -> tuple[float, float]:
    """(p50, p95) in milliseconds over `rounds` passes of the sample texts."""
    timings: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(rounds):
            for text in TEXTS:
                started = time.perf_counter()
                async with session.post(f"{rasa_url}/model/parse", json={"text": text}) as resp:
                    resp.raise_for_status()
                    await resp.read()
                timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94]
