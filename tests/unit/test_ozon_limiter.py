"""The token bucket on a fake clock: its rate, its burst, and pauses after a 429."""

from __future__ import annotations

import asyncio

import pytest

from bot.ozon.limiter import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def take(bucket: TokenBucket, time: FakeTime, count: int) -> list[float]:
    stamps = []
    for _ in range(count):
        await bucket.acquire()
        stamps.append(time.now)
    return stamps


async def test_tokens_are_handed_out_at_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, clock=time.clock, sleep=time.sleep)
    stamps = await take(bucket, time, 11)
    assert stamps[-1] - stamps[0] == pytest.approx(1.0)


async def test_a_pause_holds_every_token_back() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, clock=time.clock, sleep=time.sleep)
    bucket.pause(3.0)
    assert bucket.paused_for == pytest.approx(3.0)
    (stamp,) = await take(bucket, time, 1)
    assert stamp == pytest.approx(103.1)


async def test_tokens_do_not_pile_up_during_a_pause() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, burst=5, clock=time.clock, sleep=time.sleep)
    bucket.pause(10.0)
    stamps = await take(bucket, time, 2)
    assert stamps[1] - stamps[0] == pytest.approx(0.1)


async def test_concurrent_waiters_share_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(20, clock=time.clock, sleep=time.sleep)
    await asyncio.gather(*(bucket.acquire() for _ in range(21)))
    assert time.now == pytest.approx(101.0)


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0)


@pytest.mark.parametrize(("rate", "burst"), [(20.0, 20.0), (45.0, 5.0), (1.0, 1.0), (30.0, 20.0)])
def test_burst_never_lets_a_second_exceed_ozons_limit(rate: float, burst: float) -> None:
    from bot.ozon.client import OZON_RPS_LIMIT, burst_for

    assert burst_for(rate) == burst
    assert burst_for(rate) + rate <= OZON_RPS_LIMIT
