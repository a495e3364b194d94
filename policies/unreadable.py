"""Unreadable text → `nlu_fallback`, whatever the intent classifier guessed.

The intent classifier always names some intent. For a keyboard mash ("йцукенгшщз",
"фывапролдж") it has nothing to go on but single characters, and its guess can be confident and
wrong: a CI training of the earlier DIET classifier took "йцукенгшщз" for `affirm`. Adding
mashes to the training data did not fix that without costing held-out F1 elsewhere
(tests/nlu/holdout.yml: 0.920 → 0.893–0.896), so the rule lives here, where it is exact and
explainable:

    A message is unreadable when it has words (letters, two or more), not one of them is a word
    of the training data or starts like one (the first `stem_letters` letters: "заказик" reads
    as "заказ"), and at least `min_unseen_share` of its letter pairs (word edges included) never
    occur twice in the training data: "йцукенгшщз" has "йц", "гш", "шщ", "щз".

The second condition keeps short real words the data happens to lack ("yup", "безусловно",
"суки", "в точку") with the classifier: on tests/nlu/holdout.yml the first condition alone
catches nine messages, eight of them real words; both together catch only the mash "фывфыв"
and the slang "йоу".

Numbers, order numbers, emoji and punctuation alone are not judged here (the entity extractors and
the other classifiers see them). An unreadable message becomes `nlu_fallback` with nothing else
in its ranking, so no policy treats the classifier's guess as a hint: the bot asks the buyer to
rephrase, and the second unclear turn in a row goes to a person (policies/escalation.py).

Registered in `config.yml` after `FallbackClassifier`. The vocabulary is learnt at training time
from the NLU examples and stored in the model.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policies.escalation import normalise

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"
_WORD = re.compile(r"[^\W\d_]{2,}")


def words(text: str) -> list[str]:
    """Letter-only words of two letters or more, lower-cased, ё folded into е."""
    return _WORD.findall(normalise(text))


def pairs(word: str) -> list[str]:
    """Letter pairs of a word, with its edges: "где" → " г", "гд", "де", "е "."""
    padded = f" {word} "
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


class Vocabulary:
    """The words of the training data, their stems and their common letter pairs."""

    def __init__(
        self,
        known: Iterable[str],
        common_pairs: Iterable[str],
        stem_letters: int,
        min_unseen_share: float,
    ) -> None:
        self.words = frozenset(known)
        self.common_pairs = frozenset(common_pairs)
        self.stem_letters = stem_letters
        self.min_unseen_share = min_unseen_share
        self._stems = frozenset(w[:stem_letters] for w in self.words if len(w) >= stem_letters)

    @classmethod
    def from_texts(
        cls, texts: Iterable[str], stem_letters: int, min_unseen_share: float
    ) -> Vocabulary:
        found = [w for text in texts for w in words(text)]
        counts = Counter(p for w in found for p in pairs(w))
        common = (p for p, n in counts.items() if n >= 2)
        return cls(found, common, stem_letters, min_unseen_share)

    def knows(self, word: str) -> bool:
        if word in self.words:
            return True
        return len(word) >= self.stem_letters and word[: self.stem_letters] in self._stems

    def unreadable(self, text: str) -> bool:
        found = words(text)
        if not found or any(self.knows(w) for w in found):
            return False
        letter_pairs = [p for w in found for p in pairs(w)]
        unseen = sum(p not in self.common_pairs for p in letter_pairs)
        return unseen / len(letter_pairs) >= self.min_unseen_share


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnreadableTextClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"stem_letters": 4, "min_unseen_share": 0.3, "confidence": 1.0}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        stem_letters = int(self._config["stem_letters"])
        if stem_letters < 3:
            raise InvalidConfigException("UnreadableTextClassifier: stem_letters must be >= 3")
        self._stem_letters = stem_letters
        self._min_unseen_share = float(self._config["min_unseen_share"])
        if not 0 < self._min_unseen_share <= 1:
            raise InvalidConfigException("UnreadableTextClassifier: min_unseen_share in (0, 1]")
        self._confidence = float(self._config["confidence"])
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: Vocabulary | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnreadableTextClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts = (str(m.get(TEXT)) for m in training_data.intent_examples if m.get(TEXT))
        vocabulary = Vocabulary.from_texts(texts, self._stem_letters, self._min_unseen_share)
        self.vocabulary = vocabulary
        stored = {"words": sorted(vocabulary.words), "pairs": sorted(vocabulary.common_pairs)}
        with self._model_storage.write_to(self._resource) as directory:
            path = directory / VOCABULARY_FILE
            path.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
        logger.debug("UnreadableTextClassifier: %d words", len(vocabulary.words))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnreadableTextClassifier:
        component = cls(config, model_storage, resource)
        # A model without the vocabulary is broken, not "everything is readable": fail loudly.
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        component.vocabulary = Vocabulary(
            stored["words"], stored["pairs"], component._stem_letters, component._min_unseen_share
        )
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        if self.vocabulary is None:
            raise InvalidConfigException("UnreadableTextClassifier used before training")
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not self.vocabulary.unreadable(text):
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: self._confidence,
            }
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(fallback)], add_to_output=True)
        return messages
