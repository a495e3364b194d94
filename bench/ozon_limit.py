"""One Ozon rate limit for many workers, and the push intake under a flood.

    python -m bench.ozon_limit [--seconds 10]

`limit`: three independent clients (each its own `OzonHttp`, so its own session and connection
pool, as three worker processes would have) share one Client-Id's budget through
`bot.state.ratelimit.RedisRateLimiter` on the real Redis and call the emulator as fast as they
can. The emulator enforces Ozon's 50 requests/s per Client-Id with real 429 answers. The limiter
is configured at 45/s: Ozon counts per second on its own clock, and requests admitted 22 ms
apart can arrive closer together, so a margin under 50 keeps the 429 count at zero.

`push`: 1,000 pushes/s (200 chats) for the given seconds at the intake over a real socket, the
fetches calling the emulator through the shared limiter; the answer latency's p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.config import ShopConfig
from bot.ozon.client import OzonHttp
from bot.sandbox.app import serve
from bot.sandbox.state import SandboxState
from bot.state.keys import Keys
from bot.state.ratelimit import redis_limiters
from bot.state.redis import Redis, connect
from bot.worker.http import PushIntake

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CONFIGURED_RPS = 45.0
CLIENT_ID = "4242"


@dataclass(frozen=True)
class LimitFigures:
    configured_rps: float
    achieved_rps: float
    share: float
    rate_limited: int
    calls: int


async def run_limit(seconds: float = 10.0, workers: int = 3) -> LimitFigures:
    redis = connect(REDIS_URL)
    keys = Keys(f"bench-limit-{os.getpid()}")
    try:
        async with serve(SandboxState()) as sandbox:
            sandbox.state.buyer_message("c1", "где заказ?", client_id=CLIENT_ID)
            counts = await asyncio.gather(
                *(_saturate(sandbox.url, redis, keys, seconds) for _ in range(workers))
            )
            limited = sandbox.state.rate_limited
    finally:
        await redis.delete(keys.ratelimit(CLIENT_ID))
        await redis.aclose()
    calls = sum(counts)
    achieved = calls / seconds
    return LimitFigures(CONFIGURED_RPS, achieved, achieved / CONFIGURED_RPS, limited, calls)


async def _saturate(url: str, redis: Redis, keys: Keys, seconds: float) -> int:
    """One 'worker': its own session, eight callers in a loop until the time is up."""
    async with OzonHttp(timeout_s=5, limiters=redis_limiters(redis, keys)) as http:
        ozon = http.client(
            base_url=url, client_id=CLIENT_ID, api_key="k", rate_limit_rps=CONFIGURED_RPS
        )
        deadline = time.monotonic() + seconds
        done = 0

        async def caller() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await ozon.list_chats(limit=10)
                if time.monotonic() <= deadline:
                    done += 1

        await asyncio.gather(*(caller() for _ in range(8)))
        return done


@dataclass(frozen=True)
class PushFigures:
    pushes_per_s: float
    sent: int
    p50_ms: float
    p99_ms: float
    max_pending: int
    fetches: int
    rate_limited: int


async def run_push_flood(seconds: float = 10.0, rate: float = 1000.0) -> PushFigures:
    redis = connect(REDIS_URL)
    keys = Keys(f"bench-push-{os.getpid()}")
    try:
        async with (
            serve(SandboxState()) as sandbox,
            OzonHttp(timeout_s=5, limiters=redis_limiters(redis, keys)) as http,
        ):
            return await _flood(sandbox.url, sandbox.state, http, seconds, rate)
    finally:
        await redis.delete(keys.ratelimit(CLIENT_ID))
        await redis.aclose()


async def _flood(
    url: str, state: SandboxState, http: OzonHttp, seconds: float, rate: float
) -> PushFigures:
    ozon = http.client(base_url=url, client_id=CLIENT_ID, api_key="k", rate_limit_rps=45)
    for index in range(200):
        state.buyer_message(f"p{index}", "где заказ?", client_id=CLIENT_ID)
    fetches = 0

    async def fetch(shop_id: str, chat_id: str) -> None:
        nonlocal fetches
        fetches += 1
        await ozon.chat_history(chat_id)

    shop = ShopConfig.model_validate(
        {"id": "main", "name": "Main", "client_id": CLIENT_ID, "api_key": "k", "api_url": url}
    )
    intake = PushIntake([shop], fetch, ["*"])
    app = web.Application()
    app.router.add_post("/push", intake.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    push_url = f"http://{host}:{port}/push"
    latencies: list[float] = []
    most_pending = 0
    try:
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(index: int) -> None:
                body = {
                    "message_type": "TYPE_NEW_MESSAGE",
                    "chat_id": f"p{index % 200}",
                    "chat_type": "Buyer_Seller",
                    "message_id": str(index),
                    "seller_id": CLIENT_ID,
                }
                started = time.perf_counter()
                async with session.post(push_url, json=body) as resp:
                    await resp.read()
                latencies.append(time.perf_counter() - started)

            tasks = []
            begin = time.perf_counter()
            total = int(seconds * rate)
            for index in range(total):
                delay = begin + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(index)))
                most_pending = max(most_pending, intake.pending)
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - begin
        await intake.drain()
    finally:
        await intake.close()
        await runner.cleanup()
    latencies.sort()
    return PushFigures(
        pushes_per_s=len(latencies) / elapsed,
        sent=len(latencies),
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
        max_pending=most_pending,
        fetches=fetches,
        rate_limited=state.rate_limited,
    )


def figures(seconds: float) -> dict[str, float]:
    """The `make bench` figures of this module."""
    limit = asyncio.run(run_limit(seconds))
    push = asyncio.run(run_push_flood(seconds))
    return {
        "ozon_limit_configured_rps": limit.configured_rps,
        "ozon_limit_achieved_rps": round(limit.achieved_rps, 2),
        "ozon_limit_share": round(limit.share, 3),
        "ozon_limit_429s": float(limit.rate_limited),
        "push_flood_per_s": round(push.pushes_per_s, 1),
        "push_p50_ms": round(push.p50_ms, 2),
        "push_p99_ms": round(push.p99_ms, 2),
        "push_max_pending": float(push.max_pending),
        "push_fetches": float(push.fetches),
        "push_429s": float(push.rate_limited),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ozon_limit", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    for name, value in figures(args.seconds).items():
        print(f"{name:32} {value}")


if __name__ == "__main__":
    main()
