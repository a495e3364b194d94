"""What the staff console remembers between Telegram updates, so a restart forgets nothing.

- which escalation a message in the staff chat belongs to (a reply to a card, a forwarded buyer
  message or a reminder is a reply to that chat's buyer);
- who pressed "reply" and is about to type an answer;
- corrected texts offered to staff and waiting for their confirmation;
- the Telegram update offset, and which worker runs the console: Telegram allows one
  `getUpdates` poller per bot, so with several workers one holds the console lock;
- staff chats that cannot take messages now: parked (Telegram refuses the bot there until people
  act) or told to wait (a 429), so delivery to the other chats goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.state.keys import TG_FIX_S, TG_MESSAGE_S, TG_PARKED_S, TG_REPLY_S, Keys
from bot.state.redis import Redis, mapped, text


class PendingFix(BaseModel):
    """A mechanically corrected reply (caps, punctuation, emoji) shown to staff to confirm."""

    model_config = ConfigDict(frozen=True)

    escalation_id: str
    text: str
    user_id: int


class ParkedChat(BaseModel):
    """A staff chat Telegram refuses to let the bot write to, until a delivery there succeeds."""

    model_config = ConfigDict(frozen=True)

    reason: str
    """Telegram's description ("Forbidden: bot was kicked from the supergroup chat")."""
    since: datetime
    alerted: bool = False
    """Someone was told (in another chat); until then every re-probe tries to tell them."""


@dataclass(frozen=True, slots=True)
class Destination:
    """What delivery must know about one staff chat before writing to it."""

    parked: ParkedChat | None
    wait_ms: int
    """Write nothing before this many ms have passed (0: write now)."""


_HOLD = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return 1 end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ConsoleStore:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._r = redis
        self._k = keys
        self._hold = redis.register_script(_HOLD)
        self._release = redis.register_script(_RELEASE)

    @mapped
    async def hold_console(self, owner: str, ttl_ms: int) -> bool:
        """Take or keep the console lock; True while `owner` holds it."""
        return bool(await self._hold(keys=[self._k.telegram_lock], args=[owner, ttl_ms]))

    @mapped
    async def release_console(self, owner: str) -> None:
        await self._release(keys=[self._k.telegram_lock], args=[owner])

    @mapped
    async def link_message(self, chat_id: int, message_id: int, escalation_id: str) -> None:
        key = self._k.telegram_message(str(chat_id), str(message_id))
        await self._r.set(key, escalation_id, ex=TG_MESSAGE_S)

    @mapped
    async def escalation_of(self, chat_id: int, message_id: int) -> str | None:
        return text(await self._r.get(self._k.telegram_message(str(chat_id), str(message_id))))

    @mapped
    async def start_reply(self, chat_id: int, user_id: int, escalation_id: str) -> None:
        key = self._k.telegram_reply(str(chat_id), str(user_id))
        await self._r.set(key, escalation_id, ex=TG_REPLY_S)

    @mapped
    async def reply_target(self, chat_id: int, user_id: int) -> str | None:
        return text(await self._r.get(self._k.telegram_reply(str(chat_id), str(user_id))))

    @mapped
    async def end_reply(self, chat_id: int, user_id: int) -> bool:
        """Forget the pending "reply"; True when there was one."""
        return bool(await self._r.delete(self._k.telegram_reply(str(chat_id), str(user_id))))

    @mapped
    async def offer_fix(self, token: str, fix: PendingFix) -> None:
        await self._r.set(self._k.telegram_fix(token), fix.model_dump_json(), ex=TG_FIX_S)

    @mapped
    async def take_fix(self, token: str) -> PendingFix | None:
        """The offered fix, removed in the same step: a second tap finds nothing to send."""
        raw = text(await self._r.getdel(self._k.telegram_fix(token)))
        return PendingFix.model_validate_json(raw) if raw else None

    @mapped
    async def update_offset(self) -> int | None:
        raw = text(await self._r.get(self._k.telegram_offset))
        return int(raw) if raw else None

    @mapped
    async def set_update_offset(self, offset: int) -> None:
        await self._r.set(self._k.telegram_offset, str(offset))

    @mapped
    async def console_owner(self) -> str | None:
        """The worker that runs the console now (None: nobody holds the lock)."""
        return text(await self._r.get(self._k.telegram_lock))

    # --- staff chats that cannot take messages now -------------------------------------------

    @mapped
    async def park(
        self, staff_chat: int, parked: ParkedChat, probe_ms: int
    ) -> tuple[ParkedChat, bool]:
        """Park `staff_chat` and wait `probe_ms` before trying it again; returns its parked
        state (the first one's, if it was parked already) and whether it is newly parked."""
        key = self._k.telegram_parked(staff_chat)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(key, parked.model_dump_json(), nx=True, ex=TG_PARKED_S)
            pipe.get(key)
            pipe.expire(key, TG_PARKED_S)
            pipe.set(self._k.telegram_wait(staff_chat), "parked", px=probe_ms)
            created, raw, _, _ = await pipe.execute()
        return ParkedChat.model_validate_json(raw), bool(created)

    @mapped
    async def mark_alerted(self, staff_chat: int, parked: ParkedChat) -> None:
        # XX: a chat unparked in the meantime stays unparked.
        alerted = parked.model_copy(update={"alerted": True})
        key = self._k.telegram_parked(staff_chat)
        await self._r.set(key, alerted.model_dump_json(), xx=True, keepttl=True)

    @mapped
    async def unpark(self, staff_chat: int) -> ParkedChat | None:
        """Forget that `staff_chat` was parked; returns what it was (None: it was not)."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.getdel(self._k.telegram_parked(staff_chat))
            pipe.delete(self._k.telegram_wait(staff_chat))
            raw, _ = await pipe.execute()
        return ParkedChat.model_validate_json(raw) if raw else None

    @mapped
    async def slow_down(self, staff_chat: int, wait_ms: int) -> None:
        """Telegram asked for a pause in `staff_chat` (429): nothing goes there before it ends."""
        await self._r.set(self._k.telegram_wait(staff_chat), "429", px=max(1, wait_ms))

    @mapped
    async def destinations(self, staff_chats: Iterable[int]) -> dict[int, Destination]:
        chats = list(staff_chats)
        async with self._r.pipeline(transaction=False) as pipe:
            for chat in chats:
                pipe.get(self._k.telegram_parked(chat))
                pipe.pttl(self._k.telegram_wait(chat))
            replies = await pipe.execute()
        result: dict[int, Destination] = {}
        for chat, raw, ttl in zip(chats, replies[::2], replies[1::2], strict=True):
            parked = ParkedChat.model_validate_json(raw) if raw else None
            result[chat] = Destination(parked=parked, wait_ms=max(0, int(ttl)))
        return result
