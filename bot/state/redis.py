"""The one place that opens Redis connections and maps redis-py failures into `StateError`."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import (
    BusyLoadingError,
    ConnectionError,
    ResponseError,
    TimeoutError,
    WatchError,
)

from bot.errors import StateDataError, StateError

Redis = aioredis.Redis
P = ParamSpec("P")
T = TypeVar("T")

_TRANSIENT = (ConnectionError, TimeoutError, BusyLoadingError, OSError)


def connect(url: str) -> Redis:
    """A client for `url`; connections are opened lazily and re-opened after a Redis restart."""
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=5.0,
        socket_connect_timeout=3.0,
        health_check_interval=15,
    )


def mapped(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Turn redis-py's connection errors into `StateError` so callers know one error type."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await func(*args, **kwargs)
        except _TRANSIENT as exc:
            raise StateError(f"redis unavailable: {type(exc).__name__}: {exc}") from exc
        except ResponseError as exc:
            # A script error or a wrong-type key is a bug or a damaged key, not an outage.
            raise StateDataError(f"redis refused a command: {exc}") from exc

    return wrapper


async def ping(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except _TRANSIENT:
        return False


def text(value: bytes | str | None) -> str | None:
    """redis-py types every reply as bytes-or-str; our client decodes, this tells mypy so."""
    if value is None or isinstance(value, str):
        return value
    return value.decode()


async def watch_update(client: Redis, key: str, apply: Callable[[str | None, Pipeline], T]) -> T:
    """Read `key`, let `apply` stage writes on the pipeline, commit; retry if `key` changed.

    Optimistic concurrency: the worker and the staff console may update the same record.
    """
    async with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(key)
                current = text(await pipe.get(key))
                pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
                result = apply(current, pipe)
                await pipe.execute()
                return result
            except WatchError:
                continue


async def purge(client: Redis, prefix: str) -> int:
    """Delete every key under `prefix:` (a simulate run, a benchmark, a test)."""
    keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    return len(keys)
