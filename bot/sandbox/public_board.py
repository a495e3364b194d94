"""The emulator's memory of one shop's public product questions and reviews.

Pure data and Ozon's rules over it, no HTTP (`bot.sandbox.public` serves it). Kept apart from
`bot.sandbox.state` so a `Shop` can hold a board without an import cycle.

Moderation: a new answer or comment gets the shop's `answer_outcome` / `comment_rejection`
(set through `/sandbox/public-settings`), and `/sandbox/moderate` changes an answer's status
afterwards, as Ozon's moderators do some minutes later.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

PUBLICATION = frozenset({"PUBLISHED", "AWAITING_MODERATION", "MODERATION_FAILED", "DUPLICATE"})
QUESTION_PAGE = 10
"""`v1QuestionListResponse.questions` has `maxItems: 10` (CHANGES-2026-10.md §5, left as in the
source): the emulator never pages more, whatever `limit` asks."""


@dataclass(slots=True)
class BoardAnswer:
    id: str
    question_id: str
    sku: str
    text: str
    status_publication: str
    published_at: datetime


@dataclass(slots=True)
class BoardQuestion:
    id: str
    seq: int
    sku: str
    text: str
    status: str
    published_at: datetime
    author_name: str
    answers: list[BoardAnswer] = field(default_factory=list)


@dataclass(slots=True)
class BoardComment:
    id: str
    text: str
    published_at: datetime
    is_rejected: bool
    deviation_reason: str
    parent_comment_id: str | None = None


@dataclass(slots=True)
class BoardReview:
    id: str
    seq: int
    sku: str
    text: str
    rating: int
    status: str
    order_status: str
    photos: int
    videos: int
    published_at: datetime
    comments: list[BoardComment] = field(default_factory=list)


@dataclass(slots=True)
class Board:
    questions: dict[str, BoardQuestion] = field(default_factory=dict)
    reviews: dict[str, BoardReview] = field(default_factory=dict)
    questions_allowed: bool = True
    """False: the shop lacks Premium Plus; every question method is refused (403, code 7)."""
    reviews_allowed: bool = True
    """False: neither «Управление отзывами» nor Premium Pro; every review method is refused."""
    answer_outcome: str = "PUBLISHED"
    """What moderation makes of the next answers (PUBLISHED, MODERATION_FAILED, ...)."""
    comment_rejection: str | None = None
    """A `deviation_reason`: the next comments are rejected with it."""
    empty_pages: int = 0
    """The next list calls answer `has_next: true` with no items (a quirk to survive)."""
    answer_calls: int = 0
    comment_calls: int = 0
    seq: int = 0

    def _next(self, kind: str, client_id: str) -> tuple[int, str]:
        self.seq += 1
        return self.seq, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{client_id}/{self.seq}"))

    def add_question(
        self, client_id: str, *, sku: str, text: str, now: datetime, **extra: object
    ) -> BoardQuestion:
        seq, made_id = self._next("question", client_id)
        question = BoardQuestion(
            id=str(extra.get("id") or made_id),
            seq=seq,
            sku=sku,
            text=text,
            status=str(extra.get("status") or "NEW"),
            published_at=_moment(extra.get("published_at"), now),
            author_name=str(extra.get("author_name") or "Пользователь OZON"),
        )
        self.questions[question.id] = question
        return question

    def add_review(
        self, client_id: str, *, sku: str, rating: int, now: datetime, **extra: object
    ) -> BoardReview:
        seq, made_id = self._next("review", client_id)
        review = BoardReview(
            id=str(extra.get("id") or made_id),
            seq=seq,
            sku=sku,
            text=str(extra.get("text") or ""),
            rating=rating,
            status=str(extra.get("status") or "NEW"),
            order_status=str(extra.get("order_status") or "DELIVERED"),
            photos=_count(extra.get("photos")),
            videos=_count(extra.get("videos")),
            published_at=_moment(extra.get("published_at"), now),
        )
        self.reviews[review.id] = review
        return review

    def answer(self, client_id: str, question: BoardQuestion, text: str, now: datetime) -> str:
        self.answer_calls += 1
        _, answer_id = self._next("answer", client_id)
        question.answers.append(
            BoardAnswer(answer_id, question.id, question.sku, text, self.answer_outcome, now)
        )
        return answer_id

    def comment(
        self, client_id: str, review: BoardReview, text: str, now: datetime, parent: str | None
    ) -> str:
        self.comment_calls += 1
        _, comment_id = self._next("comment", client_id)
        rejected = self.comment_rejection is not None
        review.comments.append(
            BoardComment(comment_id, text, now, rejected, self.comment_rejection or "", parent)
        )
        return comment_id

    def find_answer(self, answer_id: str) -> BoardAnswer | None:
        for question in self.questions.values():
            for answer in question.answers:
                if answer.id == answer_id:
                    return answer
        return None


T = TypeVar("T", BoardQuestion, BoardReview)


def page_after(
    items: Iterable[T], last_id: str | None, known: dict[str, T], limit: int
) -> tuple[list[T], bool] | None:
    """Items after `last_id` in publication order; None when `last_id` is unknown."""
    start = 0
    if last_id:
        anchor = known.get(last_id)
        if anchor is None:
            return None
        start = anchor.seq
    ordered = sorted((item for item in items if item.seq > start), key=lambda i: i.seq)
    return ordered[:limit], len(ordered) > limit


def _moment(value: object, now: datetime) -> datetime:
    return value if isinstance(value, datetime) else now


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0
