"""The escalation policy: after a buyer turn that a person must handle, predict `action_escalate`.

Registered in `config.yml` with a priority above RulePolicy, so on a tie at confidence 1.0 its
escalation wins over a routine rule (a legal threat phrased as "where is my order" must not be
answered automatically). It predicts only right after a user message; everywhere else, and on
turns it does not escalate, it abstains (all-zero probabilities) and rules/memoization decide.

The winning prediction carries `SlotSet("escalation_reason", <reason>)`, which Rasa applies
before running `action_escalate` (docs/dialogue.md). Reasons, first match wins:

    legal_threat   the worker's detector flagged it (metadata `flags`) or the text matches one of
                   the policy's own conservative patterns (`legal_patterns` in config.yml)
    dispute        defective_item, wrong_item, not_received, complaint
    abuse          the `abusive` intent, or the worker flagged profanity/insult
    spam           the `spam` intent, or the worker flagged spam
    human_request  the `human_request` intent
    (an `nlu_fallback` turn whose best real intent in `intent_ranking` is a dispute intent or
    human_request is decided as if it had that intent: see `fallback_guess`)
    unknown        the second unclear turn in a row (nlu_fallback / out_of_scope, any mix; after
                   the bot asked to rephrase, a bare yes/no counts as unclear too), the buyer
                   asking the same routine question again after the bot answered it (see
                   `repeated_question`: same intent, nothing new asked), or the buyer saying the
                   answer missed ("вы не ответили", "you didn't answer")

Legal threats come first because they are the costliest to miss. A dispute outranks the abuse
*flag*: a buyer with a broken item who swears is still a dispute for staff, not a complaint to
Ozon about the buyer (the `abusive` intent itself is not a dispute intent, so it still lands on
`abuse`).

The decision is a pure function over `Turn`s built from the tracker (`escalation_for`), which the
tests in `tests/rasa/` exercise directly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Optional, TypeGuard

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import InvalidConfigException

logger = logging.getLogger(__name__)

ACTION_ESCALATE = "action_escalate"
REASON_SLOT = "escalation_reason"
NLU_FALLBACK = "nlu_fallback"


class Reason(str, Enum):
    """Escalation reasons this policy sets (`bot.models.EscalationReason`, a contract)."""

    DISPUTE = "dispute"
    LEGAL_THREAT = "legal_threat"
    ABUSE = "abuse"
    SPAM = "spam"
    HUMAN_REQUEST = "human_request"
    UNKNOWN = "unknown"


DISPUTE_INTENTS = frozenset({"defective_item", "wrong_item", "not_received", "complaint"})
GUESSED_INTENTS = DISPUTE_INTENTS | {"human_request"}
"""Intents trusted even below the fallback threshold: asking a buyer with a broken item (or one
who wants a person) to rephrase costs more than a needless glance from staff."""
UNCLEAR_INTENTS = frozenset({NLU_FALLBACK, "out_of_scope"})
REPEATABLE_INTENTS = frozenset(
    {
        "delivery_status",
        "return_request",
        "product_specs",
        "product_availability",
        "order_cancel",
        "order_change",
        "payment_refund",
    }
)
"""Routine questions whose bare repetition means the answer did not help."""
ACTION_CLARIFY = "action_clarify"
NOT_AN_ANSWER_TO_CLARIFY = frozenset({"affirm", "deny"})
"""After "please put it differently", a bare yes or no says nothing new: still unclear. (A
greeting is a buyer starting again, and gets its answer.)"""

# The buyer says our answer missed. Lower-cased text, ё folded into е.
NOT_ANSWERED_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bне\s+ответил\w*|\bне\s+отвечает\w*|\bне\s+отвечаете\b",
        r"\bне\s+на\s+(?:мой|тот|этот)\s+вопрос|\bвопрос\s+был\s+(?:не\s+)?(?:о|про)\b",
        r"\bвы\s+не\s+поняли\b|\bне\s+поняли\s+(?:мой|меня|вопрос)",
        r"\bя\s+же\s+(?:спросил|спрашивал|писал|написал)\w*|\bповторяю\b",
        r"\b(?:didn'?t|did\s+not|don'?t|do\s+not|never)\s+answer\w*",
        r"\bnot\s+what\s+i\s+asked\b|\bi\s+(?:already\s+)?asked\s+(?:you\s+)?(?:about|for)\b",
        r"\bthat\s+doesn'?t\s+answer\b|\byou\s+(?:did\s*n[o']?t|don'?t)\s+understand\b",
    )
)

ABUSE_FLAGS = frozenset({"profanity", "insult"})

# Conservative on purpose: a false alarm costs a person a glance, a miss can cost the shop.
# Matched against lower-cased text with ё folded into е. "заявление" alone is NOT a threat
# ("заявление на возврат" is routine); only an application against the seller is.
DEFAULT_LEGAL_PATTERNS = (
    r"\bсуд(?:а|у|ом|е|ы|ов|ам|ами|ах)?\b|\bсудебн\w*",
    r"\bзасуд\w*|\bзасуж\w*|\bотсуд\w*|\bотсуж\w*|\bдосудебн\w*",
    r"\bиск(?:а|у|ом|и|ов)?\b|\bисков(?:ое|ого|ым|ые|ых)\b",
    r"\bроспотребнадзор\w*|\bрпн\b",
    r"\bпрокурат\w*|\bпрокурор\w*",
    r"\bюрист\w*|\bадвокат\w*",
    r"\bполици\w*|\bполицейск\w*|\bмент(?:ы|ов|ам|а|у)?\b",
    r"\bзаявлени\w*\s+на\s+(?:вас|тебя|продавц\w*|магазин\w*)",
    r"\bна\s+(?:вас|тебя)\s+заявлени\w*",
    r"\bзащит\w*\s+прав\s+потребител\w*|\bзозпп\b",
    r"\bsu(?:e|ed|ing)\b|\blawsuits?\b",
    r"\blawyers?\b|\battorneys?\b|\blegal\s+action\b",
    r"\bcourts?\b|\bpolice\b|\bconsumer\s+protection\b",
)


@dataclass(frozen=True)
class Turn:
    """One buyer message and what the bot did after it."""

    intent: str | None
    text: str
    flags: frozenset[str]
    entities: frozenset[tuple[str, str]]
    """(entity, value) pairs: a repeated intent with a new value is a new question."""
    actions: tuple[str, ...] = ()
    """Actions run in reply, `action_listen` excluded; empty for the turn being decided."""
    ranking: tuple[str, ...] = ()
    """Intent names of the NLU's `intent_ranking`, best first (`nlu_fallback` included)."""

    @property
    def escalated(self) -> bool:
        return ACTION_ESCALATE in self.actions

    @property
    def answered(self) -> bool:
        return bool(self.actions) and not self.escalated


