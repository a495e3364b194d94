"""EscalationPolicy over real Rasa trackers, with the domain and configuration of the repository."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import InvalidConfigException
from support import make_policy

from policies.escalation import (
    ACTION_ESCALATE,
    REASON_SLOT,
    EscalationPolicy,
    Turn,
    escalation_for,
    turns_from_events,
    unclear_streak,
)

Step = UserUttered | str | Event


def said(
    text: str,
    intent: str,
    *,
    entities: Sequence[tuple[str, str]] = (),
    flags: Sequence[str] = (),
    confidence: float = 0.93,
    ranking: Sequence[tuple[str, float]] = (),
) -> UserUttered:
    """A buyer message as the ozonbot channel logs it: parse data plus the worker's metadata.

    `ranking`: the intents after the top one in `intent_ranking` (name, confidence)."""
    parsed_entities = [{"entity": name, "value": value} for name, value in entities]
    intent_data: dict[str, Any] = {"name": intent, "confidence": confidence}
    ranked = [intent_data, *({"name": name, "confidence": c} for name, c in ranking)]
    return UserUttered(
        text,
        intent_data,
        parsed_entities,
        parse_data=cast(
            Any,
            {
                "text": text,
                "intent": intent_data,
                "entities": parsed_entities,
                "intent_ranking": ranked,
            },
        ),
        metadata={"shop": "main", "chat_id": "c1", "lang": "ru", "flags": list(flags)},
    )


def conversation(domain: Domain, *steps: Step) -> DialogueStateTracker:
    """A tracker from steps: buyer messages (`said`), action names, or raw events."""
    events: list[Event] = [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted()]
    for step in steps:
        if isinstance(step, UserUttered):
            last = events[-1]
            if not (isinstance(last, ActionExecuted) and last.action_name == ACTION_LISTEN_NAME):
                events.append(ActionExecuted(ACTION_LISTEN_NAME))
            events.append(step)
        elif isinstance(step, str):
            events.append(ActionExecuted(step))
        else:
            events.append(step)
    return DialogueStateTracker.from_events("shop:main:c1", events, domain.slots, domain=domain)


def predict(
    policy: EscalationPolicy, domain: Domain, tracker: DialogueStateTracker
) -> tuple[str | None, list[Event], float]:
    """(predicted action or None when abstaining, prediction events, confidence)."""
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0.0:
        return None, prediction.events, 0.0
    action = domain.action_names_or_texts[prediction.max_confidence_index]
    return action, prediction.events, prediction.max_confidence


def reason_of(events: list[Event]) -> str | None:
    values = [e.value for e in events if isinstance(e, SlotSet) and e.key == REASON_SLOT]
    assert len(values) == 1, events
    return values[0]


def assert_escalates(
    policy: EscalationPolicy, domain: Domain, tracker: DialogueStateTracker, reason: str
) -> None:
    action, events, confidence = predict(policy, domain, tracker)
    assert action == ACTION_ESCALATE
    assert confidence == 1.0
    assert reason_of(events) == reason


def assert_abstains(
    policy: EscalationPolicy, domain: Domain, tracker: DialogueStateTracker
) -> None:
    action, _, _ = predict(policy, domain, tracker)
    assert action is None


# --- reasons ---------------------------------------------------------------------------------


@pytest.mark.parametrize("intent", ["defective_item", "wrong_item", "not_received", "complaint"])
def test_dispute_intents_escalate_as_dispute(
    policy: EscalationPolicy, domain: Domain, intent: str
) -> None:
    tracker = conversation(domain, said("товар пришел не такой", intent))
    assert_escalates(policy, domain, tracker, "dispute")


def test_legal_threat_flag_from_the_worker_escalates(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(domain, said("где мой заказ", "delivery_status", flags=["legal_threat"]))
    assert_escalates(policy, domain, tracker, "legal_threat")


@pytest.mark.parametrize(
    "text",
    [
        "если не вернете деньги подам в суд",
        "Обращусь в Роспотребнадзор",
        "напишу жалобу в прокуратуру",
        "мой юрист с вами свяжется",
        "пойду к адвокату",
        "вызову полицию",
        "напишу заявление на вас",
        "по закону о защите прав потребителей вы обязаны",
        "досудебную претензию отправила",
        "засужу вас",
        "ПОДАМ ИСК",
        "I will sue you",
        "my lawyer will contact you",
        "I'm calling the police",
        "see you in court",
    ],
)
def test_legal_threat_patterns_escalate_any_intent(
    policy: EscalationPolicy, domain: Domain, text: str
) -> None:
    tracker = conversation(domain, said(text, "payment_refund"))
    assert_escalates(policy, domain, tracker, "legal_threat")


@pytest.mark.parametrize(
    "text",
    [
        "как написать заявление на возврат",
        "посуда пришла целая, спасибо",
        "можно купить на юридическое лицо",
        "не могу найти заказ, где искать",
        "a suede jacket in size M",
        "thank you for the courtesy",
    ],
)
def test_routine_text_resembling_a_threat_is_not_one(
    policy: EscalationPolicy, domain: Domain, text: str
) -> None:
    assert_abstains(policy, domain, conversation(domain, said(text, "return_request")))


def test_human_request_escalates(policy: EscalationPolicy, domain: Domain) -> None:
    tracker = conversation(domain, said("позовите оператора", "human_request"))
    assert_escalates(policy, domain, tracker, "human_request")


def test_abusive_intent_escalates_as_abuse(policy: EscalationPolicy, domain: Domain) -> None:
    assert_escalates(policy, domain, conversation(domain, said("вы ...", "abusive")), "abuse")


@pytest.mark.parametrize("flag", ["profanity", "insult"])
def test_profanity_or_insult_flag_escalates_as_abuse(
    policy: EscalationPolicy, domain: Domain, flag: str
) -> None:
    tracker = conversation(domain, said("где заказ ...", "delivery_status", flags=[flag]))
    assert_escalates(policy, domain, tracker, "abuse")


def test_spam_intent_escalates_as_spam(policy: EscalationPolicy, domain: Domain) -> None:
    assert_escalates(policy, domain, conversation(domain, said("заработок", "spam")), "spam")


def test_spam_flag_escalates_as_spam(policy: EscalationPolicy, domain: Domain) -> None:
    tracker = conversation(domain, said("привет", "greet", flags=["spam", "external_link"]))
    assert_escalates(policy, domain, tracker, "spam")


def test_contacts_flag_alone_does_not_escalate(policy: EscalationPolicy, domain: Domain) -> None:
    """Contact exchange is answered (declined) by the bot, not escalated."""
    tracker = conversation(domain, said("мой номер ...", "contact_exchange", flags=["contacts"]))
    assert_abstains(policy, domain, tracker)


def test_legal_threat_outranks_a_dispute(policy: EscalationPolicy, domain: Domain) -> None:
    tracker = conversation(domain, said("товар сломан, подам в суд", "defective_item"))
    assert_escalates(policy, domain, tracker, "legal_threat")


def test_dispute_outranks_a_profanity_flag(policy: EscalationPolicy, domain: Domain) -> None:
    tracker = conversation(domain, said("товар сломан ...", "defective_item", flags=["profanity"]))
    assert_escalates(policy, domain, tracker, "dispute")


# --- unclear turns ---------------------------------------------------------------------------


def test_a_single_fallback_is_left_to_the_rules(policy: EscalationPolicy, domain: Domain) -> None:
    assert_abstains(policy, domain, conversation(domain, said("ыыы", "nlu_fallback")))


def test_two_fallbacks_in_a_row_escalate_as_unknown(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain, said("ыыы", "nlu_fallback"), "action_clarify", said("ну это", "nlu_fallback")
    )
    assert_escalates(policy, domain, tracker, "unknown")


def test_fallback_then_out_of_scope_escalates_as_unknown(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain, said("ыыы", "nlu_fallback"), "action_clarify", said("погода?", "out_of_scope")
    )
    assert_escalates(policy, domain, tracker, "unknown")


def test_unclear_count_resets_after_an_answered_turn(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("ыыы", "nlu_fallback"),
        "action_clarify",
        said("привет", "greet"),
        "action_greet",
        said("ну это", "nlu_fallback"),
    )
    assert_abstains(policy, domain, tracker)


def test_unclear_count_restarts_after_an_escalation(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("ыыы", "nlu_fallback"),
        "action_clarify",
        said("ну это", "out_of_scope"),
        "action_escalate",
        said("ааа", "nlu_fallback"),
    )
    assert_abstains(policy, domain, tracker)


def test_a_new_session_restarts_the_count(policy: EscalationPolicy, domain: Domain) -> None:
    tracker = conversation(
        domain,
        said("ыыы", "nlu_fallback"),
        "action_clarify",
        ActionExecuted(ACTION_SESSION_START_NAME),
        SessionStarted(),
        said("ну это", "nlu_fallback"),
    )
    assert_abstains(policy, domain, tracker)


def test_a_reverted_turn_does_not_count(policy: EscalationPolicy, domain: Domain) -> None:
    """An action that hit an Ozon outage reverts the turn; the worker retries it later."""
    tracker = conversation(
        domain,
        said("ыыы", "nlu_fallback"),
        "action_clarify",
        UserUtteranceReverted(),
        said("ну это", "nlu_fallback"),
    )
    assert_abstains(policy, domain, tracker)


# --- a fallback that hides a dispute or a request for a person --------------------------------


def fallback(text: str, *ranking: tuple[str, float], flags: Sequence[str] = ()) -> UserUttered:
    """An `nlu_fallback` turn as the FallbackClassifier leaves it: the real intents follow."""
    return said(text, "nlu_fallback", confidence=0.6, ranking=ranking, flags=flags)


@pytest.mark.parametrize("intent", ["defective_item", "wrong_item", "not_received", "complaint"])
def test_a_fallback_whose_best_guess_is_a_dispute_escalates_as_dispute(
    policy: EscalationPolicy, domain: Domain, intent: str
) -> None:
    tracker = conversation(domain, fallback("ну вот такое пришло", (intent, 0.41), ("greet", 0.2)))
    assert_escalates(policy, domain, tracker, "dispute")


def test_a_fallback_whose_best_guess_is_a_human_request_escalates_as_human_request(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(domain, fallback("а можно кого-то", ("human_request", 0.5)))
    assert_escalates(policy, domain, tracker, "human_request")


def test_a_fallback_whose_best_guess_is_routine_asks_to_rephrase(
    policy: EscalationPolicy, domain: Domain
) -> None:
    """Only the first real intent counts: a dispute further down the ranking is not enough."""
    tracker = conversation(
        domain, fallback("ну это", ("delivery_status", 0.45), ("defective_item", 0.3))
    )
    assert_abstains(policy, domain, tracker)


@pytest.mark.parametrize("intent", ["abusive", "spam"])
def test_a_fallback_guessing_abuse_or_spam_is_not_sent_to_the_complaint_flow(
    policy: EscalationPolicy, domain: Domain, intent: str
) -> None:
    """A complaint about the buyer on a guess would be unfair: they are asked to rephrase."""
    assert_abstains(policy, domain, conversation(domain, fallback("ээ", (intent, 0.5))))


def test_a_fallback_guessing_a_dispute_with_a_profanity_flag_is_a_dispute(
    policy: EscalationPolicy, domain: Domain
) -> None:
    """The guessed intent is ranked like a real one: a dispute outranks the abuse flag."""
    tracker = conversation(
        domain, fallback("... сломалось", ("defective_item", 0.5), flags=["profanity"])
    )
    assert_escalates(policy, domain, tracker, "dispute")


def test_a_second_fallback_guessing_a_dispute_is_a_dispute_not_unknown(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("ыыы", "nlu_fallback"),
        "action_clarify",
        fallback("короче не то", ("wrong_item", 0.5)),
    )
    assert_escalates(policy, domain, tracker, "dispute")


def test_a_legal_threat_outranks_a_guessed_dispute(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(domain, fallback("ну всё, в суд", ("defective_item", 0.5)))
    assert_escalates(policy, domain, tracker, "legal_threat")


def test_a_fallback_without_a_ranking_asks_to_rephrase(
    policy: EscalationPolicy, domain: Domain
) -> None:
    """Trackers from before the ranking was read (or other channels) carry the intent only."""
    assert_abstains(policy, domain, conversation(domain, said("ыыы", "nlu_fallback")))


def test_the_unclear_limit_comes_from_the_configuration(
    policy_config: dict[str, Any], domain: Domain, tmp_path: Path
) -> None:
    strict = make_policy({**policy_config, "unclear_limit": 1}, tmp_path)
    assert_escalates(strict, domain, conversation(domain, said("ыыы", "nlu_fallback")), "unknown")


# --- repeated questions ----------------------------------------------------------------------


def test_the_same_question_after_an_answer_escalates_as_unknown(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("как вернуть", "return_request"),
        "action_return_info",
        said("так как вернуть??", "return_request"),
    )
    assert_escalates(policy, domain, tracker, "unknown")


def test_no_repeat_escalation_after_an_escalated_turn(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("как вернуть, а то подам в суд", "return_request"),
        "action_escalate",
        said("как вернуть товар", "return_request"),
    )
    assert_abstains(policy, domain, tracker)


def test_a_repeated_intent_with_new_details_is_a_new_question(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("какой материал", "product_specs", entities=[("attribute", "материал")]),
        "action_product_specs",
        said("а размер?", "product_specs", entities=[("attribute", "размер")]),
    )
    assert_abstains(policy, domain, tracker)


def test_the_posting_number_after_being_asked_for_it_is_not_a_repeat(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain,
        said("где мой заказ", "delivery_status"),
        "action_delivery_status",
        SlotSet("awaiting_posting_number", True),
        said(
            "57195475-0050-3", "delivery_status", entities=[("posting_number", "57195475-0050-3")]
        ),
    )
    assert_abstains(policy, domain, tracker)


def test_asking_again_instead_of_giving_the_posting_number_escalates(
    policy: EscalationPolicy, domain: Domain
) -> None:
    """The bot asked for the number; the buyer repeats the question without it: a person helps."""
    tracker = conversation(
        domain,
        said("где мой заказ", "delivery_status"),
        "action_delivery_status",
        SlotSet("awaiting_posting_number", True),
        said("так где заказ?", "delivery_status"),
    )
    assert_escalates(policy, domain, tracker, "unknown")


def test_repeated_small_talk_is_not_a_repeated_question(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(domain, said("спасибо", "thank"), "action_thank", said("спс", "thank"))
    assert_abstains(policy, domain, tracker)


def test_a_question_never_answered_is_not_a_repeat(
    policy: EscalationPolicy, domain: Domain
) -> None:
    """The conversation was paused (staff took over): no bot action ran after the first turn."""
    tracker = conversation(
        domain, said("как вернуть", "return_request"), said("как вернуть?", "return_request")
    )
    assert_abstains(policy, domain, tracker)


# --- when the policy speaks at all -----------------------------------------------------------


def test_routine_turn_abstains_without_events(policy: EscalationPolicy, domain: Domain) -> None:
    action, events, _ = predict(
        policy, domain, conversation(domain, said("где заказ", "delivery_status"))
    )
    assert action is None
    assert events == []


def test_no_prediction_after_escalating(policy: EscalationPolicy, domain: Domain) -> None:
    """After action_escalate the rules predict action_listen; the policy must not fire again."""
    tracker = conversation(domain, said("сломан", "defective_item"), "action_escalate")
    assert_abstains(policy, domain, tracker)


def test_no_prediction_on_an_empty_conversation(policy: EscalationPolicy, domain: Domain) -> None:
    assert_abstains(policy, domain, conversation(domain, ActionExecuted(ACTION_LISTEN_NAME)))


def test_a_stale_reason_is_cleared_on_a_routine_turn(
    policy: EscalationPolicy, domain: Domain
) -> None:
    """If action_escalate failed before clearing it, a later core-fallback escalation must not
    inherit the old reason."""
    tracker = conversation(
        domain,
        said("сломан", "defective_item"),
        SlotSet(REASON_SLOT, "dispute"),
        "action_escalate",
        said("где заказ", "delivery_status"),
    )
    action, events, _ = predict(policy, domain, tracker)
    assert action is None
    assert events == [SlotSet(REASON_SLOT, None)]


def test_priority_is_above_rule_policy(policy: EscalationPolicy) -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    assert policy.priority > RulePolicy.get_default_config()["priority"]


def test_a_bad_pattern_in_the_configuration_fails_at_start(
    policy_config: dict[str, Any], tmp_path: Path
) -> None:
    with pytest.raises(InvalidConfigException, match="legal_patterns"):
        make_policy({**policy_config, "legal_patterns": ["(unclosed"]}, tmp_path)


# --- the pure decision (no tracker) ----------------------------------------------------------


def turn(intent: str | None, *actions: str) -> Turn:
    return Turn(intent=intent, text="", flags=frozenset(), entities=frozenset(), actions=actions)


def test_unclear_streak_counts_only_the_trailing_unclear_turns() -> None:
    turns = [turn("nlu_fallback", "action_clarify"), turn("greet", "action_greet")]
    turns += [turn("out_of_scope", "action_clarify"), turn("nlu_fallback")]
    assert unclear_streak(turns) == 2


def test_the_ranking_is_read_from_the_parse_data() -> None:
    turn_ = turns_from_events([fallback("ээ", ("wrong_item", 0.4), ("greet", 0.1))])[0]
    assert turn_.ranking == ("nlu_fallback", "wrong_item", "greet")


def test_no_turns_no_escalation() -> None:
    assert escalation_for([], ()) is None


# --- follow-ups in the same topic (issue 17) -------------------------------------------------


@pytest.mark.parametrize(
    ("first", "first_action", "then", "intent"),
    [
        (
            "когда привезут кресло?",
            "action_delivery_status",
            "а трек-номер есть?",
            "delivery_status",
        ),
        (
            "есть в наличии?",
            "action_product_availability",
            "а на размер больше?",
            "product_availability",
        ),
        ("как вернуть куртку", "action_return_info", "а куда её отправлять?", "return_request"),
        (
            "where is my order",
            "action_delivery_status",
            "and the tracking number?",
            "delivery_status",
        ),
        (
            "где заказ?",
            "action_delivery_status",
            "одну коробку получила, где вторая?",
            "delivery_status",
        ),
    ],
)
def test_a_follow_up_with_new_content_is_answered(
    policy: EscalationPolicy, domain: Domain, first: str, first_action: str, then: str, intent: str
) -> None:
    tracker = conversation(domain, said(first, intent), first_action, said(then, intent))
    assert_abstains(policy, domain, tracker)


@pytest.mark.parametrize(
    "then",
    ["так когда всё-таки его привезут?", "когда доставка?", "ну и когда приедет заказ??"],
)
def test_the_same_question_in_other_words_is_a_repeat(
    policy: EscalationPolicy, domain: Domain, then: str
) -> None:
    tracker = conversation(
        domain,
        said("когда привезут заказ?", "delivery_status"),
        "action_delivery_status",
        said(then, "delivery_status"),
    )
    assert_escalates(policy, domain, tracker, "unknown")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("вы не ответили на мой вопрос", "out_of_scope"),
        ("Вы не ответили", "complaint_is_not_this"),
        ("you didn't answer my question", "delivery_status"),
    ],
)
def test_saying_the_answer_missed_escalates_as_unknown(
    policy: EscalationPolicy, domain: Domain, text: str, intent: str
) -> None:
    intent = "thank" if intent == "complaint_is_not_this" else intent
    tracker = conversation(
        domain, said("как вернуть", "return_request"), "action_return_info", said(text, intent)
    )
    assert_escalates(policy, domain, tracker, "unknown")


@pytest.mark.parametrize("intent", ["affirm", "deny"])
def test_a_bare_reply_to_please_rephrase_is_the_second_unclear_turn(
    policy: EscalationPolicy, domain: Domain, intent: str
) -> None:
    tracker = conversation(
        domain, said("ыыы", "nlu_fallback"), "action_clarify", said("ну да", intent)
    )
    assert_escalates(policy, domain, tracker, "unknown")


def test_a_real_question_after_please_rephrase_is_answered(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(
        domain, said("ыыы", "nlu_fallback"), "action_clarify", said("где заказ", "delivery_status")
    )
    assert_abstains(policy, domain, tracker)


def test_a_greeting_that_opens_the_chat_is_not_unclear(
    policy: EscalationPolicy, domain: Domain
) -> None:
    tracker = conversation(domain, said("привет", "greet"), "action_greet", said("да", "affirm"))
    assert_abstains(policy, domain, tracker)
