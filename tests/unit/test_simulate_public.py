"""Scenario files with product questions and reviews (`questions:` / `reviews:`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ScenarioError
from bot.sandbox.seed import parse_seed
from bot.simulate.runner import ItemResult, compare_item
from bot.simulate.scenario import PublicExpect, load_scenario


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_of_questions_and_reviews_needs_no_turns(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(
            tmp_path,
            "name: q\nquestions:\n  - {sku: 123, text: 'Какой цвет?', expect: {action: answer}}\n"
            "reviews:\n  - {sku: '123', rating: 1, photos: 2}\n",
        )
    )
    seed = parse_seed(scenario.seed())  # what the emulator gets, without `expect`
    assert [(q.sku, q.text) for q in seed.questions] == [("123", "Какой цвет?")]
    assert [(r.sku, r.rating, r.photos) for r in seed.reviews] == [("123", 1, 2)]
    assert scenario.turns == ()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("name: q\n", "needs `turns`, `questions` or `reviews`"),
        ("name: q\nquestions:\n  - {sku: '1'}\n", "questions.0.text"),
        ("name: q\nreviews:\n  - {sku: '1', rating: 5, photos: -1}\n", "reviews.0.photos"),
        (
            "name: q\nquestions:\n  - {sku: '1', text: t, expect: {action: reply}}\n",
            "questions.0.expect.action",
        ),
    ],
)
def test_a_bad_item_fails_at_load_naming_the_field(tmp_path: Path, body: str, said: str) -> None:
    with pytest.raises(ScenarioError, match=said.replace(".", r"\.").replace("`", ".")):
        load_scenario(write(tmp_path, body))


def test_an_item_is_compared_by_action_reason_and_text() -> None:
    result = ItemResult("s", "review", "r1", 1, "Брак", action="card", reason="low_rating")
    result.text = "Напишите нам в чат"
    assert compare_item(PublicExpect(action="card", text_contains=("чат",)), result) == []
    assert compare_item(PublicExpect(action="answer", reason="draft"), result) == [
        "action: expected answer, got card",
        "reason: expected draft, got low_rating",
    ]
    assert result.as_json() == {
        "scenario": "s",
        "item": "review",
        "id": "r1",
        "action": "card",
        "reason": "low_rating",
        "text": "Напишите нам в чат",
    }
