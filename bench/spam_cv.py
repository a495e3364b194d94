"""Cross-validation of the inbound spam detector on its own training data (no evaluation data).

    python -m bench.spam_cv [--folds 5] [--json]

How `lexicons/spam.yml`'s `learned: {half, full}` cut-offs were chosen (docs/spam.md). The
examples of bot/guard/training.py (the corpus and nlu/) are split into stratified folds; each
fold's classifier is trained on the other folds and the whole inbound guard, written signals
included, inspects the held-out fold with it. Reported per source of examples: the share
flagged `spam` (spam sources: recall; the others: false alarms), for the configured cut-offs
and for a grid of others, plus the learned classifier alone.

Each pair of cut-offs also gets a cost: a spam message let through costs 1 (it goes on to Rasa,
whose `spam` intent or a fallback still hands it to staff), group chatter taken for spam 2, and
a buyer taken for spam 10 (nlu/ buyers and corpus/chatter-buyers.txt: the buyer is handed to
the complaint flow and gets no answer). The configured pair should be at or near the cheapest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections import defaultdict
from collections.abc import Sequence

from bench.guard import NLU_DIR
from bot.guard.inbound import InboundGuard
from bot.guard.spam import Learned
from bot.guard.training import Example, train_spam, training_examples
from bot.models import InboundFlag

COST_MISSED_SPAM, COST_CHATTER, COST_BUYER = 1, 2, 10
BUYER_SOURCES = ("nlu/ buyers", "corpus/chatter-buyers.txt")
# (half, full) pairs besides the configured one; full 1.0: the classifier never decides alone;
# (1.0, 1.0): the written signals alone.
GRID = [
    (0.6, 0.9),
    (0.7, 0.9),
    (0.7, 0.95),
    (0.8, 0.95),
    (0.9, 0.9),
    (0.5, 1.0),
    (0.7, 1.0),
    (0.9, 1.0),
    (1.0, 1.0),
]
SEED = 0


def folds(examples: Sequence[Example], count: int) -> list[list[int]]:
    """Indices of `examples` in `count` folds, each with its share of spam and of the rest."""
    shuffled = list(range(len(examples)))
    random.Random(SEED).shuffle(shuffled)
    result: list[list[int]] = [[] for _ in range(count)]
    for spam in (True, False):
        members = [i for i in shuffled if examples[i].spam is spam]
        for position, index in enumerate(members):
            result[position % count].append(index)
    return result


def out_of_fold(
    guard: InboundGuard, examples: Sequence[Example], count: int
) -> tuple[list[float], dict[tuple[float, float], list[bool]]]:
    """Each example's probability from the classifier that never saw it, and whether the guard
    flags it spam at each pair of cut-offs (the configured pair included)."""
    probabilities = [0.0] * len(examples)
    configured = (guard.spam.learned.half, guard.spam.learned.full)
    flagged: dict[tuple[float, float], list[bool]] = {
        pair: [False] * len(examples) for pair in [configured, *GRID]
    }
    for test in folds(examples, count):
        held_out = set(test)
        train = [e for i, e in enumerate(examples) if i not in held_out]
        spam = dataclasses.replace(guard.spam, classifier=train_spam(train))
        for pair in flagged:
            learned = Learned(*pair, weight=spam.learned.weight)
            fold_guard = dataclasses.replace(guard, spam=dataclasses.replace(spam, learned=learned))
            for index in test:
                result = fold_guard.inspect(examples[index].text)
                flagged[pair][index] = InboundFlag.SPAM in result.flags
        for index in test:
            probabilities[index] = spam.classifier.probability(examples[index].text)
    return probabilities, flagged


def by_source(examples: Sequence[Example], hits: Sequence[bool]) -> dict[str, float]:
    """The share of `hits` per example source (nlu/ split into its spam and its buyers)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for example, hit in zip(examples, hits, strict=True):
        source = example.source
        if source.startswith("nlu/"):
            source = "nlu/ spam intent" if example.spam else "nlu/ buyers"
        counts[source][0] += hit
        counts[source][1] += 1
    return {source: round(hit / total, 4) for source, (hit, total) in sorted(counts.items())}


def cost(examples: Sequence[Example], hits: Sequence[bool]) -> int:
    """The cost of `hits` (see the module docstring)."""
    total = 0
    for example, hit in zip(examples, hits, strict=True):
        if example.spam:
            total += COST_MISSED_SPAM * (not hit)
        elif hit:
            buyer = example.source.startswith("nlu/") or example.source in BUYER_SOURCES
            total += COST_BUYER if buyer else COST_CHATTER
    return total


def run(count: int) -> dict[str, dict[str, float]]:
    guard = InboundGuard.load()
    examples = training_examples(NLU_DIR)
    probabilities, flagged = out_of_fold(guard, examples, count)
    configured = (guard.spam.learned.half, guard.spam.learned.full)
    report = {}
    for pair, hits in flagged.items():
        name = f"guard at {pair}" + (" (configured)" if pair == configured else "")
        report[name] = by_source(examples, hits) | {"cost": float(cost(examples, hits))}
    for cut in (0.8, 0.9):
        hits = [p >= cut for p in probabilities]
        report[f"classifier alone >= {cut}"] = by_source(examples, hits) | {
            "cost": float(cost(examples, hits))
        }
    return report


def _table(report: dict[str, dict[str, float]]) -> str:
    sources = list(next(iter(report.values())))  # the first entry is the configured pair
    lines = ["flagged spam, by source of examples (spam sources: recall; others: false alarms)"]
    for name, shares in report.items():
        lines.append(f"\n{name}")
        lines += [f"  {source:<32}{shares[source]:>8.4f}" for source in sources]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.spam_cv", description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.folds)
    print(json.dumps(report, indent=2) if args.json else _table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
