"""`ozonbot sandbox` as a separate process: help, seeding, a buyer message read by the client."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import pytest

from bot.ozon.client import OzonHttp

BIN = Path(sys.executable).parent
SCENARIO = """\
name: delivery status
postings:
  - {posting_number: "57195475-0050-3", scheme: fbs, status: delivering,
     substatus: posting_on_way_to_city, delivery_date: "2026-11-25", sku: 1234567890}
products:
  - {sku: "1234567890", name: "Чехол", attributes: {"Материал": "силикон"}}
turns: []
"""


def test_sandbox_help_lists_the_options() -> None:
    done = subprocess.run(
        [str(BIN / "ozonbot"), "sandbox", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "--seed FILE" in done.stdout


async def start(command: Sequence[str]) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    if "serving on" not in line:
        process.kill()
        _, err = await process.communicate()
        pytest.fail(f"sandbox did not start: {line!r} {err.decode()[-2000:]}")
    return process, line.rsplit(" ", 1)[-1].strip()


@pytest.fixture(params=["ozonbot", "module"])
async def sandbox_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    scenario = tmp_path / "scenario.yml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    head = (
        [str(BIN / "ozonbot"), "sandbox"]
        if request.param == "ozonbot"
        else [sys.executable, "-m", "bot.sandbox"]
    )
    process, url = await start([*head, "--port", "0", "--seed", str(scenario)])
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0


async def test_buyer_message_injected_over_http_is_read_by_the_client(sandbox_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        body = {"chat_id": "chat-1", "text": "где мой заказ?"}
        async with session.post(f"{sandbox_url}/sandbox/buyer-message", json=body) as response:
            message_id = (await response.json())["message_id"]
    async with OzonHttp(timeout_s=5) as http:
        ozon = http.client(base_url=sandbox_url, client_id="42", api_key="key")
        (message,) = (await ozon.chat_history("chat-1")).messages
        posting = await ozon.fbs_posting("57195475-0050-3")
    assert (message.message_id, message.text, message.is_buyer) == (
        message_id,
        "где мой заказ?",
        True,
    )
    assert posting.skus == ("1234567890",)


def test_bad_seed_file_is_a_configuration_error(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yml"
    scenario.write_text("postings: [{scheme: fbs}]\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot.sandbox", "--port", "0", "--seed", str(scenario)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 2
    assert "posting_number" in done.stderr


def test_module_form_help_works_without_the_other_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.sandbox", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "--reply-windows" in done.stdout
