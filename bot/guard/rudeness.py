"""The learned rudeness signal of the outbound check: meaning, not only word lists.

A tired seller at night is rude without a swear word: "вы хоть описание читали?", "сами
выбрали не тот размер, не наша проблема", "хватит нам писать", "это курьеры озона всё
разбили". Lexicons catch the families their authors thought of; a linear model over words,
word stems (the first five letters, which carry a Russian word across its endings) and stem
pairs generalises over the wording of the same families. It has one class per rule it speaks
for, `insult` (condescension, blaming the buyer, dismissing, mocking, "stop writing") and
`ozon_negative` (blaming Ozon's couriers, warehouses, pickup points, support, rules, fees).

It is trained by `make train` on the seller replies the project wrote (`corpus/replies/`: rude
families, their paraphrases and hard negatives such as polite refusals, firm but correct
answers and quotes of the buyer) and on the shop's own snippets (`knowledge/`), see
`bot.guard.training`. Each sentence is scored on its own, so a violation points at the
sentence that is rude. The cut-offs (lexicons/rudeness.yml) were chosen under cross-validation
on the project's own data (`python -m bench.rudeness_cv`, docs/guard.md).

Cost: one dictionary lookup per word, stem and stem pair: linear in the text, a few
microseconds for a reply.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError
from bot.guard.learned import MODEL_DIR, LinearModel
from bot.guard.lexicon import LEXICON_DIR, read_yaml
from bot.guard.normalize import fold, unmix
from bot.guard.spans import Span
from bot.models import Rule

RUDENESS_MODEL = "rudeness"
CLASSES = (Rule.INSULT, Rule.OZON_NEGATIVE)
STEM = 5
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"[^.!?…\n]+[.!?…\n]*")
_WHERE = str(LEXICON_DIR / "rudeness.yml")


def reply_features(view: str) -> list[str]:
    """The terms of a folded, unmixed text: the stem of each word (its first `STEM` letters)
    and each pair of neighbouring stems. (Whole words besides did no better under
    cross-validation and cost a third more lookups: bench/rudeness_cv.py, docs/guard.md.)"""
    return _terms(_WORD.findall(view))


def _terms(words: list[str]) -> list[str]:
    stems = [word[:STEM] for word in words]
    return stems + [f"{first} {second}" for first, second in itertools.pairwise(stems)]


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Per rule, the probability from which a sentence violates it; the words a sentence
    needs before it is judged at all; and, per rule, stems one of which must occur in the
    sentence (an Ozon-negative sentence names Ozon or its parts)."""

    probability: Mapping[Rule, float]
    min_words: int
    anchors: Mapping[Rule, tuple[str, ...]]

    @classmethod
    def load(cls) -> Cutoffs:
        data = read_yaml("rudeness.yml")
        cutoffs = data.get("cutoffs")
        if not isinstance(cutoffs, dict) or set(cutoffs) != {r.value for r in CLASSES}:
            raise ConfigError(_WHERE, f"'cutoffs' must give a probability for {list(CLASSES)}")
        probability = {Rule(name): float(value) for name, value in cutoffs.items()}
        if not all(0 < p <= 1 for p in probability.values()):
            raise ConfigError(_WHERE, "cut-offs are probabilities in (0, 1]")
        anchors = data.get("anchors", {})
        if not isinstance(anchors, dict):
            raise ConfigError(_WHERE, "'anchors' must map a rule to a list of stems")
        return cls(
            probability,
            int(data.get("min_words", 2)),
            {Rule(name): tuple(fold(s) for s in stems) for name, stems in anchors.items()},
        )


@dataclass(frozen=True, slots=True)
class RudenessModel:
    model: LinearModel
    cutoffs: Cutoffs
    _rules: tuple[Rule, ...]

    @classmethod
    def of(cls, model: LinearModel, cutoffs: Cutoffs) -> RudenessModel:
        rules = tuple(Rule(name) for name in model.classes)
        if set(rules) != set(CLASSES):
            raise ConfigError(RUDENESS_MODEL, f"not a rudeness model: classes {model.classes}")
        return cls(model, cutoffs, rules)

    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR) -> RudenessModel:
        return cls.of(LinearModel.load(model_dir / f"{RUDENESS_MODEL}.npz"), Cutoffs.load())

    def spans(self, view: str) -> dict[Rule, list[Span]]:
        """The sentences of `view` (a folded text with look-alike letters unmixed, such as
        `normalize.phrase_text`: same indices as the original) that the model takes for each
        rule. Decision values are compared with the cut-offs' logits: no sigmoid per sentence,
        and the anchors are looked for only when a sentence reaches a cut-off."""
        found: dict[Rule, list[Span]] = {}
        limits = self._limits
        for match in _SENTENCE.finditer(view):
            words = _WORD.findall(match.group())
            if len(words) < self.cutoffs.min_words:
                continue
            scores = self.model.scores(_terms(words))
            for rule, score, limit in zip(self._rules, scores, limits, strict=True):
                if score >= limit and self._anchored(rule, match.group()):
                    found.setdefault(rule, []).append(_trimmed(match))
        return found

    @property
    def _limits(self) -> tuple[float, ...]:
        return tuple(_logit(self.cutoffs.probability[rule]) for rule in self._rules)

    def sentences(self, folded: str) -> Iterator[tuple[Span, dict[Rule, float]]]:
        """Each sentence of a folded text the model judges, with its probability per rule (0
        for a rule whose anchors the sentence lacks): what `spans` decides on, for benchmarks."""
        for match in _SENTENCE.finditer(unmix(folded)):
            sentence = match.group()
            words = _WORD.findall(sentence)
            if len(words) < self.cutoffs.min_words:
                continue
            probabilities = self.model.probabilities(_terms(words))
            yield (
                _trimmed(match),
                {
                    rule: probability if self._anchored(rule, sentence) else 0.0
                    for rule, probability in zip(self._rules, probabilities, strict=True)
                },
            )

    def probabilities(self, text: str) -> dict[Rule, float]:
        """The model's probability of each rule for the whole `text` (for benchmarks)."""
        values = self.model.probabilities(reply_features(unmix(fold(text))))
        return dict(zip(self._rules, values, strict=True))

    def _anchored(self, rule: Rule, sentence: str) -> bool:
        anchors = self.cutoffs.anchors.get(rule)
        return anchors is None or any(anchor in sentence for anchor in anchors)


def _logit(probability: float) -> float:
    """The decision value at which the model's probability is `probability`."""
    if probability >= 1.0:
        return math.inf
    return math.log(probability / (1.0 - probability))


def _trimmed(match: re.Match[str]) -> Span:
    """The span of a sentence without the spaces around it."""
    text = match.group()
    start = match.start() + len(text) - len(text.lstrip())
    return start, match.start() + len(text.rstrip())