@dataclass(frozen=True)
class Escalation:
    reason: Reason
    why: str
    """Which check fired (debug logs and tests; never buyer text)."""


# --- building turns from the tracker ---------------------------------------------------------


def turn_from_event(event: UserUttered) -> Turn:
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    flags = metadata.get("flags")
    return Turn(
        intent=event.intent_name,
        text=event.text or "",
        flags=frozenset(str(flag) for flag in flags) if isinstance(flags, list) else frozenset(),
        entities=frozenset(
            (str(entity.get("entity")), str(entity.get("value"))) for entity in event.entities
        ),
        ranking=ranking_names(event.parse_data.get("intent_ranking")),
    )


def ranking_names(ranking: object) -> tuple[str, ...]:
    if not isinstance(ranking, list):
        return ()
    return tuple(
        str(item["name"]) for item in ranking if isinstance(item, dict) and item.get("name")
    )


def turns_from_events(events: Iterable[Event]) -> list[Turn]:
    """The buyer turns of the applied events (one session: Rasa restarts them at a new session)."""
    turns: list[Turn] = []
    for event in events:
        if isinstance(event, UserUttered):
            turns.append(turn_from_event(event))
        elif turns and _is_reply_action(event):
            turns[-1] = replace(turns[-1], actions=(*turns[-1].actions, str(event.action_name)))
    return turns


def _is_reply_action(event: Event) -> TypeGuard[ActionExecuted]:
    return isinstance(event, ActionExecuted) and event.action_name not in (
        None,
        ACTION_LISTEN_NAME,
    )


