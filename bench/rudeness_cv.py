"""Cross-validation of the outbound rudeness classifier on the project's own seller replies.

    python -m bench.rudeness_cv [--folds 5] [--json]

How `lexicons/rudeness.yml`'s cut-offs were chosen (docs/guard.md). The *dev* part of the
replies (bot/guard/training.py: the held-out fifth is never used here) and the shop's snippets
are split into stratified folds; each fold's model is trained on the other folds, and each
reply of the fold is scored the way the check scores it (sentence by sentence, with the
anchors; its highest probability per rule). Reported for a grid of cut-offs: per rule the
model's recall on that rule's replies, and its false alarms on the clean replies and on the
snippets. Then the whole check (lexicons and the fold's model at the configured cut-offs):
violation recall, rule recall and false alarms, per fold pooled.

The configured cut-off is the lowest whose pooled false alarms on clean replies stay at or
under `FP_BUDGET` (the lexicons have their own false alarms, and the two together must stay
under Ozon's 2 %).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Iterable, Sequence

from bench.guard import KNOWLEDGE_DIR, NLU_DIR
from bot.guard.normalize import fold
from bot.guard.outbound import OutboundGuard
from bot.guard.rudeness import CLASSES, Cutoffs, RudenessModel
from bot.guard.training import (
    CLEAN,
    Reply,
    fit_rudeness,
    replies,
    rudeness_training_set,
)
from bot.models import Rule

GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
FP_BUDGET = 0.01
SEED = 0


def folds(items: Sequence[Reply], count: int) -> list[list[int]]:
    """Indices of `items` in `count` folds, each with its share of every rule."""
    shuffled = list(range(len(items)))
    random.Random(SEED).shuffle(shuffled)
    result: list[list[int]] = [[] for _ in range(count)]
    for rule in sorted({item.rule for item in items}):
        members = [i for i in shuffled if items[i].rule == rule]
        for position, index in enumerate(members):
            result[position % count].append(index)
    return result


def highest(model: RudenessModel, text: str) -> dict[Rule, float]:
    """The highest probability per rule over the sentences the check would judge."""
    best = dict.fromkeys(CLASSES, 0.0)
    for _, probabilities in model.sentences(fold(text)):
        for rule, probability in probabilities.items():
            best[rule] = max(best[rule], probability)
    return best


def run(count: int) -> dict[str, float]:
    items = rudeness_training_set(NLU_DIR, KNOWLEDGE_DIR)
    everything = [r for r in replies() if not r.heldout]
    guard = OutboundGuard.load()
    cutoffs = Cutoffs.load()
    scores: list[tuple[Reply, dict[Rule, float]]] = []
    checked: list[tuple[Reply, frozenset[Rule]]] = []
    for fold_indices in folds(items, count):
        held = set(fold_indices)
        model = RudenessModel.of(
            fit_rudeness([r for i, r in enumerate(items) if i not in held]), cutoffs
        )
        fold_guard = dataclasses.replace(guard, rudeness=model)
        for index in fold_indices:
            scores.append((items[index], highest(model, items[index].text)))
        # The rest of the dev replies (competitor, profanity) are never trained on: check
        # them with the fold's model too, once (in the first fold).
        if not checked:
            checked += [
                (r, fold_guard.check(r.text).rules) for r in everything if r not in set(items)
            ]
        checked += [(items[i], fold_guard.check(items[i].text).rules) for i in fold_indices]
    never = dataclasses.replace(cutoffs, probability=dict.fromkeys(CLASSES, 2.0))
    silent = dataclasses.replace(guard.rudeness, cutoffs=never)
    lexicons = dataclasses.replace(guard, rudeness=silent)
    alone = [(r, lexicons.check(r.text).rules) for r, _ in checked]
    return _figures(scores, checked) | {
        f"lexicons_only_{name}": value
        for name, value in _figures(scores, alone).items()
        if name.startswith("check_")
    }


def _figures(
    scores: list[tuple[Reply, dict[Rule, float]]], checked: list[tuple[Reply, frozenset[Rule]]]
) -> dict[str, float]:
    figures: dict[str, float] = {}
    for cutoff in GRID:
        for rule in CLASSES:
            mine = [s[rule] >= cutoff for r, s in scores if r.rule == rule.value]
            figures[f"model_{rule}_recall@{cutoff}"] = _share(mine)
        clean = [any(p >= cutoff for p in s.values()) for r, s in scores if r.rule == CLEAN]
        corpus_clean = [
            any(p >= cutoff for p in s.values())
            for r, s in scores
            if r.rule == CLEAN and r.source.startswith("replies/")
        ]
        figures[f"model_clean_fp@{cutoff}"] = _share(corpus_clean)
        figures[f"model_all_clean_fp@{cutoff}"] = _share(clean)  # with snippets and buyers
    violating = [(r, rules) for r, rules in checked if r.rule]
    figures["check_violation_recall"] = _share(bool(rules) for _, rules in violating)
    figures["check_rule_recall"] = _share(Rule(r.rule) in rules for r, rules in violating)
    figures["check_clean_fp"] = _share(
        bool(rules) for r, rules in checked if r.rule == CLEAN and r.source.startswith("replies/")
    )
    figures["check_buyers_fp"] = _share(bool(rules) for r, rules in checked if r.source == "nlu/")
    figures["check_snippets_fp"] = _share(
        bool(rules) for r, rules in checked if r.source == "knowledge/"
    )
    return figures


def _share(values: Iterable[bool]) -> float:
    found = list(values)
    return round(sum(found) / len(found), 4) if found else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rudeness_cv", description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.folds)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:<40}{value:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
