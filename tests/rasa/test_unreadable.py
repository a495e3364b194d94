"""The unreadable-text classifier: keyboard mashes become nlu_fallback; real text is left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import read_yaml_file
from support import REPO

from policies.unreadable import UnreadableTextClassifier, Vocabulary, pairs, words

CONTEXT = ExecutionContext(GraphSchema({}), "test-model")
RESOURCE = Resource("unreadable")


def train(tmp_path: Path, texts: list[str], **config: Any) -> UnreadableTextClassifier:
    storage = LocalModelStorage(tmp_path)
    merged = {**UnreadableTextClassifier.get_default_config(), **config}
    component = UnreadableTextClassifier.create(merged, storage, RESOURCE, CONTEXT)
    examples = [Message.build(text=t, intent="greet") for t in texts]
    component.train(TrainingData(examples))
    return component


def predicted(component: UnreadableTextClassifier, text: str, guess: str = "affirm") -> Message:
    """`text` as the classifier and the fallback left it (a confident `guess`), then this."""
    message = Message.build(text=text)
    message.set("intent", {"name": guess, "confidence": 0.98})
    message.set("intent_ranking", [{"name": guess, "confidence": 0.98}])
    [message] = component.process([message])
    return message


# Enough ordinary text that its common letter pairs cover ordinary words.
TRAINING = [
    "где мой заказ",
    "когда привезут заказ",
    "подскажите, где посылка",
    "привет, когда доставка",
    "хочу вернуть товар",
    "какой размер у кроссовок",
    "спасибо большое",
    "добрый день",
    "hello, where is my order",
    "when will my parcel arrive",
    "thank you very much",
]


def test_words_are_letters_only_lower_cased_with_yo_folded() -> None:
    assert words("Ёлки, ЗАКАЗ 57195475-0050-3 ok!! я") == ["елки", "заказ", "ok"]
    assert pairs("где") == [" г", "гд", "де", "е "]


@pytest.mark.parametrize(
    ("text", "unreadable"),
    [
        ("йцукенгшщз", True),
        ("фывапролджэ ячсмить", True),
        ("где мой заказ", False),
        ("заказик где", False),  # a known stem
        ("где мой зкаказ", False),  # one known word is enough
        ("57195475-0050-3", False),  # numbers are for the entity extractors
        ("??? 🙂", False),  # no words at all
        ("а", False),  # one letter is not a word
    ],
)
def test_a_text_is_unreadable_only_when_no_word_is_known_and_its_letters_are_odd(
    text: str, unreadable: bool
) -> None:
    vocabulary = Vocabulary.from_texts(TRAINING, stem_letters=4, min_unseen_share=0.3)
    assert vocabulary.unreadable(text) is unreadable


def test_an_unreadable_message_becomes_fallback_with_no_other_guess(tmp_path: Path) -> None:
    component = train(tmp_path, TRAINING)
    message = predicted(component, "йцукенгшщз", guess="complaint")
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    # The classifier's guess is dropped: the escalation policy must not read a dispute into a mash.
    assert message.get("intent_ranking") == [{"name": "nlu_fallback", "confidence": 1.0}]
    assert "intent" in message.as_dict(only_output_properties=True)


def test_a_readable_message_keeps_its_intent(tmp_path: Path) -> None:
    component = train(tmp_path, TRAINING)
    for text in ("Where is my parcel?", "заказы где?", "57195475-0050-3"):
        message = predicted(component, text)
        assert message.get("intent") == {"name": "affirm", "confidence": 0.98}, text


def test_the_vocabulary_survives_persist_and_load(tmp_path: Path) -> None:
    train(tmp_path, TRAINING)
    loaded = UnreadableTextClassifier.load(
        UnreadableTextClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        RESOURCE,
        CONTEXT,
    )
    assert predicted(loaded, "где заказ").get("intent")["name"] == "affirm"
    assert predicted(loaded, "йцукен").get("intent")["name"] == "nlu_fallback"


def test_a_model_without_its_vocabulary_fails_to_load(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        UnreadableTextClassifier.load({}, LocalModelStorage(tmp_path), RESOURCE, CONTEXT)


def test_too_short_stems_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigException, match="stem_letters"):
        train(tmp_path, ["где"], stem_letters=2)
    with pytest.raises(InvalidConfigException, match="min_unseen_share"):
        train(tmp_path, ["где"], min_unseen_share=0)


def load_examples(path: Path) -> list[tuple[str, str]]:
    importer = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(path)], domain_path=str(REPO / "domain.yml")
    )
    examples = importer.get_nlu_data().intent_examples
    return [(str(m.get("intent")), str(m.get("text"))) for m in examples]


def test_on_the_held_out_examples_only_keyboard_mashes_are_unreadable() -> None:
    """Real buyer wording the training data lacks stays with the classifier (project config)."""
    config = next(
        c for c in read_config()["pipeline"] if c["name"].endswith("UnreadableTextClassifier")
    )
    texts = [text for _, text in load_examples(REPO / "nlu")]
    vocabulary = Vocabulary.from_texts(
        texts, int(config["stem_letters"]), float(config["min_unseen_share"])
    )
    held_out = load_examples(REPO / "tests" / "nlu" / "holdout.yml")
    unreadable = {text for _, text in held_out if vocabulary.unreadable(text)}
    # "йоу" (slang for hi) is the one real word caught: the bot then asks to rephrase.
    assert unreadable <= {"фывфыв", "йоу"}
    assert "фывфыв" in unreadable


def read_config() -> dict[str, Any]:
    return cast("dict[str, Any]", read_yaml_file(REPO / "config.yml"))
