"""Tune the FallbackClassifier threshold: k-fold cross-validation of nlu/, or a trained model on
held-out text.

    scripts/tune-fallback [--folds 5] [--out reports/fallback]       # trains k models (~2 min)
    scripts/tune-fallback --predictions reports/fallback/predictions.json   # re-analyse only
    scripts/tune-fallback --evaluate tests/nlu/holdout.yml --model models/latest.tar.gz
                          # the same tables for the deployed model on text it never saw

Each fold trains the pipeline of config.yml WITHOUT its FallbackClassifier and
StrictIntentFallback on the other folds of nlu/ and parses the held-out examples, keeping every
prediction's top-two confidences. Then every (threshold, ambiguity_threshold) pair is scored as
the FallbackClassifier would apply it (the stricter spam threshold is not simulated:
docs/fallback-threshold.md, "Stricter for spam"):

    fallback   = top1 < threshold  or  top1 - top2 < ambiguity_threshold
    wrong      accepted, wrong intent, and the predicted intent is answered by the bot
               (the buyer gets a wrong answer)                                  cost 2
    detour     a correct prediction thrown away by the fallback (the buyer is asked to
               rephrase), or accepted but wrongly escalated / escalated with the wrong
               reason, or wrongly sent to out_of_scope                           cost 1

and the pair with the lowest total cost wins (ties: the lower threshold). Which data set decided
the configured value, and why, is recorded in docs/fallback-threshold.md. A wrong answer costs
twice a detour: it misinforms the buyer AND still ends in a repeat or an escalation, while a
detour costs one extra message or a glance from staff. The eval data (../shared/eval) is never
used.
"""

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

REPO = Path(__file__).resolve().parents[1]

ESCALATION_REASON = {
    "defective_item": "dispute",
    "wrong_item": "dispute",
    "not_received": "dispute",
    "complaint": "dispute",
    "human_request": "human_request",
    "abusive": "abuse",
    "spam": "spam",
}
UNCLEAR = "out_of_scope"
FALLBACK = "nlu_fallback"
# Both turn a real intent into `nlu_fallback`; the folds' models must show what is behind it.
FALLBACK_COMPONENTS = frozenset(
    {"FallbackClassifier", "policies.strict_intents.StrictIntentFallback"}
)
THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 20)]
AMBIGUITIES = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2]
WRONG_COST, DETOUR_COST = 2, 1
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@dataclass(frozen=True)
class Prediction:
    text_lang: str  # "ru" when the text has Cyrillic letters, else "en"
    gold: str
    predicted: str
    top1: float
    top2: float


@dataclass(frozen=True)
class Score:
    threshold: float
    ambiguity: float
    correct: int
    wrong: int
    detour: int
    caught: int
    fallback_rate: float
    cost: int


# --- cross-validation ------------------------------------------------------------------------


def config_without_fallback(out: Path) -> Path:
    from rasa.shared.utils.io import read_yaml_file, write_yaml

    config = cast("dict[str, Any]", read_yaml_file(REPO / "config.yml"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] not in FALLBACK_COMPONENTS]
    path = out / "config-no-fallback.yml"
    write_yaml(config, path)
    return path


def stratified_folds(examples: Sequence[Any], folds: int) -> Iterable[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    labels = [example.get("intent") for example in examples]
    # A fixed seed: the table in docs/fallback-threshold.md must be reproducible.
    # scikit-learn has no type hints.
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=20261121)  # type: ignore[no-untyped-call]
    for train, test in splitter.split(examples, labels):  # type: ignore[no-untyped-call]
        yield list(train), list(test)


def train_fold(data: Any, train_index: list[int], config: Path, work: Path, fold: int) -> str:
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    train = TrainingData(
        training_examples=[data.intent_examples[i] for i in train_index],
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
    )
    nlu_file = work / f"fold{fold}-train.yml"
    RasaYAMLWriter().dump(nlu_file, train)
    model = train_nlu(str(config), str(nlu_file), str(work), fixed_model_name=f"fold{fold}")
    if model is None:
        raise SystemExit(f"fold {fold}: training failed")
    return model


async def predict_fold(model: str, examples: Sequence[Any]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    predictions = []
    for example in examples:
        text = example.get("text")
        parsed = await agent.parse_message(text)
        # A model with a FallbackClassifier puts `nlu_fallback` on top of the real ranking.
        ranking = [
            r for r in parsed.get("intent_ranking") or [parsed["intent"]] if r["name"] != FALLBACK
        ]
        if not ranking:
            # policies/unreadable.py empties the ranking of text no training word resembles:
            # a fallback at any threshold.
            ranking = [{"name": FALLBACK, "confidence": 0.0}]
        top2 = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        predictions.append(
            Prediction(
                text_lang="ru" if CYRILLIC.search(text) else "en",
                gold=example.get("intent"),
                predicted=ranking[0]["name"],
                top1=float(ranking[0]["confidence"]),
                top2=float(top2),
            )
        )
    return predictions


def evaluate(model: Path, nlu_file: Path) -> list[Prediction]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(nlu_file)).intent_examples
    return asyncio.run(predict_fold(str(model), examples))


def cross_validate(folds: int, out: Path, nlu: Path) -> list[Prediction]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu))
    config = config_without_fallback(out)
    predictions: list[Prediction] = []
    with tempfile.TemporaryDirectory(prefix="tune-fallback-") as tmp:
        for fold, (train_index, test_index) in enumerate(
            stratified_folds(data.intent_examples, folds)
        ):
            started = time.monotonic()
            model = train_fold(data, train_index, config, Path(tmp), fold)
            test = [data.intent_examples[i] for i in test_index]
            predictions += asyncio.run(predict_fold(model, test))
            print(
                f"fold {fold + 1}/{folds}: {len(test)} examples, {time.monotonic() - started:.0f} s"
            )
    return predictions