def awaits_prediction_after_user(events: Sequence[Event]) -> bool:
    """True when the newest thing in the conversation is a buyer message nobody acted on yet."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted):
            return False
    return False


# --- the decision ----------------------------------------------------------------------------


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)
    except re.error as exc:
        raise InvalidConfigException(
            f"EscalationPolicy: bad regular expression in legal_patterns: {exc}"
        ) from exc


def legal_threat(turn: Turn, patterns: Sequence[re.Pattern[str]]) -> Escalation | None:
    if "legal_threat" in turn.flags:
        return Escalation(Reason.LEGAL_THREAT, "flag legal_threat")
    text = normalise(turn.text)
    for pattern in patterns:
        if pattern.search(text):
            return Escalation(Reason.LEGAL_THREAT, f"pattern {pattern.pattern}")
    return None


def by_intent_or_flag(turn: Turn) -> Escalation | None:
    """The reasons decided by this turn alone (besides legal threats)."""
    if turn.intent in DISPUTE_INTENTS:
        return Escalation(Reason.DISPUTE, f"intent {turn.intent}")
    if turn.intent == "abusive" or turn.flags & ABUSE_FLAGS:
        return Escalation(Reason.ABUSE, f"intent {turn.intent}, flags {sorted(turn.flags)}")
    if turn.intent == "spam" or "spam" in turn.flags:
        return Escalation(Reason.SPAM, f"intent {turn.intent}, flags {sorted(turn.flags)}")
    if turn.intent == "human_request":
        return Escalation(Reason.HUMAN_REQUEST, "intent human_request")
    return None


def fallback_guess(turn: Turn) -> Turn | None:
    """An `nlu_fallback` turn read as its best real intent, when that is one we trust anyway.

    The FallbackClassifier hides the classifier's guess; for disputes and requests for a person
    a wrong guess only costs staff a glance, while "please rephrase" keeps a buyer with a broken
    item waiting (and the second unclear turn would escalate as `unknown`, the wrong reason).
    """
    if turn.intent != NLU_FALLBACK:
        return None
    best = next((name for name in turn.ranking if name != NLU_FALLBACK), None)
    return replace(turn, intent=best) if best in GUESSED_INTENTS else None


def by_fallback_guess(turn: Turn) -> Escalation | None:
    guessed = fallback_guess(turn)
    found = by_intent_or_flag(guessed) if guessed is not None else None
    if guessed is None or found is None:
        return None
    return replace(found, why=f"nlu_fallback read as {guessed.intent}: {found.why}")


def is_unclear(turn: Turn, before: Turn | None) -> bool:
    """Rasa could not place the turn, or it only says yes/no/hello to "please rephrase"."""
    if turn.intent in UNCLEAR_INTENTS:
        return True
    asked_to_rephrase = before is not None and ACTION_CLARIFY in before.actions
    return asked_to_rephrase and turn.intent in NOT_AN_ANSWER_TO_CLARIFY


def unclear_streak(turns: Sequence[Turn]) -> int:
    """How many turns in a row, ending with the newest, Rasa could not place.

    An answered turn ends the streak, and so does an escalation: staff already have the chat,
    so the count starts again rather than escalating every following unclear message.
    """
    count = 0
    for index in range(len(turns) - 1, -1, -1):
        turn, before = turns[index], turns[index - 1] if index > 0 else None
        if not is_unclear(turn, before) or (index < len(turns) - 1 and turn.escalated):
            break
        count += 1
    return count


# Words that carry no question of their own: greetings, fillers, pronouns, the insistence of a
# repeat ("так", "всё-таки", "ещё раз"). What remains after them is what the buyer asks about.
_FILLER = frozenset(
    str.split(
        "а и но да нет ну так же ли бы вот это этот эта эти мой моя мое мои мне меня я вы вас вам "
        "ваш его ее их он она оно они там тут уже еще раз все таки всетаки все-таки все-же всеже "
        "подскажите скажите пожалуйста пжл плиз здравствуйте добрый день вечер утро привет "
        "спасибо хорошо ок ладно опять снова то что как-то у с в во на по за к ко о об от до из "
        "для при про не ни будет будут будете было была были есть можно нужно "
        "hi hello hey please pls plz thanks thank you so then again still yet the a an my me i is "
        "are it its of to for and or but do does did just ok okay"
    )
)
# Different words for one question: a repeat phrased with a synonym is still a repeat.
_SAME_ASK = (
    ("WHEN", r"^(?:когда|скоро|срок|сроки|дат|числ|долго|when|how long|soon|date)"),
    ("ARRIVE", r"^(?:привез|приве|приед|прид|прийд|достав|доед|получ|arriv|deliver|get|come|ship)"),
    ("WHERE", r"^(?:где|куда|where)"),
    ("ORDER", r"^(?:заказ|посылк|товар|order|parcel|package|item)"),
    ("RETURN", r"^(?:вернут|возвр|сдат|return|send back)"),
)


def asked_words(text: str) -> frozenset[str]:
    """The content of a question: its words without fillers, cut to a stem, synonyms merged."""
    # "доставка-то", "когда-нибудь": the particle after the hyphen adds nothing.
    words = re.findall(r"[a-zа-я0-9]+", re.sub(r"-(?:то|нибудь|таки|ка)\b", "", normalise(text)))
    asked: set[str] = set()
    for word in words:
        if word in _FILLER or len(word) < 2:
            continue
        asked.add(next((name for name, p in _SAME_ASK if re.match(p, word)), word[:5]))
    return frozenset(asked)


def says_not_answered(turn: Turn) -> bool:
    text = normalise(turn.text)
    return any(pattern.search(text) for pattern in NOT_ANSWERED_PATTERNS)


def repeated_question(turns: Sequence[Turn]) -> bool:
    """The buyer asks what was already answered, with nothing new, right after our answer.

    Same intent is not enough: "а трек-номер?" after a delivery-date answer, "а на размер
    больше?" after an availability answer, "а куда отправлять?" after the return steps are the
    same topic but a new question, and they get their answer. A repeat is the same intent with
    no new entity and no new content word (`asked_words`), or a buyer telling us the answer
    missed. A posting number the bot asked for is an answer, not a repeat (new entity).
    """
    if len(turns) < 2:
        return False
    latest, previous = turns[-1], turns[-2]
    if not previous.answered:
        return False
    if says_not_answered(latest):
        return True
    return (
        latest.intent in REPEATABLE_INTENTS
        and latest.intent == previous.intent
        and latest.entities <= previous.entities
        and asked_words(latest.text) <= asked_words(previous.text)
    )


def escalation_for(
    turns: Sequence[Turn],
    legal_patterns: Sequence[re.Pattern[str]],
    unclear_limit: int = 2,
) -> Escalation | None:
    """Why the newest turn goes to a person, or None when the bot may handle it."""
    if not turns:
        return None
    latest = turns[-1]
    found = (
        legal_threat(latest, legal_patterns)
        or by_fallback_guess(latest)
        or by_intent_or_flag(latest)
    )
    if found:
        return found
    if unclear_streak(turns) >= unclear_limit:
        return Escalation(Reason.UNKNOWN, f"{unclear_limit} unclear turns in a row")
    if repeated_question(turns):
        return Escalation(Reason.UNKNOWN, f"repeated {latest.intent} after an answer")
    return None


# --- the Rasa graph component ----------------------------------------------------------------


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class EscalationPolicy(Policy):
    """Hands disputes, threats, abuse, spam, requests for a person and lost buyers to staff."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # RulePolicy has 4: on equal confidence the higher priority wins the ensemble.
            "priority": 5,
            "legal_patterns": list(DEFAULT_LEGAL_PATTERNS),
            "unclear_limit": 2,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._legal_patterns = compile_patterns(config["legal_patterns"])
        self._unclear_limit = int(config["unclear_limit"])
        if self._unclear_limit < 1:
            raise InvalidConfigException("EscalationPolicy: unclear_limit must be at least 1")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EscalationPolicy:
        # Nothing is learnt or persisted: the behaviour comes from config.yml alone.
        return cls(config, model_storage, resource, execution_context)

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        # Rasa validates graph signatures with typing_utils, which cannot read `X | None`.
        rule_only_data: Optional[dict[str, Any]] = None,  # noqa: UP045
        **kwargs: Any,
    ) -> PolicyPrediction:
        events = tracker.applied_events()
        if not awaits_prediction_after_user(events):
            return self._prediction(self._default_predictions(domain))
        found = escalation_for(turns_from_events(events), self._legal_patterns, self._unclear_limit)
        if found is None:
            return self._abstain(tracker, domain)
        logger.debug("escalating: reason %s (%s)", found.reason.value, found.why)
        return self._prediction(
            confidence_scores_for(ACTION_ESCALATE, 1.0, domain),
            events=[SlotSet(REASON_SLOT, found.reason.value)],
            diagnostic_data={"reason": found.reason.value, "why": found.why},
        )

    def _abstain(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        # A reason left over from an earlier escalation (action_escalate failed before clearing
        # it) must not label a later core-fallback escalation: clear it on this turn.
        stale = tracker.get_slot(REASON_SLOT) is not None
        events: list[Event] = [SlotSet(REASON_SLOT, None)] if stale else []
        return self._prediction(self._default_predictions(domain), events=events)
