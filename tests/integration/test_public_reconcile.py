"""An answer or comment Ozon took whose reply was lost: Ozon then lists the item as processed,
not NEW, so the poll over NEW items never sees it again; the stream still finds the item's
`posting` record, looks in Ozon's list, and settles it without posting twice."""

from __future__ import annotations

from bot.sandbox.state import Fault
from bot.state.models import PublicStream
from bot.state.streams import Progress
from tests.integration.public_support import Rig


async def _progress(r: Rig, stream: PublicStream, item: str) -> Progress | None:
    record = await r.deps().store.record("shop1", stream, item)
    return None if record is None else record.progress


async def test_a_question_whose_answer_reply_was_lost_is_settled_once(r: Rig) -> None:
    asked = r.ask("Какая ширина?")
    r.sandbox.state.add_fault("/v1/question/answer/create", Fault("reset_after_send", 1))
    await r.questions().run_once()
    assert await _progress(r, PublicStream.QUESTIONS, asked) is Progress.POSTING
    r.clock.advance(minutes=1)

    assert await r.questions().run_once() == 1

    assert await _progress(r, PublicStream.QUESTIONS, asked) is Progress.DONE
    assert r.board.answer_calls == 1
    assert await r.questions().run_once() == 0  # settled: not looked at again


async def test_a_review_whose_comment_reply_was_lost_is_settled_once(r: Rig) -> None:
    praised = r.review(5, "Отличное качество")
    r.sandbox.state.add_fault("/v1/review/comment/create", Fault("reset_after_send", 1))
    await r.reviews().run_once()
    assert await _progress(r, PublicStream.REVIEWS, praised) is Progress.POSTING
    assert r.board.reviews[praised].status == "PROCESSED"  # Ozon took it: no longer NEW
    r.clock.advance(minutes=1)

    assert await r.reviews().run_once() == 1

    assert await _progress(r, PublicStream.REVIEWS, praised) is Progress.DONE
    assert r.board.comment_calls == 1


async def test_an_item_ozon_no_longer_knows_is_dropped_from_the_reconciling(r: Rig) -> None:
    asked = r.ask("Какая ширина?")
    r.sandbox.state.add_fault("/v1/question/answer/create", Fault("reset_after_send", 1))
    await r.questions().run_once()
    del r.board.questions[asked]
    r.clock.advance(minutes=1)

    assert await r.questions().run_once() == 0

    store = r.deps().store
    assert await store.posting("shop1", PublicStream.QUESTIONS, r.clock.now) == []
