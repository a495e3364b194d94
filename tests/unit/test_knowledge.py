"""Approved answer snippets: loading, rendering, and every phrasing passing Ozon's rules."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.guard.outbound import OutboundGuard
from bot.knowledge import Knowledge
from bot.knowledge.validate import SAMPLE_VALUES, validate
from bot.models import Language

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
DELIVERY_STATUSES = [
    "awaiting_registration",
    "acceptance_in_progress",
    "awaiting_approve",
    "awaiting_packaging",
    "awaiting_deliver",
    "arbitration",
    "client_arbitration",
    "delivering",
    "driver_pickup",
    "delivered",
    "cancelled",
    "not_accepted",
    "sent_by_seller",
]
REQUIRED = {
    "greet", "thank", "affirm", "deny", "clarify", "ask_posting_number", "ask_which_product",
    "contacts.decline", *(f"delivery.{s}" for s in DELIVERY_STATUSES), "delivery.unknown_status",
    "delivery.eta", "delivery.tracking", "delivery.in_pickup_point", "delivery.not_found",
    "return.procedure", "return.status", "return.not_found", "refund.procedure",
    "cancel.procedure", "cancel.already_shipped", "change.procedure", "product.attribute",
    "product.attribute_unknown", "product.summary", "availability.in_stock",
    "availability.out_of_stock", "availability.unknown", "escalation.ack",
    "escalation.after_hours",
}  # fmt: skip


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.load(KNOWLEDGE_DIR)


@pytest.fixture(scope="module")
def guard() -> OutboundGuard:
    return OutboundGuard.load()


def write(directory: Path, text: str, name: str = "a.yml") -> Path:
    (directory / name).write_text(text, encoding="utf-8")
    return directory


# --- the project's snippets -------------------------------------------------------------------


def test_every_phrasing_passes_the_outbound_check(
    knowledge: Knowledge, guard: OutboundGuard
) -> None:
    """Every variant, both languages, filled with representative values: no violation."""
    failures = validate(knowledge, guard)
    assert failures == [], "\n".join(
        f"{f.key} {f.lang} #{f.variant}: {f.text} {f.violations}{f.problem}" for f in failures
    )


def test_every_key_the_actions_use_exists(knowledge: Knowledge) -> None:
    assert knowledge.keys() >= REQUIRED, REQUIRED - knowledge.keys()


@pytest.mark.parametrize("lang", [Language.RU, Language.EN])
def test_every_snippet_has_several_phrasings(knowledge: Knowledge, lang: Language) -> None:
    keys = sorted(knowledge.keys())
    thin = [k for k in keys if len(knowledge.snippet(k).texts.get(lang, ())) < 2]
    assert thin == []


def test_every_snippet_names_its_source(knowledge: Knowledge) -> None:
    keys = sorted(knowledge.keys())
    assert all(knowledge.source(key).strip() for key in keys)


def test_every_placeholder_has_a_sample_value(knowledge: Knowledge) -> None:
    keys = sorted(knowledge.keys())
    used = set().union(*(knowledge.snippet(k).placeholders() for k in keys))
    assert used <= set(SAMPLE_VALUES[Language.RU]) == set(SAMPLE_VALUES[Language.EN])


def test_the_return_window_comes_from_the_seller(knowledge: Knowledge) -> None:
    text = knowledge.render("return.procedure", Language.RU, {"return_window_days": 30})
    assert "30" in text


# --- rendering ----------------------------------------------------------------------------------


def test_same_seed_same_phrasing(knowledge: Knowledge) -> None:
    first = knowledge.render("greet", Language.RU, {"shop_name": "Уют"}, seed="chat-1:42")
    again = knowledge.render("greet", Language.RU, {"shop_name": "Уют"}, seed="chat-1:42")
    assert first == again


def test_different_chats_get_different_phrasings(knowledge: Knowledge) -> None:
    texts = {
        knowledge.render("greet", Language.RU, {"shop_name": "Уют"}, seed=f"chat-{n}")
        for n in range(30)
    }
    assert len(texts) == len(knowledge.variants("greet", Language.RU))


def test_missing_placeholder_value_is_an_error(knowledge: Knowledge) -> None:
    with pytest.raises(KnowledgeError, match=r"delivery\.eta.*delivery_date"):
        knowledge.render("delivery.eta", Language.RU, {})


def test_unknown_key_is_an_error(knowledge: Knowledge) -> None:
    with pytest.raises(KnowledgeError, match=r"no\.such"):
        knowledge.render("no.such", Language.RU)


def test_english_falls_back_to_russian_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge = Knowledge.load(write(tmp_path, 'hi:\n  source: test\n  ru: ["Привет"]\n'))
    with caplog.at_level(logging.WARNING, logger="bot.knowledge.store"):
        assert knowledge.render("hi", Language.EN) == "Привет"
        assert knowledge.render("hi", Language.EN) == "Привет"
    assert len([r for r in caplog.records if "no en text" in r.getMessage()]) == 1


def test_english_text_is_used_when_present(knowledge: Knowledge) -> None:
    text = knowledge.render("delivery.delivering", Language.EN, {"posting_number": "1-2-3"})
    assert "1-2-3" in text
    assert text.isascii()


# --- loading errors name the file and the key ------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("greet: hello\n", r"a\.yml \[greet\]: must be a mapping"),
        ('greet:\n  ru: ["Привет"]\n', r"\[greet\]: needs a `source`"),
        ('greet:\n  source: s\n  en: ["Hi"]\n', r"\[greet\]: needs `ru` texts"),
        ("greet:\n  source: s\n  ru: []\n", r"\[greet\]: `ru` must be a non-empty list"),
        ('greet:\n  source: s\n  ru: ["{a.b}"]\n', r"\[greet\]: placeholders must be"),
        ('greet:\n  source: s\n  ru: ["{"]\n', r"\[greet\]: bad braces"),
        ('greet:\n  source: s\n  de: ["Hallo"]\n  ru: ["x"]\n', r"\[greet\]: unknown fields"),
        ("- a\n", r"a\.yml: must be a mapping of snippet keys"),
        ("greet: [\n", r"a\.yml: cannot read"),
    ],
)
def test_malformed_files_raise(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(KnowledgeError, match=message):
        Knowledge.load(write(tmp_path, content))


def test_a_key_defined_twice_is_an_error(tmp_path: Path) -> None:
    entry = 'greet:\n  source: s\n  ru: ["Привет"]\n'
    write(tmp_path, entry, "a.yml")
    write(tmp_path, entry, "b.yml")
    with pytest.raises(KnowledgeError, match=r"b\.yml \[greet\]: defined twice"):
        Knowledge.load(tmp_path)


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"no \*\.yml"):
        Knowledge.load(tmp_path)


def test_validation_reports_a_rule_breaking_phrasing(tmp_path: Path, guard: OutboundGuard) -> None:
    content = 'greet:\n  source: s\n  ru: ["Лучший магазин!!!", "Здравствуйте"]\n  en: ["Hi"]\n'
    (failure,) = validate(Knowledge.load(write(tmp_path, content)), guard)
    assert (failure.key, failure.lang, failure.variant) == ("greet", Language.RU, 0)
    assert {v.rule.value for v in failure.violations} == {"superlative", "punctuation"}
