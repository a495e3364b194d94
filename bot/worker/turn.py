"""One buyer turn as an immutable value: its text, language and context computed once.

A turn is every message waiting in a chat's inbox, answered together. The text the pipeline
understands is cut to `MAX_UNDERSTOOD_CHARS`: a 1 MB message is read by the detectors and Rasa
as its first few thousand characters, and shown whole to staff (the card keeps the messages).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.config import ShopConfig
from bot.models import Language
from bot.state.models import BuyerMessage, MessageContext, Timings
from bot.worker.metrics import Metrics

MAX_UNDERSTOOD_CHARS = 4000
"""Longer than any real question; long enough that a cut never changes what a buyer asked."""

_IMAGE = re.compile(r"!\[[^\]\n]{0,500}\]\([^)\n]{0,2000}\)")


@dataclass(frozen=True, slots=True)
class Turn:
    """One or several buyer messages answered together."""

    shop: ShopConfig
    messages: tuple[BuyerMessage, ...]
    text: str
    """What the buyer wrote, images removed, messages joined by new lines (whole)."""
    lang: Language | None
    """The language of the text; None when there is no text (only attachments)."""

    @classmethod
    def of(
        cls,
        shop: ShopConfig,
        messages: list[BuyerMessage],
        detect_language: Callable[[str], Language],
    ) -> Turn:
        parts = (_IMAGE.sub(" ", m.text).strip() for m in messages)
        text = "\n".join(p for p in parts if p)
        lang = detect_language(text[:MAX_UNDERSTOOD_CHARS]) if text else None
        return cls(shop, tuple(messages), text, lang)

    @property
    def chat_id(self) -> str:
        return self.messages[0].chat_id

    @property
    def understood(self) -> str:
        """The part of the text the detectors and Rasa read."""
        return self.text[:MAX_UNDERSTOOD_CHARS]

    @property
    def attachments_only(self) -> str | None:
        """Why the turn has nothing to read ("only images", "an empty message"), else None."""
        if self.text:
            return None
        if any(m.is_image or _IMAGE.search(m.text) for m in self.messages):
            return "the buyer sent only images or files"
        return "the buyer sent an empty message or an attachment without text"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.message_id for m in self.messages)

    @property
    def context(self) -> MessageContext | None:
        for message in reversed(self.messages):
            if message.context and (message.context.order_number or message.context.sku):
                return message.context
        return None


@dataclass
class Stopwatch:
    """How long each stage of one turn took, for the record and the stage histogram."""

    metrics: Metrics
    started: float = field(default_factory=time.perf_counter)
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.stages[name] = self.stages.get(name, 0.0) + elapsed * 1000
            self.metrics.stage_seconds.labels(stage=name).observe(elapsed)

    def timings(self, visible_to_sent: float | None = None) -> Timings:
        total = (time.perf_counter() - self.started) * 1000
        return Timings(**self.stages, total=total, visible_to_sent=visible_to_sent)
