"""Pipeline benchmark: the real worker against the emulator and Redis, Rasa replaced by the
instant responder (or, for the e2e figure, the real Rasa server and action server).

Buyers write at a steady rate into many chats while the worker runs as in production (scheduler
polling, bounded concurrency). The emulator runs in its own process (`ozonbot sandbox`), as Ozon
would: in the worker's process its request handling would be counted as the pipeline's time.
Measured from the worker's own records:
- throughput: handled buyer messages per second of wall time while the load lasts;
- latency: the moment the worker first sees a message → its reply is sent (the pipeline's own
  cost; the wait for the next poll tick is the poll interval's, reported separately);
- Ozon calls per handled message, from the worker's call counter.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
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
)
from bot.dialogue.types import Dialogue
from bot.models import Decision
from bot.state.redis import connect, purge

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "100500"
QUESTIONS = (
    "Здравствуйте, где мой заказ?",
    "Когда будет доставка?",
    "подскажите статус заказа пожалуйста",
    "Where is my order?",
)


@dataclass(frozen=True)
class LoadResult:
    messages: int
    handled: int
    seconds: float
    p50_ms: float
    p95_ms: float
    ozon_calls: float

    @property
    def per_second(self) -> float:
        return self.handled / self.seconds if self.seconds else 0.0

    @property
    def calls_per_message(self) -> float:
        return self.ozon_calls / self.handled if self.handled else 0.0


def _settings(
    sandbox_url: str, prefix: str, rasa_url: str, shop_id: str, poll_interval_s: float
) -> Settings:
    shop = ShopConfig(
        id=shop_id,
        name="Bench shop",
        client_id=CLIENT_ID,
        api_key=SecretStr("sandbox-api-key"),
        api_url=sandbox_url,
    )
    return Settings(
        ozon=OzonSettings(timeout_s=5.0),
        redis=RedisSettings(prefix=prefix),
        rasa=RasaSettings(url=rasa_url),
        telegram=TelegramSettings(bot_token=None),
        worker=WorkerSettings(
            knowledge_dir=ROOT / "knowledge",
            poll_interval_s=poll_interval_s,
            http_port=0,
            concurrency=16,
        ),
        general=GeneralSettings(),
        shops=(shop,),
    )


async def run_load(
    *,
    dialogue: Dialogue | None = None,
    chats: int = 100,
    rate: float = 5.0,
    seconds: float = 10.0,
    sandbox_port: int = 0,
    rasa_url: str = "http://127.0.0.1:5005",
    shop_id: str = "bench",
    poll_interval_s: float = 0.5,
) -> LoadResult:
    """Buyers write `rate` messages/s into `chats` chats for `seconds`; then the backlog drains.

    `dialogue=None` means the real Rasa server at `rasa_url`; then `shop_id` must be a shop the
    action server knows (its own settings), or every action fails and nothing is answered.
    The default rate is three quarters of what one shop's Ozon rate limit carries (20 requests/s,
    about 3 calls per answered message): a steady load, not a saturated one.

    The poll interval shapes both figures. A poll brings every message of the last interval at
    once, and one shop's turns then queue behind its Ozon rate limit: at the production 3 s a
    batch of ~15 messages waits up to ~2 s for its share of 20 requests/s, which is the limit's
    time, not the pipeline's. So latency is measured at 0.5 s (small batches), and the calls per
    message at the production default (3 s), where each list call is shared by more messages."""
    prefix = f"bench-{random.randrange(1 << 30):x}"
    async with _emulator(sandbox_port) as sandbox_url:
        app = App.build(
            _settings(sandbox_url, prefix, rasa_url, shop_id, poll_interval_s),
            dialogue=dialogue,
            worker_id="bench",
        )
        await app.start(staff_console=False)
        try:
            started = time.perf_counter()
            sent = await _write(sandbox_url, chats=chats, rate=rate, seconds=seconds)
            await _wait_drained(app, limit_s=seconds * 6 + 60)
            elapsed = time.perf_counter() - started
            return await _measure(app, shop_id, sent, elapsed)
        finally:
            await app.stop()
            await _clean(app, prefix)


@contextlib.asynccontextmanager
async def _emulator(port: int) -> AsyncIterator[str]:
    """`ozonbot sandbox` in its own process; yields its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        str(port),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        marker = "serving on "
        if marker not in line.decode():
            raise RuntimeError(f"ozonbot sandbox did not start: {line.decode()!r}")
        yield line.decode().split(marker, 1)[1].strip()
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def _write(sandbox_url: str, *, chats: int, rate: float, seconds: float) -> int:
    """Buyers write through the emulator's control API, `rate` messages per second."""
    total = int(rate * seconds)
    started = time.perf_counter()
    async with aiohttp.ClientSession(raise_for_status=True) as session:
        for n in range(total):
            body = {
                "chat_id": f"bench-{n % chats}",
                "text": QUESTIONS[n % len(QUESTIONS)],
                "client_id": CLIENT_ID,
            }
            async with session.post(f"{sandbox_url}/sandbox/buyer-message", json=body):
                pass
            # On schedule, whatever a request took: the rate is the buyers', not ours.
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
    return total


async def _wait_drained(app: App, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        if await app.chats.queue_depth() == 0 and app.worker.in_flight == 0:
            await asyncio.sleep(1.0)  # one more poll tick: nothing new may be waiting
            if await app.chats.queue_depth() == 0:
                return
    raise TimeoutError("the worker did not drain the load in time")


async def _measure(app: App, shop_id: str, sent: int, elapsed: float) -> LoadResult:
    now = datetime.now().astimezone()
    records = await app.chats.records_between(shop_id, now - timedelta(hours=1), now)
    handled = sum(len(r.message_ids) for r in records)
    latencies = sorted(
        r.timings.visible_to_sent
        for r in records
        if r.decision is Decision.REPLY and r.timings.visible_to_sent is not None
    )
    calls = sum(
        sample.value
        for metric in app.metrics.ozon_calls.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )
    return LoadResult(
        messages=sent,
        handled=handled,
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50),
        p95_ms=_percentile(latencies, 95),
        ozon_calls=calls,
    )


def _percentile(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


async def _clean(app: App, prefix: str) -> None:
    client = connect(app.settings.redis.url)
    await purge(client, prefix)
    await client.aclose()
