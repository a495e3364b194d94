"""The one function that sends text to a buyer.

Bot replies, staff relays from Telegram, approved drafts and scheduled messages all come
through `Sender.send`, which takes only a `Checked` text: `Sender.approve` runs the outbound
check once and makes one, a text that breaks Ozon's rules is never sent (`GuardError` carries
the violations), every check is counted once, and blocked texts are kept for review for a
limited time. Nothing else in the package calls `send_message`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from bot.errors import GuardError
from bot.guard.types import CheckResult
from bot.ozon.client import OzonClient
from bot.state.escalations import ControlStore
from bot.worker.metrics import Metrics

log = logging.getLogger(__name__)


class Origin(StrEnum):
    BOT = "bot"
    STAFF = "staff"
    DRAFT = "draft"
    SCHEDULED = "scheduled"


class Checker(Protocol):
    def check(self, text: str) -> CheckResult: ...


_APPROVAL = object()


@dataclass(frozen=True, slots=True)
class Checked:
    """A text the outbound check approved. Only `Sender.approve` makes one, and only a
    `Checked` can be sent: a path that forgot the check does not type-check, and a text is
    checked (and counted) once."""

    text: str
    origin: str
    _approval: object

    def __post_init__(self) -> None:
        if self._approval is not _APPROVAL:
            raise TypeError("a Checked text comes only from Sender.approve")


class Sender:
    def __init__(
        self,
        clients: Mapping[str, OzonClient],
        guard: Checker,
        control: ControlStore,
        metrics: Metrics,
        *,
        blocked_retention_s: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clients = clients
        self._guard = guard
        self._control = control
        self._metrics = metrics
        self._retention_s = blocked_retention_s
        self._clock = clock

    async def check(self, shop: str, text: str, *, origin: Origin) -> CheckResult:
        """Run the outbound check, count it, and keep a blocked text for review."""
        result = self._guard.check(text)
        self._metrics.guard_checks.labels(
            origin=origin, result="ok" if result.ok else "blocked"
        ).inc()
        for violation in result.violations:
            self._metrics.guard_blocks.labels(origin=origin, rule=violation.rule).inc()
        if not result.ok:
            await self._control.keep_blocked(
                shop, origin.value, result, self._clock(), self._retention_s
            )
        return result

    async def approve(self, shop: str, text: str, *, origin: Origin) -> Checked:
        """The outbound check as a gate: the approved text, or `GuardError` with the rules."""
        result = await self.check(shop, text, origin=origin)
        if not result.ok:
            raise GuardError(result.violations)
        return Checked(text, origin.value, _APPROVAL)

    async def send(self, shop: str, chat_id: str, text: Checked, *, origin: Origin) -> None:
        """Send an approved text. Raises the Ozon client's errors; `OzonUnknownOutcomeError`
        means the caller must reconcile against the chat history."""
        await self._clients[shop].send_message(chat_id, text.text)
        log.info("sent %s reply to %s/%s (%d chars)", origin, shop, chat_id, len(text.text))
