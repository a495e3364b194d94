"""`ozonbot review import`: corrected examples merged into nlu/ without damaging it."""

from __future__ import annotations

import argparse
import difflib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.errors import ReviewError
from bot.review import cli
from bot.review.anonymize import Anonymizer
from bot.review.export import Period, render_csv, render_yaml
from bot.review.importer import NluData, Outcome, Verdict, apply, judge, read_candidates
from bot.review.inbox import ReviewItem, Why
from bot.review.nlu_files import add_to_block

ORDERS = """\
version: "3.1"

# Orders: where is it, cancel it. This comment must survive an import.

nlu:
- intent: delivery_status
  examples: |
    - где мой заказ
    - когда придет заказ [57195475-0050-3](posting_number)

- intent: order_cancel  # a trailing comment
  examples: |
    - отмените заказ
    - хочу отменить
"""
SMALLTALK = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - привет
"""
ENTITIES = r"""version: "3.1"
nlu:
- regex: posting_number
  examples: |
    - (?<![\w-])(?:\d{8}|\d{10})-\d{4}-\d{1,2}(?![\w-])
- regex: order_number
  examples: |
    - (?<![\w-])(?:\d{8}|\d{10})-\d{4}(?![\w-])
- regex: sku
  examples: |
    - (?<![\w+-])(?![78]9\d{9}(?!\d))\d{6,12}(?![\w-])
"""
HOLDOUT = """\
version: "3.1"
nlu:
- intent: delivery_status
  examples: |
    - подскажите где сейчас едет моя посылка
