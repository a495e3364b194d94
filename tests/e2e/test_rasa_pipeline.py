"""Real buyer messages through the real Rasa server and action server (`make up` / `make test`).

The Rasa server runs the trained model with the `ozonbot` channel and the custom policy; the
action server reads postings and products from the emulator this test serves on the sandbox
profile's port. Needs the services up: `make test` starts them (`ozonbot services up`).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.dialogue.rasa import RasaClient
from bot.dialogue.types import TurnRequest
from bot.models import EscalationReason, Language
from bot.sandbox.app import RunningSandbox, serve
from bot.services.local import answers
from bot.simulate.runner import ScenarioRunner
from bot.simulate.scenario import Scenario

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
SEED = {
    "postings": [
        {
            "posting_number": "57195475-0050-3",
            "scheme": "fbs",
            "status": "delivering",
            "delivery_date": "2026-11-25",
            "tracking_number": "RU123456789",
            "sku": "1234567890",
        }
    ],
    "products": [
        {"sku": "1234567890", "name": "Чехол для iPhone 13", "attributes": {"Материал": "силикон"}}
    ],
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    profile = load_settings(str(ROOT / "config" / "sandbox.env"))
    if not answers(profile.rasa.url + "/status"):
        pytest.fail(f"the Rasa server does not answer on {profile.rasa.url}: run `make up`")
    actions = f"http://127.0.0.1:{profile.worker.actions_port}/health"
    if not answers(actions):
        pytest.fail(f"the action server does not answer on {actions}: run `make up`")
    return profile


@pytest.fixture
async def sandbox(settings: Settings) -> AsyncIterator[RunningSandbox]:
    port = int(settings.shops[0].api_url.rsplit(":", 1)[1])
    async with serve(port=port) as running:
        running.state.seed_from_scenario(SEED, client_id=settings.shops[0].client_id)
        yield running


@pytest.fixture
async def rasa(settings: Settings) -> AsyncIterator[RasaClient]:
    client = RasaClient(settings.rasa.url)
    yield client
    await client.close()


def turn(settings: Settings, text: str, **extra: str) -> TurnRequest:
    return TurnRequest(
        sender=f"test-{secrets.token_hex(4)}:main:chat",
        text=text,
        shop=settings.shops[0].id,
        chat_id="chat",
        lang=Language.RU,
        turn="1",
        order_number=extra.get("order_number"),
        sku=extra.get("sku"),
    )


async def test_delivery_question_is_answered_from_the_posting(
    sandbox: RunningSandbox, rasa: RasaClient, settings: Settings
) -> None:
    result = await rasa.understand(
        turn(settings, "Здравствуйте, где мой заказ?", order_number="57195475-0050")
    )
    assert result.intent == "delivery_status"
    assert result.confidence is not None
    assert result.confidence > 0.5
    reply = " ".join(result.replies)
    assert "25 ноября" in reply
    assert "RU123456789" in reply
    assert result.facts["posting_number"] == "57195475-0050-3"


async def test_product_question_names_the_attribute(
    sandbox: RunningSandbox, rasa: RasaClient, settings: Settings
) -> None:
    result = await rasa.understand(turn(settings, "из какого материала чехол?", sku="1234567890"))
    assert result.intent == "product_specs"
    assert "силикон" in " ".join(result.replies)


async def test_a_dispute_escalates_with_its_reason_and_no_reply(
    sandbox: RunningSandbox, rasa: RasaClient, settings: Settings
) -> None:
    result = await rasa.understand(turn(settings, "пришел бракованный товар, не включается"))
    assert result.intent == "defective_item"
    assert result.escalation is not None
    assert result.escalation.reason is EscalationReason.DISPUTE
    assert result.replies == ()


async def test_a_paused_conversation_is_not_answered_until_resumed(
    sandbox: RunningSandbox, rasa: RasaClient, settings: Settings
) -> None:
    request = turn(settings, "где мой заказ?", order_number="57195475-0050")
    await rasa.pause(request.sender)
    paused = await rasa.understand(request)
    assert paused.paused
    assert paused.replies == ()
    await rasa.resume(request.sender)
    resumed = await rasa.understand(request)
    assert not resumed.paused
    assert resumed.replies


async def test_the_contract_scenario_passes_through_the_whole_pipeline(
    sandbox: RunningSandbox, settings: Settings
) -> None:
    scenario = Scenario.model_validate(
        {
            "name": "contract example",
            "now": "2026-11-21T23:30:00+03:00",
            **SEED,
            "chat": {"context": {"order_number": "57195475-0050", "sku": "1234567890"}},
            "turns": [
                {
                    "buyer": "Здравствуйте, где мой заказ?",
                    "expect": {
                        "action": "reply",
                        "intent": "delivery_status",
                        "reply_contains": ["25"],
                    },
                },
                {
                    "buyer": "товар пришел разбитый",
                    "expect": {"action": "escalate", "reason": "dispute"},
                },
            ],
        }
    )
    results = await ScenarioRunner(sandbox, settings).run(scenario)
    assert [r.failures for r in results] == [[], []]
    assert results[1].staff  # the staff card was queued
