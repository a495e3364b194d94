"""English intent accuracy of a trained model on the Bitext customer-support requests.

    python -m bench.nlu_bitext [--model models/latest.tar.gz] [--data PATH] [--out DIR] [--json]

The data (`../shared/eval/bitext_customer_support/bitext_mapped.tsv`, see that folder's README)
is for measuring only: nothing from it is in `nlu/`, and nothing is trained on it. Its column
`intent` maps each Bitext request onto this project's intents; `mapping` says whether the
mapping is `strong` (the headline figure) or `weak` (reported separately: e.g. "check
cancellation fee" counted as `order_cancel`).

The requests are written, under `--out` (default `reports/nlu-bitext/`, never committed), as a
temporary Rasa NLU file and scored by Rasa's own `rasa test nlu` against exactly the model
given. Figures per mapping:

- `accuracy`: the classifier's top intent is the mapped one. `rasa test nlu` scores the intent
  behind an `nlu_fallback`, so this is the classifier's own accuracy.
- `accepted_accuracy`: correct AND at or above the FallbackClassifier threshold of config.yml,
  i.e. the buyer would be answered from this intent, not asked to rephrase.
- `fallback_share`: below the threshold (the bot would ask to rephrase). The ambiguity check is
  not modelled: it never fires at the configured threshold (docs/fallback-threshold.md).

Takes about a minute and a half on two cores (loading the model, then ~4,500 parses).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from bot.models import Intent

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "bitext_customer_support" / "bitext_mapped.tsv"
DEFAULT_OUT = ROOT / "reports" / "nlu-bitext"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
CONFUSIONS_SHOWN = 8


class Strength(StrEnum):
    """How well a Bitext intent matches ours (column `mapping`)."""

    STRONG = "strong"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Request:
    text: str
    intent: Intent
    strength: Strength
    category: str
    """Bitext's own intent (column `bitext_intent`): shows where the mapping and our intent
    definitions disagree, e.g. `change_shipping_address` mapped to `out_of_scope` while our
    `order_change` covers changing the delivery address."""


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Score:
    """The figures of one mapping strength."""

    examples: int
    accuracy: float
    accepted_accuracy: float
    fallback_share: float
    per_intent: dict[str, float]
    per_category: dict[str, tuple[int, float, str]]
    """Bitext category → (requests, accuracy, the intent most often predicted)."""
    confusions: list[tuple[str, str, int]]

    def as_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "accuracy": round(self.accuracy, 4),
            "accepted_accuracy": round(self.accepted_accuracy, 4),
            "fallback_share": round(self.fallback_share, 4),
            "per_intent_accuracy": {k: round(v, 4) for k, v in sorted(self.per_intent.items())},
            "per_category": {
                name: {"examples": n, "accuracy": round(accuracy, 4), "most_predicted": top}
                for name, (n, accuracy, top) in sorted(self.per_category.items())
            },
            "confusions": [
                {"intent": g, "predicted": p, "count": n} for g, p, n in self.confusions
            ],
        }


# --- input -----------------------------------------------------------------------------------


def read_requests(path: Path) -> list[Request]:
    """The TSV rows, parsed; a row with an unknown intent or mapping is an error."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    requests = []
    for number, row in enumerate(rows, start=2):
        intent = Intent.parse(row["intent"])
        if intent is None or row["mapping"] not in set(Strength):
            raise ValueError(f"{path}:{number}: unknown intent or mapping")
        requests.append(
            Request(clean(row["text"]), intent, Strength(row["mapping"]), row["bitext_intent"])
        )
    return requests


def clean(text: str) -> str:
    """One line, and no square brackets: Rasa would read `[x](y)` as an entity annotation."""
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def fallback_threshold(config: Path) -> float:
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    for component in document["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"])
    return 0.0


# --- running Rasa ----------------------------------------------------------------------------


def write_nlu_file(requests: Iterable[Request], path: Path) -> None:
    by_intent: dict[str, list[str]] = {}
    for request in requests:
        by_intent.setdefault(request.intent.value, []).append(request.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in sorted(by_intent.items()):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rasa_test(model: Path, nlu_file: Path, out: Path) -> None:
    """`rasa test nlu` with successes and errors written to `out`; its log to `out/rasa.log`."""
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # The model's dialogue part imports the custom policy from the repository root.
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(RASA), "test", "nlu", "--nlu", str(nlu_file), "--model", str(model),
        "--out", str(out), "--successes", "--no-plot",
    ]  # fmt: skip
    log = out / "rasa.log"
    with log.open("wb") as handle:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(f"rasa test nlu failed ({done.returncode}), see {log}")


