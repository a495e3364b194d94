"""Product questions and reviews in the review inbox, beside the chat turns.

The question stream understands each question with the same NLU as chats and records what it
decided (`StreamStore.turns_between`: the text, the intent, its confidence, the outcome and why).
A question is worth a human look for the chat turns' reasons, read off that record: a fallback
or a low confidence, a question the bot found not routine (`not_routine`: the public stream's
"unknown"), an answer the rules refused (`blocked_reply`), or one staff answered from its card
themselves. A review is understood only when it goes to people (what went wrong); it is picked
for a fallback or a low confidence. Texts are anonymised here, as chat turns are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.dialogue.types import FALLBACK_INTENT
from bot.review.anonymize import Anonymizer
from bot.review.inbox import ReviewItem, Why
from bot.review.nlu_files import clean_text
from bot.state.models import PublicStream
from bot.state.streams import ItemRecord, Outcome, Progress, PublicTurn, StreamStore

_KIND = {PublicStream.QUESTIONS: "question", PublicStream.REVIEWS: "review"}


@dataclass(frozen=True, slots=True)
class PublicItem(ReviewItem):
    """A question or review in the inbox; `chat_id` is `question:{id}` / `review:{id}`."""

    stream: str = PublicStream.QUESTIONS.value
    decision: str = ""
    """What the stream did: `auto: routine`, `staff: card_silent`, ..."""


def stream_of(item: ReviewItem) -> str:
    return item.stream if isinstance(item, PublicItem) else "chats"


def decision_of(item: ReviewItem) -> str:
    return item.decision if isinstance(item, PublicItem) else ""


def reasons(turn: PublicTurn, record: ItemRecord | None, threshold: float) -> tuple[Why, ...]:
    found: list[Why] = []
    if turn.intent == FALLBACK_INTENT:
        found.append(Why.FALLBACK)
    elif turn.intent and turn.confidence is not None and turn.confidence < threshold:
        found.append(Why.LOW_CONFIDENCE)
    if turn.stream is PublicStream.REVIEWS:
        return tuple(found)
    if turn.why == "not_routine":
        found.append(Why.UNKNOWN_ESCALATION)
    if record is not None and record.progress is Progress.DONE and record.by.startswith("staff"):
        found.append(Why.STAFF_ANSWERED)
    if turn.why == "blocked_reply":
        found.append(Why.BLOCKED_REPLY)
    return tuple(found)


def select(
    turns: Iterable[tuple[PublicTurn, ItemRecord | None]],
    *,
    threshold: float,
    anonymizer: Anonymizer,
) -> list[PublicItem]:
    """The inbox items among the decided questions and reviews, oldest first."""
    items = []
    for turn, record in sorted(turns, key=lambda pair: (pair[0].at, pair[0].item_id)):
        why = reasons(turn, record, threshold)
        text = clean_text(turn.text)
        if not why or not text:
            continue
        items.append(
            PublicItem(
                shop=turn.shop,
                chat_id=f"{_KIND[turn.stream]}:{turn.item_id}",
                message_ids=(turn.item_id,),
                handled_at=turn.at,
                text=anonymizer.mask(text),
                predicted_intent=turn.intent,
                confidence=turn.confidence,
                why=why,
                stream=turn.stream.value,
                decision=_decision(turn),
            )
        )
    return items


def _decision(turn: PublicTurn) -> str:
    label = {Outcome.AUTO: "auto", Outcome.STAFF: "staff", Outcome.SKIPPED: "skipped"}
    return f"{label[turn.outcome]}: {turn.why}"


async def collect(
    store: StreamStore,
    shop: str,
    since: datetime,
    until: datetime,
    *,
    threshold: float,
    anonymizer: Anonymizer,
) -> list[PublicItem]:
    """The inbox items of one shop's questions and reviews decided in [since, until]."""
    pairs = []
    for turn in await store.turns_between(shop, since, until):
        pairs.append((turn, await store.record(shop, turn.stream, turn.item_id)))
    return select(pairs, threshold=threshold, anonymizer=anonymizer)