# --- scoring ---------------------------------------------------------------------------------


def outcome(p: Prediction, threshold: float, ambiguity: float) -> str:
    falls_back = p.top1 < threshold or (p.top1 - p.top2) < ambiguity
    if falls_back:
        return "detour" if p.predicted == p.gold else "caught"
    if p.predicted == p.gold:
        return "correct"
    if p.predicted in ESCALATION_REASON:
        same = ESCALATION_REASON.get(p.gold) == ESCALATION_REASON[p.predicted]
        return "correct" if same else "detour"
    if p.predicted == UNCLEAR:
        return "detour"
    return "wrong"


def score(
    predictions: Sequence[Prediction],
    threshold: float,
    ambiguity: float,
    wrong_cost: int = WRONG_COST,
) -> Score:
    counts = {"correct": 0, "wrong": 0, "detour": 0, "caught": 0}
    fallbacks = 0
    for p in predictions:
        counts[outcome(p, threshold, ambiguity)] += 1
        fallbacks += p.top1 < threshold or (p.top1 - p.top2) < ambiguity
    cost = wrong_cost * counts["wrong"] + DETOUR_COST * counts["detour"]
    return Score(
        threshold, ambiguity, **counts, fallback_rate=fallbacks / len(predictions), cost=cost
    )


FINE = [round(0.01 * i, 2) for i in range(0, 96)]


def best(
    predictions: Sequence[Prediction],
    ambiguities: Sequence[float] = AMBIGUITIES,
    wrong_cost: int = WRONG_COST,
) -> Score:
    scores = [score(predictions, t, a, wrong_cost) for a in ambiguities for t in FINE]
    return min(scores, key=lambda s: (s.cost, s.threshold, s.ambiguity))


def table(predictions: Sequence[Prediction], ambiguity: float) -> list[str]:
    n = len(predictions)
    lines = [
        f"ambiguity_threshold = {ambiguity}; {n} predictions",
        "",
        "| threshold | fallback | wrong answer | detour | caught | cost |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for t in THRESHOLDS:
        s = score(predictions, t, ambiguity)
        lines.append(
            f"| {t:.2f} | {s.fallback_rate:.1%} | {s.wrong} ({s.wrong / n:.1%}) "
            f"| {s.detour} ({s.detour / n:.1%}) | {s.caught} | {s.cost} |"
        )
    return lines


def by_ambiguity(predictions: Sequence[Prediction]) -> list[str]:
    lines = [
        "best threshold for each ambiguity_threshold:",
        "",
        "| ambiguity | threshold | cost | wrong | detour | fallback |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for a in AMBIGUITIES:
        s = best(predictions, [a])
        lines.append(
            f"| {a} | {s.threshold:.2f} | {s.cost} | {s.wrong} | {s.detour} "
            f"| {s.fallback_rate:.1%} |"
        )
    return lines


def by_wrong_cost(predictions: Sequence[Prediction]) -> list[str]:
    lines = [
        "sensitivity to the cost of a wrong answer (a detour costs 1):",
        "",
        "| wrong answer costs | threshold | wrong | detour | fallback |",
        "|---:|---:|---:|---:|---:|",
    ]
    for wrong_cost in (1, 2, 3, 4):
        s = best(predictions, AMBIGUITIES, wrong_cost)
        lines.append(
            f"| {wrong_cost} | {s.threshold:.2f} | {s.wrong} | {s.detour} | {s.fallback_rate:.1%} |"
        )
    return lines


def accuracy_by_language(predictions: Sequence[Prediction]) -> list[str]:
    lines = []
    for lang in ("ru", "en", None):
        part = [p for p in predictions if lang in (None, p.text_lang)]
        if part:
            accuracy = sum(p.predicted == p.gold for p in part) / len(part)
            name = lang or "all"
            lines.append(f"- {name}: {len(part)} examples, top-1 accuracy {accuracy:.1%}")
    return lines


def summary(predictions: Sequence[Prediction]) -> str:
    chosen = best(predictions)
    head = [
        f"chosen: threshold {chosen.threshold:.2f}, ambiguity_threshold {chosen.ambiguity} "
        f"(cost {chosen.cost}: {chosen.wrong} wrong answers, {chosen.detour} detours, "
        f"{chosen.caught} errors caught, fallback rate {chosen.fallback_rate:.1%})",
    ]
    sections = [
        head,
        accuracy_by_language(predictions),
        by_ambiguity(predictions),
        by_wrong_cost(predictions),
        table(predictions, chosen.ambiguity),
    ]
    return "\n\n".join("\n".join(section) for section in sections)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "reports" / "fallback")
    parser.add_argument("--predictions", type=Path, help="re-analyse saved predictions only")
    parser.add_argument("--nlu", type=Path, default=REPO / "nlu", help="NLU data (default nlu/)")
    parser.add_argument("--evaluate", type=Path, help="NLU file to parse with --model")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "latest.tar.gz")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.predictions:
        predictions = [Prediction(**p) for p in json.loads(args.predictions.read_text())]
    else:
        if args.evaluate:
            predictions = evaluate(args.model, args.evaluate)
            args.out = args.out / f"evaluate-{args.evaluate.stem}"
            args.out.mkdir(parents=True, exist_ok=True)
        else:
            predictions = cross_validate(args.folds, args.out, args.nlu)
        saved = args.out / "predictions.json"
        saved.write_text(json.dumps([asdict(p) for p in predictions], ensure_ascii=False))
        print(f"predictions saved to {saved}")
    report = summary(predictions)
    (args.out / "summary.md").write_text(report + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
