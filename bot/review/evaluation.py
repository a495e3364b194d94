"""NLU evaluation for people and for CI, from Rasa's own `rasa test nlu` reports.

    python -m bot.review.evaluation prepare --out reports/nlu
    python -m bot.review.evaluation report  --out reports/nlu --nlu FILE --model MODEL
    python -m bot.review.evaluation gate    --out reports/nlu-gate [--baseline FILE] [--update]
    python -m bot.review.evaluation cv      --out reports/nlu-cv --folds 5

`scripts/nlu-eval`, `scripts/nlu-gate` and `scripts/nlu-cv` run Rasa (in its own environment)
and then these steps (in the worker's, which has matplotlib). `report` writes `report.md`: the
per-intent table, macro-F1, the worst confusions with example texts, a confusion matrix PNG,
and what changed since the previous run (`previous.json`, rotated by `prepare`). `gate`
compares with the committed baseline and exits 1 when macro-F1 fell by more than its margin.

Long (~550 lines) because the evaluation steps share one data model (an `Evaluation`); each step
is a short function behind its subcommand.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import ReviewError

SUMMARY = "summary.json"
PREVIOUS = "previous.json"
REPORT = "report.md"
CONFUSION_PNG = "confusion.png"
DEFAULT_MARGIN = 0.03
NOTICEABLE = 0.005
"""A change in F1 smaller than this is noise, not better or worse."""
_DROP_WORTH_NAMING = 0.01
WORST_CONFUSIONS = 10
EXAMPLES_PER_CONFUSION = 3
# What `rasa test nlu` writes; removed before a run so a file from an earlier run (Rasa writes
# `intent_errors.json` only when there are errors) is never read as this run's.
_RASA_OUTPUTS = ("*_report.json", "*_errors.json", "*_successes.json", "*.png", REPORT)
_DARK_CELL = 0.5
"""Share of a row above which a cell is dark enough to need white digits."""
_NOT_INTENTS = frozenset({"accuracy", "macro avg", "weighted avg", "micro avg"})


@dataclass(frozen=True, slots=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Prediction:
    text: str
    intent: str
    predicted: str
    confidence: float | None


@dataclass(frozen=True)
class Evaluation:
    """The figures of one `rasa test nlu` run (what `summary.json` holds)."""

    scores: Mapping[str, IntentScore]
    macro_f1: float
    accuracy: float | None = None
    nlu_file: str = ""
    model: str = ""
    at: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scores"] = {k: asdict(v) for k, v in sorted(self.scores.items())}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evaluation:
        scores = {str(k): IntentScore(**v) for k, v in dict(data.get("scores", {})).items()}
        return cls(
            scores=scores,
            macro_f1=float(data["macro_f1"]),
            accuracy=data.get("accuracy"),
            nlu_file=str(data.get("nlu_file", "")),
            model=str(data.get("model", "")),
            at=str(data.get("at", "")),
        )


# --- reading Rasa's reports ------------------------------------------------------------------


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReviewError(str(path), f"cannot read: {exc}") from exc


def read_intent_report(path: Path, *, nlu_file: str = "", model: str = "") -> Evaluation:
    """Rasa's `intent_report.json` (sklearn's classification report plus `confused_with`)."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ReviewError(str(path), "not an intent report")
    scores = {
        str(name): _score(value, str(path))
        for name, value in data.items()
        if name not in _NOT_INTENTS and isinstance(value, dict)
    }
    if not scores:
        raise ReviewError(str(path), "the report has no intents")
    macro = data.get("macro avg", {}).get("f1-score")
    accuracy = data.get("accuracy")
    return Evaluation(
        scores=scores,
        macro_f1=float(macro) if macro is not None else macro_f1(scores),
        accuracy=float(accuracy) if isinstance(accuracy, int | float) else None,
        nlu_file=nlu_file,
        model=model,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _score(value: Mapping[str, Any], where: str) -> IntentScore:
    try:
        return IntentScore(
            precision=float(value["precision"]),
            recall=float(value["recall"]),
            f1=float(value["f1-score"]),
            support=int(value["support"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ReviewError(where, f"an intent entry lacks a figure: {exc}") from exc


def macro_f1(scores: Mapping[str, IntentScore]) -> float:
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


def read_predictions(path: Path) -> list[Prediction]:
    """Rasa's `intent_errors.json` / `intent_successes.json`; a missing file means none."""
    if not path.exists():
        return []
    data = read_json(path)
    if not isinstance(data, list):
        raise ReviewError(str(path), "expected a list of predictions")
    return [_prediction(item) for item in data if isinstance(item, dict)]


def _prediction(item: Mapping[str, Any]) -> Prediction:
    predicted = item.get("intent_prediction") or {}
    confidence = predicted.get("confidence")
    return Prediction(
        text=str(item.get("text", "")),
        intent=str(item.get("intent", "")),
        predicted=str(predicted.get("name") or "None"),
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
    )


def model_name(model: Path) -> str:
    """The model's file name without `.tar.gz` (the training-input hash of scripts/train)."""
    return model.resolve().name.removesuffix(".tar.gz") if model.exists() else model.name


# --- comparing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    intent: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float:
        return (self.after or 0.0) - (self.before or 0.0)


def compare(current: Mapping[str, float], previous: Mapping[str, float]) -> list[Change]:
    """Per-intent F1 changes, largest drop first."""
    names = sorted(set(current) | set(previous))
    changes = [Change(name, previous.get(name), current.get(name)) for name in names]
    return sorted(changes, key=lambda c: (c.delta, c.intent))


def f1s(evaluation: Evaluation) -> dict[str, float]:
    return {name: score.f1 for name, score in evaluation.scores.items()}


def worse(changes: Sequence[Change], by: float = NOTICEABLE) -> list[Change]:
    return [c for c in changes if c.delta < -by]


def better(changes: Sequence[Change], by: float = NOTICEABLE) -> list[Change]:
    return sorted((c for c in changes if c.delta > by), key=lambda c: -c.delta)


# --- the regression gate ---------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """`tests/nlu/baseline.json`: the figures the gate holds the current model to."""

    macro_f1: float
    margin: float
    intents: Mapping[str, float]
    nlu_file: str = ""
    model: str = ""
    updated: str = ""
    about: str = field(
        default="Held-out NLU figures for scripts/nlu-gate. Rewrite with `scripts/nlu-gate "
        "--update` only after a real improvement or a drop that is understood and accepted "
        "(docs/tuning.md, Moving the baseline)."
    )

    @classmethod
    def read(cls, path: Path) -> Baseline:
        data = read_json(path)
        try:
            return cls(
                macro_f1=float(data["macro_f1"]),
                margin=float(data.get("margin", DEFAULT_MARGIN)),
                intents={str(k): float(v) for k, v in dict(data.get("intents", {})).items()},
                nlu_file=str(data.get("nlu_file", "")),
                model=str(data.get("model", "")),
                updated=str(data.get("updated", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ReviewError(str(path), f"not a baseline: {exc}") from exc

    @classmethod
    def of(cls, evaluation: Evaluation, margin: float) -> Baseline:
        return cls(
            macro_f1=round(evaluation.macro_f1, 4),
            margin=margin,
            intents={k: round(v, 4) for k, v in sorted(f1s(evaluation).items())},
            nlu_file=evaluation.nlu_file,
            model=evaluation.model,
            updated=datetime.now(UTC).date().isoformat(),
        )

    def write(self, path: Path) -> None:
        data = {"about": self.about, **{k: v for k, v in asdict(self).items() if k != "about"}}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @property
    def floor(self) -> float:
        return self.macro_f1 - self.margin


@dataclass(frozen=True, slots=True)
class GateResult:
    passed: bool
    message: str


def gate(current: Evaluation, baseline: Baseline) -> GateResult:
    """Pass unless macro-F1 fell more than the margin below the baseline; name what dropped."""
    changes = compare(f1s(current), baseline.intents)
    dropped = worse(changes, by=_DROP_WORTH_NAMING)
    figures = (
        f"macro-F1 {current.macro_f1:.3f}, baseline {baseline.macro_f1:.3f} "
        f"(model {baseline.model or '?'}, {baseline.updated or '?'}), margin {baseline.margin:.3f}"
    )
    lines = [_drop_line(c, baseline.margin) for c in dropped]
    if current.macro_f1 < baseline.floor:
        head = f"nlu-gate: FAILED: {figures}: below {baseline.floor:.3f}."
        tail = "Intents that dropped:" if lines else "No single intent dropped by more than 0.01."
        return GateResult(False, "\n".join([head, tail, *lines]))
    head = f"nlu-gate: passed: {figures}."
    if lines:
        note = "Intents that dropped (the gate itself is on macro-F1):"
        return GateResult(True, "\n".join([head, note, *lines]))
    return GateResult(True, head)


def _drop_line(change: Change, margin: float) -> str:
    before = "-" if change.before is None else f"{change.before:.2f}"
    after = "missing" if change.after is None else f"{change.after:.2f}"
    flag = "  <-- more than the margin" if -change.delta > margin else ""
    return f"  {change.intent:<22} F1 {before} -> {after} ({change.delta:+.2f}){flag}"


# --- the human-readable report ---------------------------------------------------------------


def worst_confusions(
    errors: Sequence[Prediction], limit: int = WORST_CONFUSIONS
) -> list[tuple[str, str, list[Prediction]]]:
    """The most frequent (true intent, predicted intent) mistakes, with their predictions."""
    counts = Counter((p.intent, p.predicted) for p in errors)
    result = []
    for (intent, predicted), _count in counts.most_common(limit):
        found = [p for p in errors if p.intent == intent and p.predicted == predicted]
        found.sort(key=lambda p: -(p.confidence or 0.0))
        result.append((intent, predicted, found))
    return result


def render_report(
    current: Evaluation,
    previous: Evaluation | None,
    errors: Sequence[Prediction],
    *,
    plot: str | None,
) -> str:
    lines = [
        "# NLU evaluation",
        "",
        f"- test file: `{current.nlu_file}`",
        f"- model: `{current.model}`",
        f"- run: {current.at}",
        f"- examples: {sum(s.support for s in current.scores.values())}",
        f"- **macro-F1: {current.macro_f1:.3f}**"
        + (f" (accuracy {current.accuracy:.3f})" if current.accuracy is not None else ""),
        "",
        *_comparison_section(current, previous),
        *_table_section(current, previous),
        *_confusion_section(errors),
    ]
    if plot:
        lines += ["## Confusion matrix", "", f"![confusion matrix]({plot})", ""]
    return "\n".join(lines)


def _comparison_section(current: Evaluation, previous: Evaluation | None) -> list[str]:
    lines = ["## Compared with the previous run", ""]
    if previous is None:
        return [*lines, "No previous run (`previous.json`): this one is the reference.", ""]
    delta = current.macro_f1 - previous.macro_f1
    lines.append(
        f"Macro-F1 {previous.macro_f1:.3f} -> {current.macro_f1:.3f} ({delta:+.3f}); previous "
        f"run {previous.at}, model `{previous.model}`, file `{previous.nlu_file}`."
    )
    if previous.nlu_file != current.nlu_file:
        lines.append("**The previous run used another test file: the figures do not compare.**")
    changes = compare(f1s(current), f1s(previous))
    for title, chosen in (("Better", better(changes)), ("Worse", worse(changes))):
        listed = ", ".join(f"{c.intent} {c.delta:+.2f}" for c in chosen) or "none"
        lines.append(f"- {title}: {listed}")
    return [*lines, ""]


def _table_section(current: Evaluation, previous: Evaluation | None) -> list[str]:
    before = f1s(previous) if previous else {}
    lines = [
        "## Per intent",
        "",
        "| intent | precision | recall | F1 | support | change in F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in sorted(current.scores.items(), key=lambda item: (item[1].f1, item[0])):
        change = f"{s.f1 - before[name]:+.2f}" if name in before else ""
        lines.append(
            f"| {name} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | {s.support} | {change} |"
        )
    return [*lines, "", "Sorted from the weakest intent up.", ""]


def _confusion_section(errors: Sequence[Prediction]) -> list[str]:
    lines = ["## Worst confusions", ""]
    worst = worst_confusions(errors)
    if not worst:
        return [*lines, "Every example was classified correctly.", ""]
    lines += [
        "| true intent | predicted as | count | examples (confidence) |",
        "|---|---|---:|---|",
    ]
    for intent, predicted, found in worst:
        shown = "<br>".join(
            _cell(p.text) + (f" ({p.confidence:.2f})" if p.confidence is not None else "")
            for p in found[:EXAMPLES_PER_CONFUSION]
        )
        lines.append(f"| {intent} | {predicted} | {len(found)} | {shown} |")
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def plot_confusion(predictions: Sequence[Prediction], path: Path) -> bool:
    """A confusion matrix that stays readable with 20 intents: counts in the cells, colour by
    the share of the row, the diagonal framed. False when there is nothing to plot."""
    if not predictions:
        return False
    import matplotlib  # heavy: only when a report is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted({p.intent for p in predictions})
    columns = rows + sorted({p.predicted for p in predictions} - set(rows))
    counts = Counter((p.intent, p.predicted) for p in predictions)
    matrix = [[counts[(r, c)] for c in columns] for r in rows]
    shares = [[value / max(1, sum(row)) for value in row] for row in matrix]
    size = max(6.0, 0.55 * len(columns) + 3)
    figure, axes = plt.subplots(figsize=(size, max(5.0, 0.5 * len(rows) + 2.5)))
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                colour = "white" if shares[i][j] > _DARK_CELL else "black"
                axes.text(j, i, str(value), ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("true intent")
    axes.set_title("Intent confusion (counts; colour = share of the true intent's examples)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


# --- the steps the scripts run ---------------------------------------------------------------


def prepare(out: Path) -> None:
    """Keep the last run's figures as `previous.json` and clear Rasa's old outputs."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / SUMMARY).exists():
        (out / SUMMARY).replace(out / PREVIOUS)
    for pattern in _RASA_OUTPUTS:
        for path in out.glob(pattern):
            path.unlink()


def report(out: Path, nlu_file: str, model: Path) -> Evaluation:
    current = read_intent_report(
        out / "intent_report.json", nlu_file=nlu_file, model=model_name(model)
    )
    errors = read_predictions(out / "intent_errors.json")
    everything = [*read_predictions(out / "intent_successes.json"), *errors]
    previous = _previous(out / PREVIOUS)
    plotted = plot_confusion(everything, out / CONFUSION_PNG)
    text = render_report(current, previous, errors, plot=CONFUSION_PNG if plotted else None)
    (out / REPORT).write_text(text, encoding="utf-8")
    _write_json(out / SUMMARY, current.to_json())
    return current


def _previous(path: Path) -> Evaluation | None:
    if not path.exists():
        return None
    try:
        return Evaluation.from_json(read_json(path))
    except (KeyError, TypeError, ValueError):
        return None  # an unreadable old summary only costs the comparison


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def cross_validation(out: Path, folds: int, nlu: str) -> Evaluation:
    """Summarise Rasa's cross-validation report (test folds) into summary.json and report.md."""
    current = read_intent_report(out / "intent_report.json", nlu_file=nlu, model=f"{folds}-fold")
    errors = read_predictions(out / "intent_errors.json")
    previous = _previous(out / PREVIOUS)
    text = render_report(current, previous, errors, plot=None).replace(
        "# NLU evaluation", f"# NLU {folds}-fold cross-validation", 1
    )
    (out / REPORT).write_text(text, encoding="utf-8")
    _write_json(out / SUMMARY, {**current.to_json(), "folds": folds})
    return current


# --- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ReviewError as exc:
        print(f"nlu: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.review.evaluation", description=__doc__)
    steps = parser.add_subparsers(dest="step", required=True)
    for name, run in (("prepare", _run_prepare), ("report", _run_report)):
        step = steps.add_parser(name)
        step.add_argument("--out", type=Path, required=True)
        step.add_argument("--nlu", default="tests/nlu/holdout.yml")
        step.add_argument("--model", type=Path, default=Path("models/latest.tar.gz"))
        step.set_defaults(run=run)
    check = steps.add_parser("gate")
    check.add_argument("--out", type=Path, required=True)
    check.add_argument("--baseline", type=Path, default=Path("tests/nlu/baseline.json"))
    check.add_argument("--nlu", default="tests/nlu/holdout.yml")
    check.add_argument("--model", type=Path, default=Path("models/latest.tar.gz"))
    check.add_argument("--update", action="store_true", help="rewrite the baseline")
    check.set_defaults(run=_run_gate)
    cv = steps.add_parser("cv")
    cv.add_argument("--out", type=Path, required=True)
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--nlu", default="nlu")
    cv.set_defaults(run=_run_cv)
    return parser


def _run_prepare(args: argparse.Namespace) -> int:
    prepare(args.out)
    return 0


def _run_report(args: argparse.Namespace) -> int:
    current = report(args.out, args.nlu, args.model)
    previous = _previous(args.out / PREVIOUS)
    change = f" ({current.macro_f1 - previous.macro_f1:+.3f})" if previous else ""
    print(f"nlu-eval: macro-F1 {current.macro_f1:.3f}{change}; report: {args.out / REPORT}")
    return 0


def _run_gate(args: argparse.Namespace) -> int:
    current = read_intent_report(
        args.out / "intent_report.json", nlu_file=args.nlu, model=model_name(args.model)
    )
    if args.update:
        margin = Baseline.read(args.baseline).margin if args.baseline.exists() else DEFAULT_MARGIN
        Baseline.of(current, margin).write(args.baseline)
        print(f"nlu-gate: baseline {args.baseline} rewritten: macro-F1 {current.macro_f1:.3f}")
        return 0
    if not args.baseline.exists():
        print(f"nlu-gate: no baseline at {args.baseline}: run scripts/nlu-gate --update")
        return 2
    result = gate(current, Baseline.read(args.baseline))
    print(result.message)
    return 0 if result.passed else 1


def _run_cv(args: argparse.Namespace) -> int:
    current = cross_validation(args.out, args.folds, args.nlu)
    print(f"nlu-cv: {args.folds}-fold macro-F1 {current.macro_f1:.3f}; report: {args.out / REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