"""


@pytest.fixture(scope="module")
def anonymizer() -> Anonymizer:
    return Anonymizer.load()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "orders.yml").write_text(ORDERS, encoding="utf-8")
    (nlu / "smalltalk.yml").write_text(SMALLTALK, encoding="utf-8")
    (nlu / "entities.yml").write_text(ENTITIES, encoding="utf-8")
    (tmp_path / "holdout.yml").write_text(HOLDOUT, encoding="utf-8")
    return tmp_path


def review_file(path: Path, blocks: dict[str, list[str]]) -> Path:
    body = "".join(
        f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {t}\n" for t in texts)
        for intent, texts in blocks.items()
    )
    path.write_text(f'version: "3.1"\nnlu:\n{body}', encoding="utf-8")
    return path


def run(repo: Path, anonymizer: Anonymizer, blocks: dict[str, list[str]]) -> list[Verdict]:
    data = NluData.load(repo / "nlu", repo / "holdout.yml")
    verdicts = judge(read_candidates(review_file(repo / "review.yml", blocks)), data, anonymizer)
    apply(verdicts)
    return verdicts


def outcomes(verdicts: list[Verdict]) -> list[tuple[str, Outcome]]:
    return [(v.candidate.text, v.outcome) for v in verdicts]


def examples(path: Path, intent: str) -> list[str]:
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if block.get("intent") == intent:
            return [line[2:] for line in block["examples"].splitlines()]
    raise AssertionError(intent)


def test_examples_are_appended_sorted_to_the_block_of_their_intent(
    repo: Path, anonymizer: Anonymizer
) -> None:
    run(repo, anonymizer, {"delivery_status": ["сколько ждать доставку", "а где посылка"]})
    assert examples(repo / "nlu" / "orders.yml", "delivery_status") == [
        "где мой заказ",
        "когда придет заказ [57195475-0050-3](posting_number)",
        "а где посылка",
        "сколько ждать доставку",
    ]


def test_the_rest_of_the_file_is_untouched_byte_for_byte(
    repo: Path, anonymizer: Anonymizer
) -> None:
    run(repo, anonymizer, {"delivery_status": ["а где посылка"], "greet": ["добрый вечер"]})
    after = (repo / "nlu" / "orders.yml").read_text(encoding="utf-8")
    changes = [
        op for op in difflib.SequenceMatcher(None, ORDERS, after).get_opcodes() if op[0] != "equal"
    ]
    assert [op[0] for op in changes] == ["insert"]
    assert after.replace("    - а где посылка\n", "", 1) == ORDERS
    assert examples(repo / "nlu" / "smalltalk.yml", "greet") == ["привет", "добрый вечер"]


def test_numbers_are_annotated_as_the_entity_regexes_find_them(
    repo: Path, anonymizer: Anonymizer
) -> None:
    run(repo, anonymizer, {"order_cancel": ["отмените 12345678-0001-2 и 0148372915-0117"]})
    assert examples(repo / "nlu" / "orders.yml", "order_cancel")[-1] == (
        "отмените [12345678-0001-2](posting_number) и [0148372915-0117](order_number)"
    )


def test_known_examples_are_skipped_whatever_their_case_spacing_and_punctuation(
    repo: Path, anonymizer: Anonymizer
) -> None:
    verdicts = run(repo, anonymizer, {"delivery_status": ["Где  МОЙ заказ?!"]})
    assert outcomes(verdicts) == [("Где  МОЙ заказ?!", Outcome.SKIPPED)]
    assert (repo / "nlu" / "orders.yml").read_text(encoding="utf-8") == ORDERS


def test_a_text_nlu_files_under_another_intent_is_refused(
    repo: Path, anonymizer: Anonymizer
) -> None:
    [verdict] = run(repo, anonymizer, {"order_cancel": ["где мой заказ"]})
    assert verdict.outcome is Outcome.REFUSED
    assert "orders.yml files it under delivery_status" in verdict.reason


@pytest.mark.parametrize("intent", ["where_is_it", "nlu_fallback"])
def test_intents_outside_the_contract_are_refused(
    repo: Path, anonymizer: Anonymizer, intent: str
) -> None:
    [verdict] = run(repo, anonymizer, {intent: ["новый текст"]})
    assert verdict.outcome is Outcome.REFUSED
    assert (repo / "nlu" / "orders.yml").read_text(encoding="utf-8") == ORDERS


@pytest.mark.parametrize(
    "text",
    ["перезвоните +7 999 123-45-67", "меня зовут Ольга, где заказ", "пишите olga@mail.ru"],
)
def test_examples_with_personal_data_are_refused(
    repo: Path, anonymizer: Anonymizer, text: str
) -> None:
    [verdict] = run(repo, anonymizer, {"delivery_status": [text]})
    assert verdict.outcome is Outcome.REFUSED
    assert verdict.reason.startswith("personal data")


def test_placeholders_are_fine_to_train_on(repo: Path, anonymizer: Anonymizer) -> None:
    [verdict] = run(repo, anonymizer, {"delivery_status": ["меня зовут <name>, где заказ"]})
    assert verdict.outcome is Outcome.ADDED


@pytest.mark.parametrize(
    "text",
    [
        "Подскажите, где сейчас едет моя посылка?",  # the held-out example itself
        "подскажите где сейчас едет посылка моя ну",  # a near copy
    ],
)
def test_held_out_examples_and_near_copies_are_refused_as_a_leak(
    repo: Path, anonymizer: Anonymizer, text: str
) -> None:
    [verdict] = run(repo, anonymizer, {"delivery_status": [text]})
    assert verdict.outcome is Outcome.REFUSED
    assert "leak the test set" in verdict.reason


def test_repeats_inside_the_review_file_are_added_once(repo: Path, anonymizer: Anonymizer) -> None:
    verdicts = run(
        repo,
        anonymizer,
        {"delivery_status": ["а где посылка", "А где посылка?"], "order_cancel": ["а где посылка"]},
    )
    assert [v.outcome for v in verdicts] == [Outcome.ADDED, Outcome.SKIPPED, Outcome.REFUSED]
    assert examples(repo / "nlu" / "orders.yml", "delivery_status")[-1] == "а где посылка"


def test_stray_brackets_are_refused(repo: Path, anonymizer: Anonymizer) -> None:
    [verdict] = run(repo, anonymizer, {"delivery_status": ["заказ [срочно] где"]})
    assert verdict.outcome is Outcome.REFUSED


def test_a_topic_file_takes_the_example_before_a_bulk_file_sorted_ahead_of_it(
    repo: Path, anonymizer: Anonymizer
) -> None:
    bulk = 'version: "3.1"\nnlu:\n- intent: delivery_status\n  examples: |\n    - где заказ\n'
    (repo / "nlu" / "everyday-delivery.yml").write_text(bulk, encoding="utf-8")
    (repo / "nlu" / "preambles.yml").write_text(bulk, encoding="utf-8")
    [verdict] = run(repo, anonymizer, {"delivery_status": ["а где посылка"]})
    assert verdict.path == repo / "nlu" / "orders.yml"
    assert (repo / "nlu" / "everyday-delivery.yml").read_text(encoding="utf-8") == bulk


def test_an_intent_only_a_bulk_file_holds_goes_there(repo: Path, anonymizer: Anonymizer) -> None:
    bulk = 'version: "3.1"\nnlu:\n- intent: spam\n  examples: |\n    - пиши + в лс\n'
    (repo / "nlu" / "everyday-offtopic.yml").write_text(bulk, encoding="utf-8")
    run(repo, anonymizer, {"spam": ["заработок в интернете"]})
    assert examples(repo / "nlu" / "everyday-offtopic.yml", "spam")[-1] == "заработок в интернете"


def test_an_intent_no_file_holds_yet_gets_a_new_file(repo: Path, anonymizer: Anonymizer) -> None:
    run(repo, anonymizer, {"spam": ["заработок в интернете"]})
    assert examples(repo / "nlu" / "imported.yml", "spam") == ["заработок в интернете"]


def test_the_exported_csv_imports_rows_with_correct_intent_filled(
    repo: Path, anonymizer: Anonymizer
) -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    rows = render_csv(
        [
            ReviewItem("main", "c1", ("1",), at, "=где чек", "thank", 0.4, (Why.LOW_CONFIDENCE,)),
            ReviewItem("main", "c2", ("2",), at, "ну и ну", "thank", 0.4, (Why.LOW_CONFIDENCE,)),
        ]
    )
    filled = rows.replace("low_confidence,,\n", "low_confidence,,order_cancel\n", 1)
    (repo / "review.csv").write_text(filled, encoding="utf-8-sig")
    data = NluData.load(repo / "nlu", repo / "holdout.yml")
    verdicts = judge(read_candidates(repo / "review.csv"), data, anonymizer)
    assert outcomes(verdicts) == [("=где чек", Outcome.ADDED), ("ну и ну", Outcome.SKIPPED)]
    assert verdicts[1].reason == "no correct_intent filled in"


def test_an_export_round_trips_into_nlu(repo: Path, anonymizer: Anonymizer) -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    item = ReviewItem("main", "c1", ("1",), at, "а чек где", "thank", 0.4, (Why.STAFF_MARK,))
    exported = render_yaml(
        [replace(item, staff_mark="order_cancel")],
        scope="shop main",
        period=Period(at, at, "UTC"),
        written=at,
    )
    (repo / "review.yml").write_text(exported, encoding="utf-8")
    data = NluData.load(repo / "nlu", repo / "holdout.yml")
    apply(judge(read_candidates(repo / "review.yml"), data, anonymizer))
    assert examples(repo / "nlu" / "orders.yml", "order_cancel")[-1] == "а чек где"


def test_adding_to_a_missing_block_is_an_error() -> None:
    with pytest.raises(ReviewError):
        add_to_block(SMALLTALK, "thank", ["спасибо"], "smalltalk.yml")


# --- the command -------------------------------------------------------------------------------


def command(repo: Path, *extra: str) -> int:
    parser = argparse.ArgumentParser(prog="ozonbot")
    cli.register(parser.add_subparsers(), "review", "review")
    args = parser.parse_args(
        [
            "review",
            "import",
            str(repo / "review.yml"),
            "--nlu-dir",
            str(repo / "nlu"),
            "--holdout",
            str(repo / "holdout.yml"),
            *extra,
        ]
    )
    return int(args.handler(args))


def test_command_exits_0_and_reports_what_it_added(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    review_file(repo / "review.yml", {"delivery_status": ["а где посылка", "где мой заказ"]})
    assert command(repo) == 0
    out = capsys.readouterr().out
    assert f"delivery_status +1 -> {repo / 'nlu' / 'orders.yml'}" in out
    assert "skipped  1" in out
    assert "refused  0" in out


def test_command_exits_1_on_a_refusal_and_shows_the_text_masked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    review_file(repo / "review.yml", {"delivery_status": ["звоните +7 999 123-45-67", "ок где"]})
    assert command(repo) == 1
    out = capsys.readouterr().out
    assert "'звоните <phone>' - personal data (phone)" in out
    assert "+7 999" not in out
    assert examples(repo / "nlu" / "orders.yml", "delivery_status")[-1] == "ок где"


def test_dry_run_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review_file(repo / "review.yml", {"delivery_status": ["а где посылка"]})
    assert command(repo, "--dry-run") == 0
    assert (repo / "nlu" / "orders.yml").read_text(encoding="utf-8") == ORDERS
    assert "dry run: nothing was written" in capsys.readouterr().out


def test_an_unreadable_review_file_exits_2(repo: Path) -> None:
    (repo / "review.yml").write_text("nlu: [unclosed", encoding="utf-8")
    assert command(repo) == 2
