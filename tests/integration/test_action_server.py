"""The action server over real sockets, with the real Ozon client against the Ozon emulator.

Calls have the shape Rasa 3.6.21 sends (`RemoteAction._action_call_format`); one test has Rasa
itself (its own venv, Python 3.10, the project's `domain.yml`) make the call and read our answer
back into Rasa events.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.config import Settings, load_settings
from bot.dialogue.actions.deps import build_action_deps
from bot.dialogue.actions.server import build_action_app
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
CLIENT_ID, API_KEY = "4242", "secret-key"
FBS, FBO = "57195475-0050-3", "9121072335-0187-1"
SKU = "1234567890"
SEED = {
    "postings": [
        {
            "posting_number": FBS,
            "scheme": "fbs",
            "status": "delivering",
            "substatus": "posting_on_way_to_city",
            "delivery_date": "2026-11-25",
            "tracking_number": "RU123456789",
            "sku": SKU,
        },
        {"posting_number": FBO, "scheme": "fbo", "status": "awaiting_deliver", "sku": SKU},
    ],
    "products": [
        {
            "sku": SKU,
            "name": "Чехол для iPhone 13",
            "attributes": {"Материал": "силикон", "Цвет": "черный"},
            "stock": 3,
        }
    ],
}


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    state = SandboxState(credentials={CLIENT_ID: API_KEY})
    state.seed_from_scenario(SEED, client_id=CLIENT_ID)
    async with serve(state) as running:
        yield running


@pytest.fixture
def settings(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("OZONBOT_ACCOUNTS", raising=False)
    monkeypatch.setenv("OZON_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OZON_API_KEY", API_KEY)
    monkeypatch.setenv("OZON_API_URL", sandbox.url)
    # One quick retry keeps the "Ozon down" tests fast.
    monkeypatch.setenv("OZON_READ_RETRIES", "1")
    return load_settings(env_file=None)


@pytest.fixture
async def actions_url(settings: Settings) -> AsyncIterator[str]:
    app = build_action_app(build_action_deps(settings, knowledge_dir=KNOWLEDGE))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def action_call(
    action: str,
    text: str,
    *,
    intent: str = "delivery_status",
    entities: tuple[tuple[str, str], ...] = (),
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    with_domain: bool = True,
) -> dict[str, Any]:
    """A Rasa 3.6 action call right after one buyer message."""
    meta = {
        "shop": "main",
        "chat_id": "c-1",
        "lang": "ru",
        "order_number": None,
        "sku": None,
        "flags": [],
        "turn": "5001",
    } | (metadata or {})
    parse_data = {
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [{"entity": e, "value": v, "start": 0, "end": len(v)} for e, v in entities],
        "text": text,
        "message_id": "m-1",
        "metadata": meta,
        "intent_ranking": [{"name": intent, "confidence": 0.97}],
    }
    user = {
        "event": "user",
        "timestamp": 1795303396.48,
        "metadata": meta,
        "text": text,
        "parse_data": parse_data,
        "input_channel": "ozonbot",
        "message_id": "m-1",
    }
    tracker = {
        "sender_id": "ozonbot:main:c-1",
        "slots": {"posting_number": None, "awaiting_posting_number": False} | (slots or {}),
        "latest_message": parse_data,
        "latest_event_time": 1795303396.48,
        "followup_action": None,
        "paused": False,
        "events": [{"event": "action", "timestamp": 1795303396.4, "name": "action_listen"}, user],
        "latest_input_channel": "ozonbot",
        "active_loop": {},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }
    call: dict[str, Any] = {
        "next_action": action,
        "sender_id": "ozonbot:main:c-1",
        "tracker": tracker,
        "version": "3.6.21",
    }
    if with_domain:
        call["domain"] = {"version": "3.1", "intents": [intent], "actions": [action]}
    return call


async def post(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], **kwargs: Any
) -> tuple[int, Any]:
    async with http.post(f"{url}/webhook", json=body, **kwargs) as response:
        return response.status, await response.json()


def payloads(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["custom"]["ozonbot"] for r in answer["responses"] if r.get("custom")]


def texts(answer: dict[str, Any]) -> list[str]:
    return [r["text"] for r in answer["responses"] if r.get("text")]


# --- the action protocol ---------------------------------------------------------------------


async def test_delivery_status_of_an_fbs_posting(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    call = action_call("action_delivery_status", f"где {FBS}", entities=(("posting_number", FBS),))
    status, answer = await post(http, actions_url, call)
    assert status == 200
    assert answer["events"] == [
        {"event": "slot", "timestamp": None, "name": "awaiting_posting_number", "value": False}
    ]
    [text] = texts(answer)
    assert "25 ноября" in text
    assert "RU123456789" in text
    [payload] = payloads(answer)
    assert payload["kind"] == "reply"
    assert payload["key"] == "delivery.delivering"
    assert payload["facts"]["tracking_number"] == "RU123456789"


async def test_fbo_posting_is_found_after_the_fbs_miss(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    call = action_call("action_delivery_status", "где заказ", metadata={"order_number": FBO})
    _, answer = await post(http, actions_url, call)
    [payload] = payloads(answer)
    assert payload["key"] == "delivery.awaiting_deliver"
    assert payload["facts"]["scheme"] == "fbo"


async def test_product_attribute_from_the_emulators_card(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    call = action_call(
        "action_product_specs",
        "из чего чехол?",
        intent="product_specs",
        entities=(("attribute", "материал"),),
        metadata={"sku": SKU},
    )
    _, answer = await post(http, actions_url, call)
    [payload] = payloads(answer)
    assert payload["key"] == "product.attribute"
    assert payload["facts"]["value"] == "силикон"


async def test_availability_from_the_emulators_stock(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    call = action_call(
        "action_product_availability", "есть?", intent="product_availability", metadata={"sku": SKU}
    )
    _, answer = await post(http, actions_url, call)
    assert payloads(answer)[0]["key"] == "availability.in_stock"


async def test_ozon_errors_revert_the_turn_for_a_retry(
    sandbox: RunningSandbox, actions_url: str, http: aiohttp.ClientSession
) -> None:
    fault = {"method": "/v3/posting/fbs/get", "kind": "500", "count": 5}
    async with http.post(f"{sandbox.url}/sandbox/faults", json=fault) as response:
        assert response.status == 200
    call = action_call("action_delivery_status", FBS, entities=(("posting_number", FBS),))
    status, answer = await post(http, actions_url, call)
    assert status == 200
    assert answer["events"] == [{"event": "rewind", "timestamp": None}]
    assert answer["responses"][0]["custom"] == {
        "ozonbot": {"kind": "retry", "error": "OzonServerError"}
    }
    assert texts(answer) == []


async def test_deflate_compressed_call_is_understood(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    body = zlib.compress(json.dumps(action_call("action_greet", "привет", intent="greet")).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "deflate"}
    async with http.post(f"{actions_url}/webhook", data=body, headers=headers) as response:
        assert response.status == 200
        answer = await response.json()
    assert payloads(answer) == [{"kind": "reply", "key": "greet", "facts": {}}]


async def test_call_without_domain_still_runs(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    """Rasa 3.6 with `enable_selective_domain` sends no domain and knows no HTTP 449."""
    call = action_call("action_thank", "спасибо", intent="thank", with_domain=False)
    status, answer = await post(http, actions_url, call)
    assert status == 200
    assert payloads(answer)[0]["key"] == "thank"


async def test_unknown_action_is_404_in_rasas_error_shape(
    actions_url: str, http: aiohttp.ClientSession
) -> None:
    status, answer = await post(http, actions_url, action_call("action_nope", "x"))
    assert status == 404
    assert answer["action_name"] == "action_nope"
    assert "action_nope" in answer["error"]


async def test_body_that_is_not_json_is_400(actions_url: str, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{actions_url}/webhook", data=b"{not json") as response:
        assert response.status == 400
        assert "error" in await response.json()


async def test_health_names_each_shops_ozon(
    sandbox: RunningSandbox, actions_url: str, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{actions_url}/health") as response:
        assert await response.json() == {"status": "ok", "ozon": {"main": sandbox.url}}


async def test_actions_lists_every_action(actions_url: str, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{actions_url}/actions") as response:
        names = {item["name"] for item in await response.json()}
    assert len(names) == 13
    assert {"action_delivery_status", "action_escalate"} <= names


# --- Rasa 3.6 itself calling the server ------------------------------------------------------

RASA_CALL = r"""
import asyncio, json, sys
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

