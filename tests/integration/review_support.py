"""Helpers for the `ozonbot review` tests: turn records and escalations written through the real
stores into real Redis, and the command run as its own process."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.models import Decision
from bot.state.chats import ChatStore
from bot.state.escalations import ControlStore, EscalationStore
from bot.state.keys import Keys
from bot.state.models import Escalation, TurnRecord
from bot.state.redis import Redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Stores:
    chats: ChatStore
    escalations: EscalationStore
    control: ControlStore

    @classmethod
    def of(cls, redis: Redis, prefix: str) -> Stores:
        keys = Keys(prefix)
        return cls(
            ChatStore(redis, keys, record_ttl_s=30 * 24 * 3600),
            EscalationStore(redis, keys),
            ControlStore(redis, keys),
        )

    async def record(self, **fields: Any) -> TurnRecord:
        """Commit a turn record the way the worker does: under the chat lock."""
        values: dict[str, Any] = {
            "shop": "main",
            "chat_id": "chat-1",
            "message_ids": ("1",),
            "text": "где посылка",
            "intent": "delivery_status",
            "confidence": 0.95,
            "decision": Decision.REPLY,
            "handled_at": datetime.now(UTC),
        }
        values.update(fields)
        turn = TurnRecord.model_validate(values)
        lock = await self.chats.lock(turn.shop, turn.chat_id)
        assert lock is not None
        await self.chats.commit(lock, turn)
        await self.chats.unlock(lock)
        return turn

    async def escalation(self, **fields: Any) -> Escalation:
        escalation = Escalation.model_validate({"shop": "main", "chat_id": "chat-1", **fields})
        await self.escalations.save(escalation)
        return escalation


async def ozonbot(
    *args: str, prefix: str, rasa_url: str = "http://127.0.0.1:9"
) -> tuple[int, str, str]:
    """`python -m bot ARGS` in its own process, configured by the environment only."""
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OZON", "REDIS_", "RASA_", "TELEGRAM_"))
        },
        "OZONBOT_ENV_FILE": str(ROOT / "tests" / "no-such.env"),
        "OZON_CLIENT_ID": "100500",
        "OZON_API_KEY": "test-key",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": prefix,
        "RASA_URL": rasa_url,
        "TIMEZONE": "UTC",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return int(process.returncode or 0), out.decode(), err.decode()
