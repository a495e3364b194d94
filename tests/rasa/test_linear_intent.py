"""The linear intent classifier: learns intents, calibrates its confidences, survives a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policies.linear_intent import (
    LinearIntentClassifier,
    StemAnalyzer,
    fit_temperature,
    normalise,
    regex_patterns,
    softmax,
)

CONTEXT = ExecutionContext(GraphSchema({}), "test-model")
RESOURCE = Resource("linear_intent")

EXAMPLES = {
    "delivery_status": [
        "где мой заказ",
        "когда привезут заказ",
        "когда будет доставка",
        "где посылка",
        "заказ 57195475-0050-3 где он",
        "подскажите статус заказа",
        "when will my order arrive",
        "where is my parcel",
    ],
    "return_request": [
        "хочу вернуть товар",
        "как оформить возврат",
        "не подошел размер, верну",
        "можно вернуть куртку",
        "оформляю возврат заказа",
        "возврат кроссовок",
        "how do I return this",
        "I want to send it back",
    ],
    "thank": [
        "спасибо",
        "спасибо большое",
        "благодарю",
        "спасибо за помощь",
        "огромное спасибо",
        "благодарю вас",
        "thank you",
        "thanks a lot",
    ],
    "abusive": [
        "вы идиоты",
        "продавец урод",
        "идиоты где товар",
        "уроды",
        "вы придурки",
        "you are idiots",
        "morons",
        "идиотский магазин",
    ],
}
ABUSE = r"идиот|урод|придур|\bmorons?\b|\bidiots?\b"


def training_data() -> TrainingData:
    messages = [
        Message.build(text=text, intent=intent)
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    return TrainingData(messages, regex_features=[{"name": "abuse_word", "pattern": ABUSE}])


def trained(tmp_path: Path, **config: Any) -> LinearIntentClassifier:
    storage = LocalModelStorage(tmp_path)
    merged = {**LinearIntentClassifier.get_default_config(), **config}
    component = LinearIntentClassifier.create(merged, storage, RESOURCE, CONTEXT)
    component.train(training_data())
    return component


def reloaded(component: LinearIntentClassifier, tmp_path: Path) -> LinearIntentClassifier:
    merged = {**LinearIntentClassifier.get_default_config()}
    return LinearIntentClassifier.load(merged, LocalModelStorage(tmp_path), RESOURCE, CONTEXT)


def parse(component: LinearIntentClassifier, text: str) -> Message:
    [message] = component.process([Message.build(text=text)])
    return message


def test_normalise_folds_case_yo_and_digits() -> None:
    assert normalise("Ёлка ЗАКАЗ 57195475-0050-3") == "елка заказ 00000000-0000-0"


def test_stems_cover_inflection_and_word_pairs() -> None:
    assert StemAnalyzer(4)("Заказик заказа") == ["зака", "зака", "зака зака"]


def test_learns_the_intents_of_unseen_wording(tmp_path: Path) -> None:
    component = trained(tmp_path)
    assert parse(component, "где же мой заказик").get("intent")["name"] == "delivery_status"
    assert parse(component, "хочу оформить возврат").get("intent")["name"] == "return_request"
    assert parse(component, "спасибо вам").get("intent")["name"] == "thank"


def test_a_swear_word_never_seen_in_training_is_abusive_through_the_regex(
    tmp_path: Path,
) -> None:
    # "придурки" and "идиоты" are in training; "идиотина" is not, but the regex matches it.
    component = trained(tmp_path)
    assert parse(component, "идиотина").get("intent")["name"] == "abusive"


def test_ranking_is_sorted_sums_to_one_and_respects_its_length(tmp_path: Path) -> None:
    component = trained(tmp_path, ranking_length=3)
    message = parse(component, "где мой заказ")
    ranking = message.get("intent_ranking")
    confidences = [entry["confidence"] for entry in ranking]
    assert len(ranking) == 3
    assert confidences == sorted(confidences, reverse=True)
    assert message.get("intent") == ranking[0]
    full = component.probabilities(["где мой заказ"])[0]
    assert full.sum() == pytest.approx(1.0)


def test_reloaded_model_gives_identical_confidences(tmp_path: Path) -> None:
    component = trained(tmp_path)
    texts = ["где мой заказ", "верните деньги", "идиоты", "thanks", "?", "57195475-0050-3"]
    again = reloaded(component, tmp_path)
    assert again.intents == component.intents
    assert again.temperature == component.temperature
    np.testing.assert_allclose(again.probabilities(texts), component.probabilities(texts))


def test_model_files_are_plain_data_not_pickles(tmp_path: Path) -> None:
    trained(tmp_path)
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["linear_intent.json", "linear_intent.npz"]
    # np.load refuses pickled objects unless allowed; the loader never allows them.
    with np.load(next(tmp_path.rglob("*.npz")), allow_pickle=False) as arrays:
        assert set(arrays.files) == {"weights", "bias", "idf_word", "idf_stem", "idf_char"}


def test_empty_text_gets_confidence_zero_and_the_fallback_takes_it(tmp_path: Path) -> None:
    component = trained(tmp_path)
    message = parse(component, "   ")
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []
    fallback = FallbackClassifier.create(
        {**FallbackClassifier.get_default_config(), "threshold": 0.5},
        LocalModelStorage(tmp_path),
        Resource("fallback"),
        CONTEXT,
    )
    [message] = fallback.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


def test_absurd_text_still_gets_one_intent_and_a_valid_ranking(tmp_path: Path) -> None:
    component = trained(tmp_path)
    for text in ["🙂" * 500, "а" * 5000, "1" * 1000, "\u200b\u200b", "<script>alert(1)</script>"]:
        message = parse(component, text)
        ranking = message.get("intent_ranking")
        assert message.get("intent")["name"] in EXAMPLES
        assert all(0.0 <= entry["confidence"] <= 1.0 for entry in ranking)


def test_unfamiliar_text_is_less_sure_than_training_like_text(tmp_path: Path) -> None:
    # The temperature is fitted on out-of-fold scores: the model says how sure it is.
    component = trained(tmp_path)
    familiar = parse(component, "где мой заказ").get("intent")["confidence"]
    unfamiliar = parse(component, "какая погода на марсе").get("intent")["confidence"]
    assert unfamiliar < familiar


def test_two_intents_are_enough(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    component = LinearIntentClassifier.create(
        LinearIntentClassifier.get_default_config(), storage, RESOURCE, CONTEXT
    )
    two = [
        Message.build(text=text, intent=intent)
        for intent in ("thank", "delivery_status")
        for text in EXAMPLES[intent]
    ]
    component.train(TrainingData(two))
    assert parse(component, "спасибо большое").get("intent")["name"] == "thank"
    assert parse(component, "где посылка").get("intent")["name"] == "delivery_status"


def test_without_nlu_data_it_trains_nothing_and_leaves_messages_alone(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    config = LinearIntentClassifier.get_default_config()
    component = LinearIntentClassifier.create(config, storage, RESOURCE, CONTEXT)
    component.train(TrainingData([]))
    again = LinearIntentClassifier.load(config, storage, RESOURCE, CONTEXT)
    [message] = again.process([Message.build(text="где мой заказ")])
    assert message.get("intent") is None


def test_a_model_missing_its_weights_fails_loudly(tmp_path: Path) -> None:
    trained(tmp_path)
    next(tmp_path.rglob("*.npz")).unlink()
    with pytest.raises(FileNotFoundError):
        LinearIntentClassifier.load(
            LinearIntentClassifier.get_default_config(),
            LocalModelStorage(tmp_path),
            RESOURCE,
            CONTEXT,
        )


@pytest.mark.parametrize(
    "setting",
    [
        {"C": 0},
        {"C": "much"},
        {"char_ngrams": [3, 2]},
        {"stem_letters": 1},
        {"calibration_folds": 1},
    ],
)
def test_bad_settings_are_refused(tmp_path: Path, setting: dict[str, Any]) -> None:
    config = {**LinearIntentClassifier.get_default_config(), **setting}
    with pytest.raises(InvalidConfigException):
        LinearIntentClassifier.create(config, LocalModelStorage(tmp_path), RESOURCE, CONTEXT)


def test_lookup_tables_become_one_escaped_alternation() -> None:
    data = TrainingData(
        [], lookup_tables=[{"name": "attribute", "elements": ["размер", "USB-C", "a.b"]}]
    )
    [pattern] = regex_patterns(data, use_lookup_tables=True)
    assert pattern == r"(?<!\w)(?:размер|USB\-C|a\.b)(?!\w)"  # longest first
    assert regex_patterns(data, use_lookup_tables=False) == []


def test_temperature_sharpens_separable_scores_and_softens_noisy_ones() -> None:
    scores = np.array([[1.0, -1.0], [-1.0, 1.0]] * 20)
    right = np.array([0, 1] * 20)
    assert fit_temperature(scores, right) < 0.1  # always right: be sure
    wrong_half = np.array([0, 1] * 10 + [1, 0] * 10)
    assert fit_temperature(scores, wrong_half) > 5  # right half the time: be unsure
    assert softmax(scores[:1], 1.0).sum() == pytest.approx(1.0)
