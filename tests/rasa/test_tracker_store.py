"""The tracker store named in endpoints.yml: Rasa's Redis store with a linear merge on save.

Its merge must give what Rasa's gives (the stored events, then each new one not stored yet),
and must build each event's dict once rather than once per pair of events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore as RasaRedisTrackerStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from support import REPO

import policies.tracker_store as store_module
from policies.tracker_store import RedisTrackerStore


def _turn(n: int, at: float) -> list[Event]:
    return [
        UserUttered(f"вопрос {n}", {"name": "product_specs", "confidence": 0.9}, timestamp=at),
        ActionExecuted("action_answer", timestamp=at + 0.1),
        BotUttered(f"ответ {n}", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


def _session(start: float, turns: int) -> list[Event]:
    """One session from `start` (not 0: Rasa stamps an event without a timestamp with now)."""
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.01),
        SlotSet("sku", "1234567890", timestamp=start + 0.02),
        ActionExecuted("action_listen", timestamp=start + 0.03),
    ]
    for n in range(turns):
        events += _turn(n, start + 1 + n)
    return events


def _tracker(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("buyer", events)


def _dicts(tracker: DialogueStateTracker) -> list[dict[str, object]]:
    return [event.as_dict() for event in tracker.events]


@pytest.mark.parametrize(
    "case",
    ["in hand holds all stored", "in hand holds the latest session", "duplicates in hand"],
)
def test_the_merge_gives_what_rasas_gives(case: str) -> None:
    old, latest = _session(1_000, 30), _session(10_000, 5)
    stored = _tracker(old + latest)
    if case == "in hand holds all stored":
        in_hand = _tracker(old + latest + _turn(99, 20_000))
    elif case == "in hand holds the latest session":  # what Rasa retrieves, plus the new turn
        in_hand = _tracker(latest + _turn(99, 20_000))
    else:
        in_hand = _tracker(latest + _turn(99, 20_000) + _turn(99, 20_000))
    ours = RedisTrackerStore._merge_trackers(stored, in_hand)
    rasas = RasaRedisTrackerStore._merge_trackers(stored, in_hand)
    assert _dicts(ours) == _dicts(rasas)
    assert len(ours.events) == len(old) + len(latest) + 4


def test_each_event_is_made_a_dict_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's merge compares every new event with every stored one: 150 turns in one session,
    then the latest session of 50 turns in hand, made some 300,000 dicts; this makes one per
    event."""
    calls = 0
    identity = store_module._identity

    def counted(as_dict: dict[str, object]) -> str:
        nonlocal calls
        calls += 1
        return identity(as_dict)

    monkeypatch.setattr(store_module, "_identity", counted)
    stored = _tracker(_session(1_000, 150) + _session(10_000, 50))
    in_hand = _tracker(_session(10_000, 50) + _turn(99, 20_000))
    merged = RedisTrackerStore._merge_trackers(stored, in_hand)
    assert len(merged.events) == len(stored.events) + 4
    assert calls == len(stored.events) + len(in_hand.events)


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"testtracker{uuid.uuid4().hex[:8]}"  # Rasa takes letters and digits only
    yield prefix
    client = redis.Redis(host="127.0.0.1", port=6379)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_endpoints_yml_builds_this_store_and_it_saves_to_redis(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """Rasa falls back to an in-memory store, with only a warning, when the `type` does not
    import: a conversation would then live only as long as the server."""
    for name, value in {
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_PASSWORD": "",
        "RASA_KEY_PREFIX": prefix,
    }.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(REPO / "endpoints.yml"))
    domain = Domain.load(str(REPO / "domain.yml"))
    store = TrackerStore.create(endpoints.tracker_store, domain)
    assert type(store) is RedisTrackerStore
    assert store.key_prefix == f"{prefix}:tracker:"

    rasas = RasaRedisTrackerStore(domain, host="127.0.0.1", key_prefix=f"{prefix}rasa")

    async def save_twice(into: TrackerStore) -> DialogueStateTracker | None:
        await into.save(_tracker(_session(1_000, 3)))
        await into.save(_tracker(_session(1_000, 3) + _turn(7, 5_000)))
        return await into.retrieve_full_tracker("buyer")

    saved, by_rasa = asyncio.run(save_twice(store)), asyncio.run(save_twice(rasas))
    assert saved is not None
    assert by_rasa is not None
    assert _dicts(saved) == _dicts(by_rasa)
    assert len(saved.events) == len(_session(1_000, 3)) + 4
    assert redis.Redis(host="127.0.0.1", port=6379).exists(f"{prefix}:tracker:buyer") == 1
