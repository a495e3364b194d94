"""The drill harness: real processes, black box, and the one check every drill ends with.

A drill runs

- the Ozon emulator as `ozonbot sandbox --port 0` (a subprocess; driven through its control API),
- the fake Telegram Bot API (`tests/fakes/telegram.py`, in this process, on a free port),
- the Rasa stand-in (`tests/drills/standin.py`, in this process, on a free port),
- real Redis: the shared server on 6379, database `DRILL_DB` (nobody else uses it, so a drill
  may flush it), with a key prefix of its own; or a private `redis-server` when the drill pauses
  or kills Redis (`private_redis`), so other people's tests never stall,
- workers as separate `ozonbot run` processes configured only through environment variables and
  an accounts file, killed with SIGKILL when the drill says so.

`Drill.settle()` is the end-of-drill check: every buyer message is covered by exactly one reply
(the stand-in's reply names the turn it answers, and the stand-in saw the message in that turn)
or by the chat's staff card (its text, or a forward under it, shows the message); no turn is
answered twice, no text is sent twice to a chat, no chat has two cards, and Redis holds no
leftovers (work queue, inboxes, send marks, undelivered staff notifications).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote

import aiohttp
import redis.asyncio as aioredis
import yaml

from tests.drills.standin import RasaStandIn
from tests.fakes.telegram import FakeTelegram, Sent, User

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SOURCE = Path(os.environ.get("DRILL_SOURCE") or ROOT)
"""Whose `bot` package the workers run: the working tree, or (DRILL_SOURCE) another checkout,
e.g. `git archive <commit>` unpacked, to show a drill failing before a fix."""
OZONBOT = (PYTHON, "-m", "bot")
SHARED_REDIS = "redis://127.0.0.1:6379"
LOGS = ROOT / "reports" / "drills"
DRILL_DB = 11
"""The shared Redis's database for drills: other tests use 0, so FLUSHDB here is safe."""
TOKEN = "4242:drill-token"  # noqa: S105  # the fake Telegram's token, not a secret
STAFF_CHAT = -1001000000001
POLL_S = 0.5
STAFF = User(id=5550001, first_name="Anna", username="anna_staff")
TURN = re.compile(r"номер обращения (\d+)")
UNREADABLE = "cannot read this chat"
"""The card of a quarantined chat (staff texts `notice.chat_unreadable`, English)."""
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ ")
ALL_WEEK = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00")

P = ParamSpec("P")
T = TypeVar("T")


