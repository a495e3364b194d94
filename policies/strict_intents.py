"""A stricter fallback threshold for intents whose mistakes cost more: `spam` → the complaint flow.

A message the classifier calls `spam` is escalated with reason `spam`: the bot stays silent and
the chat waits in the complaint queue, to be reported to Ozon. A genuine buyer whose off-topic
message was taken for spam gets no answer. The FallbackClassifier's threshold (0.5) is chosen for
the ordinary cost of a wrong answer; for these intents it is too low. Off-topic chatter ("Reddit
и Twitter те ещё помойки", a link to a Telegram chat) came out as `spam` at 0.52–0.86, real
spam mostly at 0.9 and above (docs/fallback-threshold.md, "Stricter for spam").

So, after the FallbackClassifier: when the top intent is one of `thresholds` and its confidence
is below that intent's threshold, the intent becomes `nlu_fallback` exactly as the
FallbackClassifier would have made it (confidence = the threshold, `nlu_fallback` first in the
ranking, the rest kept). The bot asks the buyer to rephrase; a second unclear turn goes to a
person with reason `unknown`. The escalation policy never reads a spam guess behind a fallback
as spam (`fallback_guess` in policies/escalation.py), so the complaint flow needs a sure model
or the worker's own spam detector (`ozonbot inspect`), which runs before Rasa.
"""

from __future__ import annotations

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
)
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StrictIntentFallback(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"thresholds": {}}

    def __init__(self, config: dict[str, Any]) -> None:
        thresholds = config.get("thresholds")
        if not isinstance(thresholds, dict):
            raise InvalidConfigException("StrictIntentFallback: thresholds is {intent: number}")
        self.thresholds: dict[str, float] = {}
        for intent, value in thresholds.items():
            try:
                threshold = float(value)
            except (TypeError, ValueError) as exc:
                raise InvalidConfigException(
                    f"StrictIntentFallback: threshold of {intent!r} is not a number"
                ) from exc
            if not 0 < threshold <= 1:
                raise InvalidConfigException(
                    f"StrictIntentFallback: threshold of {intent!r} must be in (0, 1]"
                )
            self.thresholds[str(intent)] = threshold

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StrictIntentFallback:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            threshold = self.thresholds.get(str(intent.get(INTENT_NAME_KEY)))
            confidence = intent.get(PREDICTED_CONFIDENCE_KEY)
            if threshold is None or confidence is None or float(confidence) >= threshold:
                continue
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: threshold,
            }
            ranking = [
                entry
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME
            ]
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(fallback), *ranking], add_to_output=True)
        return messages
