"""The stricter fallback for `spam`: an unsure spam guess is `nlu_fallback`, never a complaint."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import undo_fallback_prediction
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.io import read_yaml_file
from support import REPO

from policies.escalation import Turn, escalation_for
from policies.strict_intents import StrictIntentFallback

CONTEXT = ExecutionContext(GraphSchema({}), "test-model")


def component(tmp_path: Path, thresholds: Any) -> StrictIntentFallback:
    return StrictIntentFallback.create(
        {"thresholds": thresholds}, LocalModelStorage(tmp_path), Resource("strict"), CONTEXT
    )


def classified(*ranking: tuple[str, float]) -> Message:
    message = Message.build(text="Reddit и Twitter те ещё помойки")
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set("intent", dict(entries[0]))
    message.set("intent_ranking", entries)
    return message


def test_an_unsure_spam_guess_becomes_nlu_fallback_with_the_guess_kept_behind_it(
    tmp_path: Path,
) -> None:
    [message] = component(tmp_path, {"spam": 0.9}).process(
        [classified(("spam", 0.74), ("out_of_scope", 0.2))]
    )
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.9}
    assert [e["name"] for e in message.get("intent_ranking")] == [
        "nlu_fallback",
        "spam",
        "out_of_scope",
    ]
    # What Rasa's NLU evaluation scores (rasa test nlu, scripts/nlu-gate): the guess behind it.
    assert undo_fallback_prediction(message.as_dict())["intent"]["name"] == "spam"


def test_a_sure_spam_guess_and_other_intents_are_left_alone(tmp_path: Path) -> None:
    strict = component(tmp_path, {"spam": 0.9})
    sure, other = classified(("spam", 0.97)), classified(("greet", 0.55), ("spam", 0.4))
    strict.process([sure, other])
    assert sure.get("intent") == {"name": "spam", "confidence": 0.97}
    assert other.get("intent") == {"name": "greet", "confidence": 0.55}


def test_an_existing_fallback_is_not_doubled(tmp_path: Path) -> None:
    message = classified(("nlu_fallback", 0.5), ("spam", 0.45))
    component(tmp_path, {"spam": 0.9}).process([message])
    assert message.get("intent")["name"] == "nlu_fallback"
    assert [e["name"] for e in message.get("intent_ranking")] == ["nlu_fallback", "spam"]


def test_a_message_without_intent_is_left_alone(tmp_path: Path) -> None:
    message = Message.build(text="")
    component(tmp_path, {"spam": 0.9}).process([message])
    assert message.get("intent") is None


def test_the_escalation_policy_does_not_read_spam_behind_the_fallback() -> None:
    # The complaint flow needs a sure model or the worker's own spam flag.
    turn = Turn(
        intent="nlu_fallback",
        text="выложить на канал youtube?",
        flags=frozenset(),
        entities=frozenset(),
        ranking=("nlu_fallback", "spam", "out_of_scope"),
    )
    assert escalation_for([turn], legal_patterns=()) is None
    flagged = Turn(
        intent="nlu_fallback",
        text="заработок от 5000 в день, пиши +",
        flags=frozenset({"spam"}),
        entities=frozenset(),
        ranking=("nlu_fallback", "spam"),
    )
    found = escalation_for([flagged], legal_patterns=())
    assert found is not None
    assert found.reason.value == "spam"


@pytest.mark.parametrize("thresholds", [[0.9], {"spam": "high"}, {"spam": 0}, {"spam": 1.5}])
def test_bad_thresholds_are_refused(tmp_path: Path, thresholds: Any) -> None:
    with pytest.raises(InvalidConfigException):
        component(tmp_path, thresholds)


def test_config_puts_it_after_the_fallback_classifier_and_only_for_spam() -> None:
    config = cast("dict[str, Any]", read_yaml_file(REPO / "config.yml"))
    names = [entry["name"] for entry in config["pipeline"]]
    strict = names.index("policies.strict_intents.StrictIntentFallback")
    assert names.index("FallbackClassifier") < strict
    [entry] = [e for e in config["pipeline"] if e["name"] == names[strict]]
    assert set(entry["thresholds"]) == {"spam"}