def deadline(
    seconds: float,
) -> Callable[[Callable[P, Coroutine[Any, Any, T]]], Callable[P, Coroutine[Any, Any, T]]]:
    """A CI-safe time limit for a drill (pytest-timeout is not a dependency): the drill is
    cancelled and fails after `seconds`, and its fixtures still stop every process."""

    def wrap(test: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
        @functools.wraps(test)
        async def run(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await asyncio.wait_for(test(*args, **kwargs), seconds)
            except TimeoutError:
                raise AssertionError(f"drill exceeded its {seconds:.0f} s limit") from None

        return run

    return wrap


def sandbox_env() -> dict[str, str]:
    # The emulator comes from DRILL_SOURCE when that checkout has the drill faults, else from
    # this tree (they are part of the harness).
    has_faults = (SOURCE / "bot" / "sandbox" / "drill_faults.py").exists()
    source = SOURCE if has_faults else ROOT
    return {**os.environ, "PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"}


def _tail(log: Path, chars: int = 1500) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the emulator ---------------------------------------------------------------------------


class Sandbox:
    """`ozonbot sandbox` as a subprocess, driven through its control API."""

    def __init__(
        self, proc: asyncio.subprocess.Process, url: str, http: aiohttp.ClientSession
    ) -> None:
        self.proc, self.url, self._http = proc, url, http

    @classmethod
    async def start(cls, log: Path, http: aiohttp.ClientSession, hold_s: float = 5.0) -> Sandbox:
        with log.open("ab") as err:
            proc = await asyncio.create_subprocess_exec(
                *OZONBOT, "sandbox", "--port", "0", "--hold", str(hold_s),
                cwd=ROOT, env=sandbox_env(), stdout=asyncio.subprocess.PIPE, stderr=err,
            )  # fmt: skip
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        match = re.search(r"serving on (http://\S+)", line)
        if match is None:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
            raise RuntimeError(f"ozonbot sandbox did not start: {line!r}\n{_tail(log)}")
        return cls(proc, match.group(1), http)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self._http.post(f"{self.url}{path}", json=body) as resp:
            data = await resp.json(content_type=None)
            if resp.status != 200:
                raise AssertionError(f"emulator refused {path} {body}: {resp.status} {data}")
            return data

    async def get(self, path: str, **params: str) -> Any:
        async with self._http.get(f"{self.url}{path}", params=params) as resp:
            assert resp.status == 200, (path, resp.status)
            return await resp.json()

    async def buyer_message(self, chat: str, text: str, client_id: str) -> str:
        body = {"chat_id": chat, "text": text, "client_id": client_id}
        return str((await self.post("/sandbox/buyer-message", body))["message_id"])

    async def fault(self, method: str, kind: str, count: int = 1, **extra: Any) -> None:
        await self.post(
            "/sandbox/faults", {"method": method, "kind": kind, "count": count, **extra}
        )

    async def sent(self) -> list[dict[str, Any]]:
        return list(await self.get("/sandbox/sent"))


# --- Redis ----------------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    """A redis-server of the drill's own (pausing or killing the shared one would stall others)."""

    port: int
    workdir: Path
    args: list[str]
    proc: asyncio.subprocess.Process | None = None

    @classmethod
    async def start(cls, workdir: Path, *extra: str) -> PrivateRedis:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for this drill"
        port = free_port()
        args = [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
            "--save", "", "--daemonize", "no", "--enable-debug-command", "local", *extra,
        ]  # fmt: skip
        server = cls(port, workdir, args)
        await server.launch()
        return server

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def launch(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        client = aioredis.Redis.from_url(self.url)
        try:
            for _ in range(200):
                with contextlib.suppress(
                    OSError, aioredis.ConnectionError, aioredis.BusyLoadingError
                ):
                    if await client.ping():
                        return
                await asyncio.sleep(0.05)
            raise RuntimeError(f"redis-server on {self.port} did not start")
        finally:
            await client.aclose()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def cli(self, *args: str) -> str:
        """A redis-cli command against this server (DEBUG SLEEP blocks until it ends)."""
        proc = await asyncio.create_subprocess_exec(
            shutil.which("redis-cli") or "redis-cli", "-p", str(self.port), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        return out.decode().strip()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()


# --- shops, messages, outcomes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shop:
    id: str
    client_id: str
    staff_chat_id: int = STAFF_CHAT
    modes: dict[str, dict[str, str]] | None = None
    draft_auto_send_min: int | None = None

    def account(self, api_url: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.id,
            "name": f"Drill {self.id}",
            "client_id": self.client_id,
            "api_key": f"key-{self.client_id}",
            "api_url": api_url,
            "staff_chat_id": self.staff_chat_id,
            "rate_limit_rps": 40,
            # Open all week: no holding replies or after-hours modes depend on when CI runs.
            "hours": {"timezone": "Europe/Moscow", "weekly": ALL_WEEK},
        }
        if self.modes is not None:
            entry["modes"] = self.modes
        if self.draft_auto_send_min is not None:
            entry["draft_auto_send_min"] = self.draft_auto_send_min
        return entry


@dataclass(frozen=True, slots=True)
class Written:
    """A buyer message the drill wrote. `marker` ("Вопрос 17.") is unique in the drill; a
    message without text (blank, attachment only) has none and is matched by its chat."""

    shop: str
    chat: str
    message_id: str
    marker: str | None
    at: float


@dataclass
class Outcome:
    """What the buyers and staff saw, and what is left in Redis, at one moment."""

    uncovered: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.uncovered and not self.leftovers

    def describe(self) -> str:
        parts = []
        for name in ("doubled", "uncovered", "leftovers"):
            items: list[str] = getattr(self, name)
            if items:
                parts.append(f"{name} ({len(items)}): " + "; ".join(items[:12]))
        return "\n".join(parts) or "ok"


# --- the drill ------------------------------------------------------------------------------


@dataclass
class Drill:
    """One drill's world. Built by the `drill` fixture (tests/drills/conftest.py)."""

    name: str
    tmp: Path
    http: aiohttp.ClientSession
    sandbox: Sandbox
    telegram: FakeTelegram
    rasa: RasaStandIn
    redis_url: str
    prefix: str
    shops: list[Shop] = field(default_factory=lambda: [Shop("main", "100500")])
    env: dict[str, str] = field(default_factory=dict)
    workers: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    worker_ports: dict[str, int] = field(default_factory=dict)
    written: list[Written] = field(default_factory=list)
    check_outbox: bool = True
    """Undelivered staff notifications count as leftovers (not when a destination is parked)."""
    loose_text: bool = False
    """A reply at or after a message covers it even when Rasa got the turn's text cut (huge
    turns are cut for understanding)."""
    drafts: bool = False
    """Drafts are expected: a message may be on a (draft) card and answered by its reply."""
    max_cards: dict[str, int] = field(default_factory=dict)
    """Cards allowed for a chat (default 1): a chat returned to the bot may escalate again."""
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _redis: aioredis.Redis | None = None

    # --- configuration --------------------------------------------------------------------

    def shop(self, shop_id: str | None = None) -> Shop:
        return self.shops[0] if shop_id is None else next(s for s in self.shops if s.id == shop_id)

    def worker_env(self, name: str, port: int) -> dict[str, str]:
        accounts = self.tmp / "accounts.yml"
        entries = [shop.account(self.sandbox.url) for shop in self.shops]
        accounts.write_text(yaml.safe_dump({"shops": entries}, allow_unicode=True))
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OZON", "REDIS_", "RASA_", "TELEGRAM_"))
        }
        return {
            **base,
            "PYTHONPATH": str(SOURCE),
            "PYTHONDONTWRITEBYTECODE": "1",
            "OZONBOT_ENV_FILE": str(self.tmp / "none.env"),  # nothing from .env or sandbox.env
            "OZONBOT_ACCOUNTS": str(accounts),
            "OZON_TIMEOUT_S": "3",
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": self.prefix,
            "RASA_URL": self.rasa.url,
            "RASA_TIMEOUT_S": "20",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": self.telegram.url,
            "TELEGRAM_STAFF_CHAT_ID": str(STAFF_CHAT),
            "TELEGRAM_LANGUAGE": "en",
            "OZONBOT_HTTP_PORT": str(port),
            "OZONBOT_POLL_INTERVAL_S": str(POLL_S),
            "OZONBOT_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
            "OZONBOT_NLU_DIR": str(ROOT / "nlu"),
            "OZONBOT_GRACE_S": "5",
            "OZONBOT_LOG_LEVEL": "INFO",
            "TIMEZONE": "Europe/Moscow",
            **self.env,
        }

    # --- workers --------------------------------------------------------------------------

    async def start_worker(self, name: str, *, ready: bool = True) -> None:
        port = free_port()
        with (self.tmp / f"worker-{name}.log").open("ab") as log:
            self.workers[name] = await asyncio.create_subprocess_exec(
                *OZONBOT, "run", "--worker-id", name, "--port", str(port),
                # From the tree, as `make` runs it: the guard loads models/guard/ from there.
                cwd=SOURCE, env=self.worker_env(name, port),
                stdout=log, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        self.worker_ports[name] = port
        if ready:
            await self.wait_ready(name)

    async def start_workers(self, *names: str) -> None:
        for name in names:
            await self.start_worker(name, ready=False)
        await asyncio.gather(*(self.wait_ready(name) for name in names))

    async def wait_ready(self, name: str, within: float = 90) -> None:
        """Until the worker's HTTP endpoint answers (it starts last, after the scheduler) and
        its staff console has started (in the background, a few seconds later)."""
        url = f"http://127.0.0.1:{self.worker_ports[name]}/healthz"
        stop = time.monotonic() + within
        while time.monotonic() < stop:
            proc = self.workers[name]
            if proc.returncode is not None:
                raise AssertionError(
                    f"worker {name} exited with {proc.returncode}:\n{self.log_tail(name)}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                    outbox = (await resp.json()).get("checks", {}).get("outbox", {})
                    if outbox.get("console") != "starting":
                        return
            await asyncio.sleep(0.2)
        raise AssertionError(f"worker {name} did not start in {within} s:\n{self.log_tail(name)}")

    def kill9(self, name: str) -> None:
        self.workers[name].send_signal(signal.SIGKILL)

    async def stop_workers(self) -> None:
        for proc in self.workers.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers.values():
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.tmp / f"worker-{name}.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.tmp.glob("worker-*.log"))
        )

    def log_lines(self, pattern: str) -> list[str]:
        found = re.compile(pattern)
        return [line for line in self.logs().splitlines() if found.search(line)]

    # --- buyers ---------------------------------------------------------------------------

    def next_marker(self) -> str:
        return f"Вопрос {next(self._counter)}."

    async def write(
        self, chat: str, text: str | None = None, *, shop: str | None = None
    ) -> Written:
        """A buyer writes in `chat`; the default text is a routine question with a fresh marker.
        A `text` without "{marker}" carries no marker (blank, attachment-like, huge texts)."""
        spec = self.shop(shop)
        template = "Здравствуйте, где мой заказ? {marker}" if text is None else text
        marker = self.next_marker() if "{marker}" in template else None
        body = template.replace("{marker}", marker or "")
        message_id = await self.sandbox.buyer_message(chat, body, spec.client_id)
        written = Written(spec.id, chat, message_id, marker, time.monotonic())
        self.written.append(written)
        return written

    # --- the check --------------------------------------------------------------------------

    async def redis(self) -> aioredis.Redis:
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(
                self.redis_url, decode_responses=True, socket_timeout=5
            )
        return self._redis

    async def close_redis(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    def staff_messages(self) -> list[Sent]:
        chats = {shop.staff_chat_id for shop in self.shops}
        return [m for chat in chats for m in self.telegram.sent(chat)]

    def cards_of(self, chat: str) -> tuple[list[Sent], list[Sent]]:
        """(the chat's cards, every staff-chat message about it: cards and replies to them)."""
        link = f'id={quote(chat, safe="")}"'
        staff = self.staff_messages()
        cards = [m for m in staff if m.reply_to is None and link in m.text]
        ids = {(m.chat_id, m.message_id) for m in cards}
        about = cards + [m for m in staff if (m.chat_id, m.reply_to) in ids]
        return cards, about

    def card(self, chat: str) -> Sent:
        """The chat's one card (fails when there is none)."""
        cards, _ = self.cards_of(chat)
        assert cards, f"no staff card for {chat}\n{self.errors()}"
        return cards[-1]

    async def wait_card(self, chat: str, within: float = 15) -> Sent:
        await until(lambda: self.cards_of(chat)[0], within, f"a staff card for {chat}")
        return self.card(chat)

    def paused_in_rasa(self, chat: str) -> bool:
        return any(sender.endswith(f":{chat}") for sender in self.rasa.paused)

    def button(self, card: Sent, act: str) -> str:
        """The callback data of the card's button for `act` (take, ret, sugg, done, ...)."""
        data = next((d for _, d in card.buttons if d.startswith(f"esc:{act}:")), None)
        assert data, f"no {act!r} button on the card: {card.buttons}"
        return data

    def press(self, card: Sent, act: str | None = None, *, data: str | None = None) -> str:
        """A staff member taps the card's button for `act`, or a button seen earlier (`data`:
        a tap on a card whose newer state has not reached the staff member's screen)."""
        chosen = data if data is not None else self.button(card, act or "")
        return self.telegram.press(card.chat_id, STAFF, card.message_id, chosen)

    async def metrics(self, worker: str) -> dict[str, float]:
        """The worker's Prometheus samples: `name{labels}` → value."""
        url = f"http://127.0.0.1:{self.worker_ports[worker]}/metrics"
        async with self.http.get(url) as resp:
            text = await resp.text()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    samples[name] = float(value)
        return samples

    async def outcome(self, messages: Iterable[Written] | None = None) -> Outcome:
        """Coverage and doubles for `messages` (default: all written), and Redis leftovers."""
        chosen = set(self.written if messages is None else messages)
        outcome = Outcome()
        sent = await self.sandbox.sent()
        by_client: dict[tuple[str, str], list[str]] = defaultdict(list)
        for record in sent:
            by_client[(record["client_id"], record["chat_id"])].append(record["text"])
        per_chat: dict[tuple[str, str], list[Written]] = defaultdict(list)
        for w in self.written:
            per_chat[(w.shop, w.chat)].append(w)
        for (shop_id, chat), chat_written in per_chat.items():
            texts = by_client[(self.shop(shop_id).client_id, chat)]
            wanted = [w for w in chat_written if w in chosen]
            self._check_chat(outcome, shop_id, chat, texts, wanted)
        outcome.leftovers = await self.leftovers()
        return outcome

    def _check_chat(
        self, outcome: Outcome, shop_id: str, chat: str, texts: list[str], chosen: list[Written]
    ) -> None:
        where = f"{shop_id}/{chat}"
        turns = [int(m.group(1)) for t in texts if (m := TURN.search(t))]
        for turn, n in Counter(turns).items():
            if n > 1:
                outcome.doubled.append(f"{where}: turn {turn} answered {n} times")
        for text, n in Counter(texts).items():
            if n > 1 and not TURN.search(text):
                outcome.doubled.append(f"{where}: {text[:60]!r} sent {n} times")
        cards, about = self.cards_of(chat)
        if len(cards) > self.max_cards.get(chat, 1):
            outcome.doubled.append(f"{where}: {len(cards)} staff cards")
        for w in chosen:
            label = f"{where}: message {w.message_id} {w.marker or '(no text)'}"
            by_reply = self._replied(w, sorted(set(turns)))
            on_card = w.marker is not None and any(w.marker in m.text for m in about)
            if by_reply and on_card and not self.drafts:
                outcome.doubled.append(f"{label} answered and also put on a staff card")
            # A chat Ozon cannot serve is quarantined to people on a card that cannot quote the
            # buyer (nothing could be read): staff answer it in the seller cabinet.
            unreadable = any(UNREADABLE in m.text for m in about)
            if not (by_reply or on_card or unreadable or (w.marker is None and cards)):
                outcome.uncovered.append(label)

    def _replied(self, w: Written, turns: list[int]) -> bool:
        """A reply names a turn at or after the message, and Rasa saw the message in it."""
        answer = next((t for t in turns if t >= int(w.message_id)), None)
        if answer is None:
            return False
        seen = self.rasa.texts_of(str(answer))
        if self.loose_text and seen:
            return True
        return w.marker is None or any(w.marker in text for text in seen)

    async def leftovers(self) -> list[str]:
        """Work the worker still holds: queued chats, inbox entries, send marks, staff
        notifications not delivered. Empty when the deployment is idle."""
        r, p = await self.redis(), self.prefix
        found = []
        try:
            queued = await r.zrange(f"{p}:queue", 0, -1)
            if queued:
                found.append(f"queue holds {queued[:5]}")
            async for key in r.scan_iter(match=f"{p}:chat:*:inbox", count=1000):
                if await r.llen(key):
                    found.append(f"{key} not empty")
            async for key in r.scan_iter(match=f"{p}:chat:*:send", count=1000):
                found.append(f"{key} left")
            if self.check_outbox:
                found.extend(await self._outbox_leftovers(r))
        except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as exc:
            found.append(f"Redis unreachable: {exc}")
        return found

    async def _outbox_leftovers(self, r: aioredis.Redis) -> list[str]:
        stream = f"{self.prefix}:outbox"
        if not await r.exists(stream):
            return []
        try:
            groups = await r.xinfo_groups(stream)
        except aioredis.ResponseError as exc:
            return [f"outbox: {exc}"]
        if not groups:
            return [f"outbox has {await r.xlen(stream)} entries and no consumer group"]
        found = []
        for group in groups:
            pending, lag = group.get("pending", 0), group.get("lag")
            if pending or lag:
                found.append(f"outbox group {group.get('name')}: pending {pending}, lag {lag}")
        return found

    async def wait_covered(self, messages: Iterable[Written], within: float, what: str) -> float:
        """Until `messages` are covered (replied to or on a card); returns the seconds it took.
        Fails with the outcome and the workers' errors when `within` passes."""
        chosen = list(messages)
        start = time.monotonic()
        while True:
            outcome = await self.outcome(chosen)
            if not outcome.uncovered:
                return time.monotonic() - start
            if time.monotonic() - start > within:
                raise AssertionError(
                    f"{what}: not covered within {within} s\n{outcome.describe()}\n{self.errors()}"
                )
            await asyncio.sleep(0.2)

    async def settle(
        self, within: float = 60, quiet_s: float = 3.0, messages: Iterable[Written] | None = None
    ) -> Outcome:
        """The end of every drill: wait until everything written (or `messages`) is covered
        and Redis holds nothing, stay quiet for `quiet_s` (late doubles show up), then assert
        the result."""
        chosen = None if messages is None else list(messages)
        start = time.monotonic()
        outcome = await self.outcome(chosen)
        while not outcome.complete and not outcome.doubled and time.monotonic() - start < within:
            await asyncio.sleep(0.3)
            outcome = await self.outcome(chosen)
        if outcome.complete and not outcome.doubled:
            await asyncio.sleep(quiet_s)
            outcome = await self.outcome(chosen)
        report = f"{outcome.describe()}\n{self.errors()}"
        assert not outcome.doubled, report
        assert outcome.complete, report
        return outcome

    def errors(self, limit: int = 20) -> str:
        """The workers' warnings and errors, each kind once with its count (what the report
        quotes as the defect's log line)."""
        lines = self.log_lines(r"WARNING|ERROR|CRITICAL|Error:")
        counts = Counter(_STAMP.sub("", line) for line in lines)
        shown = [f"{n}x {line}" for line, n in list(counts.items())[-limit:]]
        return "worker log (warnings and errors):\n" + "\n".join(shown)


@contextlib.asynccontextmanager
async def drill_world(
    name: str, tmp: Path, *, redis_url: str | None = None, shops: list[Shop] | None = None
) -> AsyncIterator[Drill]:
    """Everything a drill needs, stopped and cleaned up whatever happens."""
    prefix = f"drill-{name}-{secrets.token_hex(3)}"
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())
        sandbox = await Sandbox.start(tmp / "sandbox.log", http)
        stack.push_async_callback(sandbox.stop)
        telegram = await stack.enter_async_context(FakeTelegram.running(TOKEN))
        rasa = RasaStandIn()
        await rasa.start()
        stack.push_async_callback(rasa.close)
        drill = Drill(
            name=name, tmp=tmp, http=http, sandbox=sandbox, telegram=telegram, rasa=rasa,
            redis_url=redis_url or f"{SHARED_REDIS}/{DRILL_DB}", prefix=prefix,
        )  # fmt: skip
        if shops is not None:
            drill.shops = shops
        stack.push_async_callback(_clean_redis, drill)
        stack.callback(_keep_logs, drill)
        stack.push_async_callback(drill.stop_workers)
        yield drill


def _keep_logs(drill: Drill) -> None:
    """The processes' logs outlive pytest's rotating temp dirs: reports/drills/<drill>/."""
    kept = LOGS / drill.name
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True, exist_ok=True)
    for log in drill.tmp.glob("*.log"):
        shutil.copy(log, kept / log.name)


async def _clean_redis(drill: Drill) -> None:
    with contextlib.suppress(aioredis.ConnectionError, aioredis.TimeoutError, OSError):
        r = await drill.redis()
        keys = [k async for k in r.scan_iter(match=f"{drill.prefix}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await r.delete(*keys[start : start + 500])
    await drill.close_redis()


async def until(condition: Callable[[], object], within: float, what: str) -> float:
    """Poll `condition` (a function, sync or async) until it holds; returns how long it took,
    fails after `within` seconds."""
    start = time.monotonic()
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return time.monotonic() - start
        if time.monotonic() - start > within:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.1)


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:2000]