def read_predictions(out: Path) -> dict[str, Prediction]:
    """Text → the classifier's top intent, from Rasa's successes and errors files."""
    predictions: dict[str, Prediction] = {}
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        for entry in entries:
            predicted = entry.get("intent_prediction") or {}
            predictions[str(entry["text"])] = Prediction(
                str(predicted.get("name")), float(predicted.get("confidence") or 0.0)
            )
    return predictions


# --- scoring ---------------------------------------------------------------------------------


def score(
    requests: Sequence[Request], predictions: Mapping[str, Prediction], threshold: float
) -> Score:
    missing = [r for r in requests if r.text not in predictions]
    if missing:
        raise RuntimeError(f"rasa test nlu returned no prediction for {len(missing)} requests")
    pairs = [(r, predictions[r.text]) for r in requests]
    if not pairs:
        return Score(0, 0.0, 0.0, 0.0, {}, {}, [])
    right = [r.intent.value == p.intent for r, p in pairs]
    sure = [p.confidence >= threshold for _, p in pairs]
    totals = Counter(r.intent.value for r, _ in pairs)
    hits = Counter(r.intent.value for (r, _), ok in zip(pairs, right, strict=True) if ok)
    wrong = Counter((r.intent.value, p.intent) for r, p in pairs if r.intent.value != p.intent)
    return Score(
        examples=len(pairs),
        accuracy=sum(right) / len(pairs),
        accepted_accuracy=sum(ok and s for ok, s in zip(right, sure, strict=True)) / len(pairs),
        fallback_share=sure.count(False) / len(pairs),
        per_intent={intent: hits[intent] / n for intent, n in totals.items()},
        per_category=by_category(pairs),
        confusions=[(g, p, n) for (g, p), n in wrong.most_common(CONFUSIONS_SHOWN)],
    )


def by_category(pairs: Sequence[tuple[Request, Prediction]]) -> dict[str, tuple[int, float, str]]:
    predicted: dict[str, Counter[str]] = {}
    for request, prediction in pairs:
        predicted.setdefault(request.category, Counter())[prediction.intent] += 1
    mapped = {request.category: request.intent.value for request, _ in pairs}
    result = {}
    for category, counts in predicted.items():
        total = sum(counts.values())
        result[category] = (total, counts[mapped[category]] / total, counts.most_common(1)[0][0])
    return result


def render(scores: Mapping[Strength, Score], model: Path) -> str:
    lines = [f"Bitext customer support (English), model {model.resolve().name}"]
    for strength, result in scores.items():
        lines.append(
            f"\n{strength.value}: {result.examples} requests, accuracy {result.accuracy:.3f}, "
            f"accepted and right {result.accepted_accuracy:.3f}, "
            f"fallback {result.fallback_share:.3f}"
        )
        for intent, value in sorted(result.per_intent.items(), key=lambda item: item[1]):
            lines.append(f"  {intent:22s} {value:.3f}")
        lines += [f"  confused: {g} -> {p}: {n}" for g, p, n in result.confusions]
        lines.append("  by Bitext category (requests, accuracy, most often predicted):")
        for category, (n, accuracy, top) in sorted(result.per_category.items()):
            lines.append(f"    {category:26s} {n:4d} {accuracy:.3f} {top}")
    return "\n".join(lines)


# --- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_bitext", description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "latest.tar.gz")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--json", action="store_true", help="print summary.json instead")
    args = parser.parse_args(argv)
    for path in (args.model, args.data):
        if not path.exists():
            print(f"nlu_bitext: {path} not found", file=sys.stderr)
            return 2
    requests = read_requests(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    nlu_file = args.out / "bitext.yml"
    write_nlu_file(requests, nlu_file)
    rasa_test(args.model, nlu_file, args.out)
    predictions = read_predictions(args.out)
    threshold = fallback_threshold(args.config)
    scores = {
        strength: score([r for r in requests if r.strength is strength], predictions, threshold)
        for strength in Strength
    }
    summary = {
        "model": args.model.resolve().name,
        "fallback_threshold": threshold,
        **{strength.value: result.as_json() for strength, result in scores.items()},
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2) if args.json else render(scores, args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
