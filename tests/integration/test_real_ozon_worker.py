"""The worker as Ozon really behaves (issue: real Ozon): Select chats, a shop without the chat
subscription, a key about to expire, a buyer who edits a message, a chat Ozon closes.

Real emulator, real Redis, instant dialogue. The client-level shapes are tested against a
stand-in written from Ozon's documents in test_ozon_standin.py.
"""

from __future__ import annotations

from datetime import timedelta

from bot.models import Decision
from bot.state.models import EscalationStatus
from tests.integration.worker_harness import Harness


def _sends(h: Harness) -> float:
    """Chat writes the worker attempted, whatever Ozon answered."""
    [family] = h.app.metrics.ozon_calls.collect()
    return sum(
        sample.value
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels["method"] == "/v1/chat/send/message"
    )


async def _notices(h: Harness) -> list[str]:
    entries = await h.app.outbox.read("t", count=100, block_ms=1)
    return [n.text or "" for _, n in entries if n.kind == "notice"]


async def test_a_buyer_of_an_ozon_select_order_is_answered(harness: Harness) -> None:
    harness.sandbox.state.buyer_message("sel-1", "где заказ?", chat_type="BUYER_SELLER_SELECT")
    await harness.cycle()
    assert len(harness.sent("sel-1")) == 1


async def test_a_shop_without_the_chat_subscription_works_in_drafts_and_says_so_once(
    harness: Harness,
) -> None:
    shop = harness.sandbox.state.shop_for_control(None)
    shop.premium = False
    for n in range(3):
        harness.buyer(f"sub-{n}", "где заказ?")
    await harness.cycle()
    assert harness.sent() == []
    notices = await _notices(harness)
    assert len([t for t in notices if "subscription" in t]) == 1
    open_ids = await harness.app.escalations.open_ids()
    drafts = [await harness.app.escalations.get(i) for i in open_ids]
    assert len(drafts) == 3
    assert all(d is not None and d.draft and d.suggested for d in drafts)
    tried = _sends(harness)
    assert tried <= 3  # the turns in flight together may each try once
    harness.buyer("sub-4", "где заказ?")
    await harness.cycle()
    assert _sends(harness) == tried  # the first refusal switched the shop to drafts
    # After the probe interval one real write is tried; it works, and staff hear so.
    shop.premium = True
    await harness.app.redis.delete(harness.app.keys.premium_missing("main"))
    harness.buyer("sub-9", "где заказ?")
    await harness.cycle()
    assert len(harness.sent("sub-9")) == 1
    assert any("again" in t for t in await _notices(harness))


async def test_a_key_about_to_expire_is_told_to_staff_once(harness: Harness) -> None:
    shop = harness.sandbox.state.shop_for_control(None)
    shop.key_expires_at = harness.clock() + timedelta(days=6, hours=12)
    await harness.app.keys_watch.run_once()
    await harness.app.keys_watch.run_once()
    expiring = [t for t in await _notices(harness) if "expires in 7" in t]
    assert len(expiring) == 1
    left = harness.app.metrics.key_expires_in.labels(shop="main")._value.get()
    assert 6 * 86400 < left < 7 * 86400


async def test_an_edited_message_not_yet_answered_is_decided_on_its_new_text(
    harness: Harness,
) -> None:
    message_id = harness.buyer("ed-1", "где заказ")
    await harness.app.poll_once()
    shop = harness.sandbox.state.shop_for_control(None)
    [message] = [m for m in shop.chat("ed-1").messages if str(m.message_id) == message_id]
    message.text = "товар пришел сломанный"
    await harness.app._edited("main", "ed-1", (message_id,))
    await harness.app.drain()
    [record] = await harness.app.chats.recent_records("main", "ed-1")
    assert record.text == "товар пришел сломанный"
    assert record.decision is Decision.ESCALATE


async def test_a_chat_ozon_closed_is_dropped_and_its_card_closed(harness: Harness) -> None:
    harness.buyer("cl-1", "товар пришел сломанный")
    await harness.cycle()
    [escalation_id] = await harness.app.escalations.open_ids()
    harness.buyer("cl-1", "ау")
    await harness.app.poll_once()
    await harness.app.staff.chat_closed("main", "cl-1")
    assert await harness.app.chats.inbox("main", "cl-1") == []
    escalation = await harness.app.escalations.get(escalation_id)
    assert escalation is not None
    assert escalation.status is EscalationStatus.RESOLVED
