"""A real `rasa run` with the trained model, credentials.yml and endpoints.yml, over sockets.

The action server is a small fake speaking Rasa's action protocol (it echoes the action name and,
for `action_escalate`, the `escalation_reason` slot it received); trackers and locks go to the
real Redis under a prefix of this test run, deleted afterwards. Also runs the test stories with
`rasa test core`. Needs models/latest.tar.gz (`scripts/train`); skipped without it.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from support import REPO

MODEL = Path(os.environ.get("OZONBOT_RASA_MODEL", REPO / "models" / "latest.tar.gz"))
RASA = REPO / ".venv-rasa" / "bin" / "rasa"
START_TIMEOUT_S = 240

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not MODEL.exists(), reason=f"no trained model at {MODEL}: scripts/train"),
]


# --- the fake action server ------------------------------------------------------------------


class ActionServer(ThreadingHTTPServer):
    calls: list[dict[str, Any]]


class ActionHandler(BaseHTTPRequestHandler):
    server: ActionServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        call = json.loads(raw)
        self.server.calls.append(call)
        body = json.dumps(self._answer(call)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    @staticmethod
    def _answer(call: dict[str, Any]) -> dict[str, Any]:
        action = call["next_action"]
        if action == "action_escalate":
            reason = call["tracker"]["slots"].get("escalation_reason") or "unknown"
            return {
                "events": [{"event": "slot", "name": "escalation_reason", "value": None}],
                "responses": [{"custom": {"ozonbot": {"kind": "escalate", "reason": reason}}}],
            }
        return {
            "events": ActionHandler._slot_events(action, call["tracker"]),
            "responses": [
                {"text": f"reply from {action}"},
                {"custom": {"ozonbot": {"kind": "reply", "key": action}}},
            ],
        }

    @staticmethod
    def _slot_events(action: str, tracker: dict[str, Any]) -> list[dict[str, Any]]:
        """The product actions' `awaiting_product` bookkeeping (bot/dialogue/actions/products.py):
        no SKU known → ask and wait; otherwise answer and stop waiting."""
        asked = {"action_product_specs": "specs", "action_product_availability": "availability"}
        if action not in asked:
            return []
        entities = tracker["latest_message"].get("entities", [])
        known = tracker["slots"].get("sku") or any(e["entity"] == "sku" for e in entities)
        value = None if known else asked[action]
        return [{"event": "slot", "name": "awaiting_product", "value": value}]

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def action_server() -> Iterator[ActionServer]:
    server = ActionServer(("127.0.0.1", 0), ActionHandler)
    server.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- the Rasa server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str, url: str, payload: bytes | None = None, timeout: float = 60
) -> tuple[int, Any]:
    # Only ever our own http://127.0.0.1 URLs.
    request = urllib.request.Request(url, data=payload, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT_S:
        if process.poll() is not None:
            raise AssertionError(f"rasa run exited:\n{log.read_text()[-3000:]}")
        try:
            if http("GET", url, timeout=2)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(
        f"rasa run did not answer in {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    prefix = f"ozonbottest{uuid.uuid4().hex[:10]}"  # Rasa accepts letters and digits only
    yield prefix
    with redis.Redis(host="127.0.0.1", port=6379, db=0) as client:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(scope="module")
def rasa_url(
    action_server: ActionServer, redis_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("rasa") / "rasa-run.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_server.server_address[1]}/webhook",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_PASSWORD": "",
        "RASA_KEY_PREFIX": redis_prefix,
    }
    command = [
        str(RASA), "run", "--model", str(MODEL), "--credentials", "credentials.yml",
        "--endpoints", "endpoints.yml", "--interface", "127.0.0.1", "--port", str(port),
        "--enable-api",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        seconds = wait_until_up(process, url + "/", log)
        print(f"\nrasa run answered after {seconds:.1f} s")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def turn(rasa_url: str, message: str, sender: str | None = None, **metadata: Any) -> dict[str, Any]:
    sender = sender or f"test:main:{uuid.uuid4().hex}"
    payload = {"sender": sender, "message": message, "metadata": {"shop": "main", **metadata}}
    status, answer = http(
        "POST", rasa_url + "/webhooks/ozonbot/webhook", json.dumps(payload).encode()
    )
    assert status == 200, answer
    return cast("dict[str, Any]", answer)


# --- the channel -----------------------------------------------------------------------------


def test_a_greeting_is_answered_by_its_action(rasa_url: str) -> None:
    answer = turn(rasa_url, "Здравствуйте!")
    assert answer["intent"]["name"] == "greet"
    assert answer["paused"] is False
    assert 1 <= len(answer["intent_ranking"]) <= 5
    assert answer["messages"] == [
        {"text": "reply from action_greet"},
        {"custom": {"ozonbot": {"kind": "reply", "key": "action_greet"}}},
    ]


def test_a_legal_threat_reaches_action_escalate_with_its_reason(rasa_url: str) -> None:
    answer = turn(rasa_url, "где мой заказ? если не привезете завтра подам в суд")
    assert answer["messages"] == [
        {"custom": {"ozonbot": {"kind": "escalate", "reason": "legal_threat"}}}
    ]


def test_the_workers_flags_decide_the_reason(rasa_url: str) -> None:
    answer = turn(rasa_url, "Здравствуйте", flags=["spam"])
    assert answer["messages"] == [{"custom": {"ozonbot": {"kind": "escalate", "reason": "spam"}}}]


def test_the_posting_number_is_reported_with_its_position(rasa_url: str) -> None:
    text = "где мой заказ 57195475-0050-3"
    answer = turn(rasa_url, text)
    numbers = [e for e in answer["entities"] if e["entity"] == "posting_number"]
    assert numbers == [
        {"entity": "posting_number", "value": "57195475-0050-3", "start": 14, "end": 29}
    ]
    assert text[numbers[0]["start"] : numbers[0]["end"]] == "57195475-0050-3"


@pytest.mark.parametrize(
    ("question", "action"),
    [
        ("какой материал?", "action_product_specs"),
        ("есть в наличии?", "action_product_availability"),
    ],
)
def test_an_sku_after_the_bot_asked_which_product_runs_the_asking_action(
    rasa_url: str, question: str, action: str
) -> None:
    """Whatever the classifier makes of "артикул <n>", the question asked is answered."""
    sender = f"test:main:{uuid.uuid4().hex}"
    first = turn(rasa_url, question, sender)
    assert first["messages"][0] == {"text": f"reply from {action}"}
    second = turn(rasa_url, "артикул 1489267014", sender)
    assert [e["entity"] for e in second["entities"]] == ["sku"]
    assert second["messages"][0] == {"text": f"reply from {action}"}


def test_two_unclear_turns_escalate_as_unknown(rasa_url: str) -> None:
    sender = f"test:main:{uuid.uuid4().hex}"
    first = turn(rasa_url, "йцукенгшщз", sender)
    assert first["intent"]["name"] in ("nlu_fallback", "out_of_scope")
    second = turn(rasa_url, "фывапролджэ", sender)
    assert second["intent"]["name"] in ("nlu_fallback", "out_of_scope")
    assert second["messages"] == [
        {"custom": {"ozonbot": {"kind": "escalate", "reason": "unknown"}}}
    ]


def test_a_paused_conversation_gets_no_messages(rasa_url: str, action_server: ActionServer) -> None:
    sender = f"test:main:{uuid.uuid4().hex}"
    turn(rasa_url, "Здравствуйте", sender)
    status, _ = http(
        "POST",
        f"{rasa_url}/conversations/{sender}/tracker/events",
        json.dumps({"event": "pause"}).encode(),
    )
    assert status == 200
    calls_before = len(action_server.calls)
    answer = turn(rasa_url, "где мой заказ?", sender)
    assert answer["paused"] is True
    assert answer["messages"] == []
    assert answer["intent"] is not None
    assert len(action_server.calls) == calls_before


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"{not json", "JSON"),
        (json.dumps({"message": "привет"}).encode(), "sender"),
        (json.dumps({"sender": "test:main:x"}).encode(), "message"),
    ],
)
def test_bad_requests_get_400_with_a_json_error(
    rasa_url: str, payload: bytes, problem: str
) -> None:
    status, answer = http("POST", rasa_url + "/webhooks/ozonbot/webhook", payload)
    assert status == 400
    assert problem in answer["error"]


def test_the_conversation_is_kept_in_redis_under_the_prefix(
    rasa_url: str, redis_prefix: str
) -> None:
    sender = f"test:main:{uuid.uuid4().hex}"
    turn(rasa_url, "спасибо", sender)
    with redis.Redis(host="127.0.0.1", port=6379, db=0) as client:
        assert client.exists(f"{redis_prefix}:tracker:{sender}") == 1


# --- the test stories ------------------------------------------------------------------------


def test_the_test_stories_pass(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "RASA_TELEMETRY_ENABLED": "false"}
    command = [
        str(RASA), "test", "core", "--stories", "tests/stories", "--model", str(MODEL),
        "--fail-on-prediction-errors", "--out", str(tmp_path / "results"),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