url, domain_path, calls = json.loads(sys.argv[1])
domain = Domain.load(domain_path)
endpoint = EndpointConfig(url + "/webhook")
nlg = TemplatedNaturalLanguageGenerator(domain.responses)


async def run(action_name, intent, text, entities, metadata):
    parse = {"intent": {"name": intent, "confidence": 0.97}, "entities": entities, "text": text}
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen"),
              UserUttered(text, parse["intent"], entities, parse, input_channel="ozonbot",
                          message_id="m-1", metadata=metadata)]
    tracker = DialogueStateTracker.from_events("ozonbot:main:c-9", events, slots=domain.slots)
    action = RemoteAction(action_name, endpoint)
    result = await action.run(CollectingOutputChannel(), nlg, tracker, domain)
    tracker.update_with_events(result, domain)
    return {"events": [event.as_dict() for event in result],
            "latest_text": tracker.latest_message.text}


async def main():
    return [await run(*call) for call in calls]


print(json.dumps(asyncio.run(main()), ensure_ascii=False))
"""


async def rasa_runs(actions_url: str, calls: list[list[Any]]) -> list[dict[str, Any]]:
    """Rasa 3.6 runs each (action, intent, text, entities, metadata) call against our server
    (deflate-compressed, as Rasa can be configured) and reports the events it made of each
    answer and the tracker's latest buyer text after applying them."""
    argument = json.dumps([actions_url, str(ROOT / "domain.yml"), calls])
    env = os.environ | {"COMPRESS_ACTION_SERVER_REQUEST": "true", "RASA_TELEMETRY_ENABLED": "false"}
    process = await asyncio.create_subprocess_exec(
        str(RASA_PYTHON),
        "-c",
        RASA_CALL,
        argument,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, err.decode()[-2000:]
    results: list[dict[str, Any]] = json.loads(out.decode().strip().splitlines()[-1])
    return results


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
async def test_rasa_36_reads_our_answers_into_its_events(
    sandbox: RunningSandbox, actions_url: str, http: aiohttp.ClientSession
) -> None:
    fault = {"method": "/v3/product/info/list", "kind": "circle", "count": 5}
    async with http.post(f"{sandbox.url}/sandbox/faults", json=fault) as response:
        assert response.status == 200
    meta = {"shop": "main", "chat_id": "c-9", "lang": "ru", "turn": "77", "sku": SKU}
    posting = [{"entity": "posting_number", "value": FBS, "start": 4, "end": 19}]
    answered, reverted = await rasa_runs(
        actions_url,
        [
            ["action_delivery_status", "delivery_status", f"где {FBS}", posting, meta],
            ["action_product_availability", "product_availability", "есть?", [], meta],
        ],
    )
    bots = [e for e in answered["events"] if e["event"] == "bot"]
    assert "25 ноября" in bots[0]["text"]
    assert bots[1]["data"]["custom"]["ozonbot"]["key"] == "delivery.delivering"
    slots = [(e["name"], e["value"]) for e in answered["events"] if e["event"] == "slot"]
    assert slots == [("awaiting_posting_number", False)]
    # Ozon blocking the method ("Circle is open"): the retry payload reaches the channel,
    # then Rasa forgets the turn.
    kinds = [e["event"] for e in reverted["events"]]
    assert kinds == ["bot", "rewind"]
    assert reverted["events"][0]["data"]["custom"]["ozonbot"]["kind"] == "retry"
    assert reverted["latest_text"] != "есть?"


# --- `ozonbot actions` -----------------------------------------------------------------------


# `register` hooked into a parser exactly as `bot.cli` does, without importing every other
# command's module.
COMMAND = """
import argparse, sys
from bot.dialogue.actions.cli import register
parser = argparse.ArgumentParser(prog="ozonbot")
register(parser.add_subparsers(dest="command", required=True), "actions", "serve the actions")
args = parser.parse_args(sys.argv[1:])
sys.exit(args.handler(args))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_healthy(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    for _ in range(100):
        try:
            async with http.get(f"{url}/health") as response:
                health: dict[str, Any] = await response.json()
                return health
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("ozonbot actions did not start")


async def test_ozonbot_actions_serves_and_stops_on_sigterm(
    settings: Settings, sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    port = free_port()
    command = [sys.executable, "-c", COMMAND, "actions", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command,
        "--knowledge",
        str(KNOWLEDGE),
        cwd=ROOT,
        env=dict(os.environ),
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        health = await wait_healthy(http, f"http://127.0.0.1:{port}")
        assert health == {"status": "ok", "ozon": {"main": sandbox.url}}
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=20)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
