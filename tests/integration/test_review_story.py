"""`ozonbot review story`: the tracker read over HTTP (a fake Rasa on port 0 serving a tracker
captured from a real `rasa run`, and once the real server), records and marks from real Redis."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from bot.dialogue.rasa import RasaClient
from bot.errors import RasaMalformedError, RasaUnavailableError
from bot.models import Decision, EscalationReason
from bot.review.tracker import read_conversation
from bot.state.redis import Redis
from tests.integration.review_support import ROOT, Stores, ozonbot

CAPTURED = json.loads(
    (ROOT / "tests" / "integration" / "data" / "review_tracker.json").read_text(encoding="utf-8")
)
CHAT = "h8capturea72cc0"
"""The chat of the captured tracker (recorded with sender `ozonbot:main:<chat>`)."""


@dataclass
class FakeRasa:
    url: str = ""
    status: int = 200
    body: bytes | None = None
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    """Rasa's tracker endpoint; answers the captured conversation under any sender id."""
    fake = FakeRasa()

    async def tracker(request: web.Request) -> web.Response:
        fake.seen.append((request.raw_path.split("?")[0], dict(request.query)))
        sender = request.match_info["sender"]
        body = fake.body or json.dumps({**CAPTURED, "sender_id": sender}).encode()
        return web.Response(status=fake.status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/conversations/{sender}/tracker", tracker)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}"
    yield fake
    await runner.cleanup()


def story_steps(text: str) -> list[dict[str, Any]]:
    [story] = yaml.safe_load(text)["stories"]
    return list(story["steps"])


async def test_the_client_asks_for_every_event_of_the_literal_sender(rasa: FakeRasa) -> None:
    client = RasaClient(rasa.url, token="s3cret")  # noqa: S106 - the fake's
    conversation = await read_conversation(client, "pfx:main:chat-7")
    await client.close()
    assert rasa.seen == [
        ("/conversations/pfx:main:chat-7/tracker", {"include_events": "ALL", "token": "s3cret"})
    ]
    assert [t.text for t in conversation.user_turns][:2] == ["Здравствуйте", "где мой заказ?"]


async def test_a_server_error_is_unavailable_and_garbage_is_malformed(rasa: FakeRasa) -> None:
    client = RasaClient(rasa.url)
    rasa.status = 503
    with pytest.raises(RasaUnavailableError):
        await read_conversation(client, "a:b:c")
    rasa.status, rasa.body = 200, b"<html>"
    with pytest.raises(RasaMalformedError):
        await read_conversation(client, "a:b:c")
    await client.close()


async def test_a_refused_connection_is_unavailable() -> None:
    client = RasaClient("http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(RasaUnavailableError):
        await read_conversation(client, "a:b:c")
    await client.close()


async def test_the_command_prints_the_story_with_staff_marks_and_masked_text(
    rasa: FakeRasa, redis: Redis, redis_prefix: str
) -> None:
    stores = Stores.of(redis, redis_prefix)
    await stores.escalation(
        id="esc-1",
        chat_id=CHAT,
        reason=EscalationReason.DISPUTE,
        wrong_intent_marks={"104": "wrong_item"},
    )
    await stores.record(
        chat_id=CHAT,
        message_ids=("104",),
        text="товар пришел разбитый",
        intent="defective_item",
        decision=Decision.ESCALATE,
        escalation_id="esc-1",
    )
    code, out, err = await ozonbot(
        "review", "story", CHAT, "--shop", "main", prefix=redis_prefix, rasa_url=rasa.url
    )
    assert code == 0, err
    assert rasa.seen[0][0] == f"/conversations/{redis_prefix}:main:{CHAT}/tracker"
    assert f"built from Rasa's tracker of {redis_prefix}:main:{CHAT}" in err
    users = [(s["user"].strip(), s["intent"]) for s in story_steps(out) if "user" in s]
    assert users == [
        ("Здравствуйте", "greet"),
        ("где мой заказ?", "delivery_status"),
        ("вот номер [57195475-0050-3](posting_number), мой телефон <phone>", "contact_exchange"),
        ("товар пришел разбитый, меня зовут <name>", "wrong_item"),
        ("спасибо большое", "thank"),
    ]
    assert f"# From chat {CHAT} of shop main" in out


async def test_without_the_conversation_in_rasa_the_records_are_used_and_it_says_so(
    rasa: FakeRasa, redis: Redis, redis_prefix: str, tmp_path: Path
) -> None:
    rasa.body = json.dumps({"sender_id": "x", "events": []}).encode()
    stores = Stores.of(redis, redis_prefix)
    at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    await stores.record(chat_id="c-5", message_ids=("1",), text="здравствуйте", intent="greet",
                        handled_at=at)  # fmt: skip
    out_file = tmp_path / "test_regressions.yml"
    code, _, err = await ozonbot(
        "review", "story", "c-5", "--out", str(out_file), prefix=redis_prefix, rasa_url=rasa.url
    )
    assert code == 0, err
    assert "the worker's turn records: Rasa has no turns for it" in err
    assert story_steps(out_file.read_text(encoding="utf-8")) == [
        {"user": "здравствуйте\n", "intent": "greet"},
        {"action": "action_greet"},
    ]


async def test_a_chat_nobody_knows_exits_1(rasa: FakeRasa, redis_prefix: str) -> None:
    rasa.body = json.dumps({"sender_id": "x", "events": []}).encode()
    code, out, _ = await ozonbot(
        "review", "story", "nobody", prefix=redis_prefix, rasa_url=rasa.url
    )
    assert code == 1
    assert "no conversation nobody" in out


# --- the real Rasa server ---------------------------------------------------------------------

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")


def rasa_answers() -> bool:
    try:
        with urllib.request.urlopen(RASA_URL + "/", timeout=2) as answer:  # noqa: S310 - local
            return bool(answer.status == 200)
    except OSError:
        return False


def post(path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the local Rasa server of `make up`
        RASA_URL + path, data=json.dumps(body).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return json.loads(answer.read())


@pytest.mark.rasa
@pytest.mark.skipif(not rasa_answers(), reason=f"no Rasa server at {RASA_URL} (make up)")
async def test_a_conversation_held_by_the_real_rasa_server_becomes_a_story(
    redis: Redis, redis_prefix: str
) -> None:
    chat = f"review-{uuid.uuid4().hex[:8]}"
    sender = f"{redis_prefix}:main:{chat}"
    for turn, text in (("1", "Здравствуйте"), ("2", "спасибо большое")):
        metadata = {"shop": "main", "chat_id": chat, "lang": "ru", "flags": [], "turn": turn}
        post("/webhooks/ozonbot/webhook", {"sender": sender, "message": text, "metadata": metadata})
    try:
        code, out, err = await ozonbot(
            "review", "story", chat, "--shop", "main", prefix=redis_prefix, rasa_url=RASA_URL
        )
    finally:
        # Rasa keeps the conversation under its own key prefix: remove this test's tracker.
        async for key in redis.scan_iter(match=f"*:tracker:{sender}"):
            await redis.delete(key)
    assert code == 0, err
    assert "built from Rasa's tracker" in err
    users = [(s["user"].strip(), s["intent"]) for s in story_steps(out) if "user" in s]
    assert users == [("Здравствуйте", "greet"), ("спасибо большое", "thank")]
    assert [s["action"] for s in story_steps(out) if "action" in s] == [
        "action_greet",
        "action_thank",
    ]
