"""Rasa's Redis tracker store, saving in time linear in the conversation's length.

Named in `endpoints.yml` as `policies.tracker_store.RedisTrackerStore`; everything but the
merge on save is Rasa's own.

Rasa 3.6 retrieves only a conversation's latest session, so on save it merges the stored
tracker with the one in hand (`RedisTrackerStore._merge_trackers`). Unless the stored events
are exactly a prefix of the new ones, it compares every new event's `as_dict()` with every
stored event's: quadratic in the conversation's length. Measured here: a conversation of 120
buyer turns took 1.9 s a turn to save, and Rasa's server serves one request at a time, so one
long chat (a buyer who writes for weeks, a flood) stalled every shop's turns.

This merge keeps Rasa's result and Rasa's shortcut (the tracker in hand already holds every
stored event), and otherwise the stored events, then each new event not stored yet, in order,
equal by `as_dict()` as in Rasa's; but it builds each event's dict once and looks it up in a
set.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.tracker_store import RedisTrackerStore as RasaRedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker


class RedisTrackerStore(RasaRedisTrackerStore):
    @staticmethod
    def _merge_trackers(
        prior_tracker: DialogueStateTracker, tracker: DialogueStateTracker
    ) -> DialogueStateTracker:
        if not prior_tracker.events:
            return tracker
        # Rasa's own test for "the tracker in hand holds every stored event" (linear).
        last_event_timestamp = prior_tracker.events[-1].timestamp
        past_tracker = tracker.travel_back_in_time(target_time=last_event_timestamp)
        if past_tracker.events == prior_tracker.events:
            return tracker
        merged = tracker.init_copy()
        merged.update_with_events(list(prior_tracker.events), override_timestamp=False, domain=None)
        seen = {_identity(event.as_dict()) for event in prior_tracker.events}
        for event in tracker.events:
            key = _identity(event.as_dict())
            if key not in seen:
                merged.update(event)
                seen.add(key)
        return merged


def _identity(as_dict: dict[str, Any]) -> str:
    """One event's `as_dict()` as a hashable value: equal dicts, equal strings."""
    return json.dumps(as_dict, sort_keys=True, default=str, ensure_ascii=False)
