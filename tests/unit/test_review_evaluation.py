"""The NLU report, the comparison with the previous run and the regression gate, on reports in
the shape `rasa test nlu` writes them (intent_report.json, intent_errors.json, ...)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.review.evaluation import (
    Baseline,
    Evaluation,
    IntentScore,
    Prediction,
    compare,
    gate,
    main,
    prepare,
    read_intent_report,
    render_report,
    report,
    worst_confusions,
)


def rasa_report(f1: dict[str, float], macro: float | None = None) -> dict[str, Any]:
    """An intent_report.json as Rasa 3.6 writes it (sklearn's report plus confused_with)."""
    data: dict[str, Any] = {
        name: {"precision": v, "recall": v, "f1-score": v, "support": 10, "confused_with": {}}
        for name, v in f1.items()
    }
    data["accuracy"] = 0.9
    mean = sum(f1.values()) / len(f1)
    data["macro avg"] = {"precision": mean, "recall": mean, "f1-score": macro or mean}
    data["weighted avg"] = {"precision": mean, "recall": mean, "f1-score": mean}
    return data


def evaluation(f1: dict[str, float]) -> Evaluation:
    scores = {name: IntentScore(v, v, v, 10) for name, v in f1.items()}
    return Evaluation(scores=scores, macro_f1=sum(f1.values()) / len(f1), nlu_file="h.yml")


def baseline(f1: dict[str, float], margin: float = 0.03) -> Baseline:
    return Baseline.of(evaluation(f1), margin)


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


GOOD = {"greet": 0.95, "complaint": 0.90, "spam": 0.85}


def test_reads_rasas_report_taking_macro_f1_from_it(tmp_path: Path) -> None:
    path = write(tmp_path / "intent_report.json", rasa_report(GOOD, macro=0.9))
    result = read_intent_report(path, nlu_file="h.yml", model="abc")
    assert sorted(result.scores) == ["complaint", "greet", "spam"]
    assert result.scores["spam"] == IntentScore(0.85, 0.85, 0.85, 10)
    assert (result.macro_f1, result.accuracy, result.model) == (0.9, 0.9, "abc")


def test_the_gate_passes_within_the_margin() -> None:
    slightly_worse = {"greet": 0.93, "complaint": 0.88, "spam": 0.83}
    result = gate(evaluation(slightly_worse), baseline(GOOD))
    assert result.passed
    assert result.message.startswith("nlu-gate: passed")


def test_the_gate_fails_below_the_margin_and_names_the_intents_that_dropped() -> None:
    worse = {"greet": 0.95, "complaint": 0.70, "spam": 0.83}
    result = gate(evaluation(worse), baseline(GOOD))
    assert not result.passed
    lines = result.message.splitlines()
    assert lines[0].startswith("nlu-gate: FAILED: macro-F1 0.827, baseline 0.900")
    assert "complaint" in lines[2]
    assert "0.90 -> 0.70 (-0.20)" in lines[2]
    assert "more than the margin" in lines[2]
    assert "spam" in lines[3]
    assert "more than the margin" not in lines[3]
    assert not any("greet" in line for line in lines)


def test_an_intent_missing_from_the_evaluation_counts_as_dropped() -> None:
    result = gate(evaluation({"greet": 0.95, "complaint": 0.5}), baseline(GOOD))
    assert not result.passed
    assert "spam" in result.message
    assert "missing" in result.message


def test_exactly_at_the_floor_passes() -> None:
    floor = baseline({"greet": 0.9}, margin=0.05)
    assert gate(evaluation({"greet": 0.85}), floor).passed


def test_the_baseline_round_trips_through_its_file(tmp_path: Path) -> None:
    written = baseline(GOOD, margin=0.02)
    written.write(tmp_path / "baseline.json")
    read = Baseline.read(tmp_path / "baseline.json")
    assert (read.macro_f1, read.margin, dict(read.intents)) == (0.9, 0.02, GOOD)
    assert "nlu-gate --update" in json.loads((tmp_path / "baseline.json").read_text())["about"]


def test_compare_lists_the_largest_drop_first() -> None:
    changes = compare({"a": 0.5, "b": 0.9, "c": 0.7}, {"a": 0.8, "b": 0.9, "c": 0.6})
    assert [(c.intent, round(c.delta, 2)) for c in changes] == [
        ("a", -0.3),
        ("b", 0.0),
        ("c", 0.1),
    ]


def test_worst_confusions_are_counted_pairs_with_confident_examples_first() -> None:
    errors = [
        Prediction("ты человек?", "out_of_scope", "human_request", 0.7),
        Prediction("are you human?", "out_of_scope", "human_request", 0.9),
        Prediction("верните оплату", "payment_refund", "return_request", 0.6),
    ]
    [(intent, predicted, found), second] = worst_confusions(errors)
    assert (intent, predicted, len(found)) == ("out_of_scope", "human_request", 2)
    assert found[0].text == "are you human?"
    assert second[:2] == ("payment_refund", "return_request")


def test_the_report_has_the_table_the_comparison_and_the_confusions() -> None:
    current = evaluation({"greet": 0.95, "complaint": 0.70})
    previous = evaluation({"greet": 0.90, "complaint": 0.90})
    errors = [Prediction("жалоба | на вас", "complaint", "greet", 0.55)]
    text = render_report(current, previous, errors, plot="confusion.png")
    assert "**macro-F1: 0.825**" in text
    assert "Macro-F1 0.900 -> 0.825 (-0.075)" in text
    assert "- Better: greet +0.05" in text
    assert "- Worse: complaint -0.20" in text
    assert "| complaint | 0.70 | 0.70 | 0.70 | 10 | -0.20 |" in text
    assert "| complaint | greet | 1 | жалоба \\| на вас (0.55) |" in text
    assert "![confusion matrix](confusion.png)" in text


def test_a_previous_run_on_another_file_is_flagged() -> None:
    previous = Evaluation(scores={}, macro_f1=0.5, nlu_file="other.yml")
    text = render_report(evaluation(GOOD), previous, [], plot=None)
    assert "another test file" in text


def test_prepare_rotates_the_summary_and_clears_rasas_old_outputs(tmp_path: Path) -> None:
    write(tmp_path / "summary.json", {"macro_f1": 0.8})
    for stale in ("intent_report.json", "intent_errors.json", "intent_successes.json"):
        write(tmp_path / stale, {})
    (tmp_path / "intent_histogram.png").write_bytes(b"png")
    prepare(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["previous.json"]


def rasa_outputs(out: Path, f1: dict[str, float]) -> None:
    write(out / "intent_report.json", rasa_report(f1))
    ok = {"text": "привет", "intent": "greet", "intent_prediction": {"name": "greet"}}
    wrong = {
        "text": "спам тут",
        "intent": "spam",
        "intent_prediction": {"name": "nlu_fallback", "confidence": 0.3},
    }
    write(out / "intent_successes.json", [ok])
    write(out / "intent_errors.json", [wrong])


def test_a_report_run_writes_markdown_png_and_summary_and_compares_runs(tmp_path: Path) -> None:
    model = tmp_path / "abc123.tar.gz"
    model.write_bytes(b"")
    rasa_outputs(tmp_path, GOOD)
    report(tmp_path, "h.yml", model)
    prepare(tmp_path)
    rasa_outputs(tmp_path, {**GOOD, "spam": 0.55})
    result = report(tmp_path, "h.yml", model)
    assert result.model == "abc123"
    assert (tmp_path / "confusion.png").read_bytes().startswith(b"\x89PNG")
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "- Worse: spam -0.30" in text
    assert "| spam | nlu_fallback | 1 | спам тут (0.30) |" in text
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["scores"]["spam"]["f1"] == 0.55


def gate_command(out: Path, baseline_path: Path, *extra: str) -> int:
    args = ["gate", "--out", str(out), "--baseline", str(baseline_path), *extra]
    return main([*args, "--model", str(out / "none.tar.gz")])


def test_gate_command_exits_1_on_a_drop_and_0_after_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline(GOOD).write(tmp_path / "baseline.json")
    write(tmp_path / "intent_report.json", rasa_report({**GOOD, "complaint": 0.5}))
    assert gate_command(tmp_path, tmp_path / "baseline.json") == 1
    assert "FAILED" in capsys.readouterr().out
    assert gate_command(tmp_path, tmp_path / "baseline.json", "--update") == 0
    assert Baseline.read(tmp_path / "baseline.json").intents["complaint"] == 0.5
    assert gate_command(tmp_path, tmp_path / "baseline.json") == 0


def test_gate_command_without_a_baseline_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "intent_report.json", rasa_report(GOOD))
    assert gate_command(tmp_path, tmp_path / "missing.json") == 2


def test_update_keeps_the_margin_of_the_old_baseline(tmp_path: Path) -> None:
    baseline(GOOD, margin=0.05).write(tmp_path / "baseline.json")
    write(tmp_path / "intent_report.json", rasa_report(GOOD))
    gate_command(tmp_path, tmp_path / "baseline.json", "--update")
    assert Baseline.read(tmp_path / "baseline.json").margin == 0.05


def test_cross_validation_summary_reports_macro_f1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rasa_outputs(tmp_path, GOOD)
    assert main(["cv", "--out", str(tmp_path), "--folds", "5"]) == 0
    assert "5-fold macro-F1 0.900" in capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert (summary["folds"], summary["macro_f1"]) == (5, 0.9)
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("# NLU 5-fold")
