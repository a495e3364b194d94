"""Learned signals of the guard: linear models over n-grams, trained offline, scored here.

Two models, both TF-IDF (sublinear term frequency, L2-normalised) and logistic regression:

- the inbound **spam** classifier (`SpamClassifier`): character 2- to 5-grams inside words and
  words and word pairs, trained on the project's spam and chatter corpus (`corpus/`) and the Rasa
  NLU buyers (docs/spam.md);
- the outbound **rudeness** classifier (`bot.guard.rudeness`): words, word stems and stem pairs,
  one class per rule (`insult`, `ozon_negative`), trained on the project's seller replies
  (`corpus/replies/`, docs/guard.md).

`make train` (scripts/train-guard → `python -m bot.guard.training`) fits them with scikit-learn
and writes each as plain arrays (`<name>.npz`, `allow_pickle=False`, like
policies/linear_intent.py) under `models/guard/`. The worker only loads those arrays: it fits
nothing at start, and needs neither scikit-learn's fitting, nor `nlu/`, nor `bot.review`.
Scoring is done here from the weights, one dictionary lookup per n-gram, so a check does not
pay scikit-learn's per-call overhead.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.errors import ConfigError
from bot.guard.normalize import fold, unmix

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

MODEL_DIR = Path("models/guard")
"""Where `make train` writes the guard's models (relative to the working directory, like
`nlu/` and `knowledge/`; generated, never committed)."""
FORMAT_VERSION = 1
"""The layout of an artifact; a loader refuses another one (retrain with `make train`)."""
SPAM_MODEL = "spam"
CHAR_NGRAMS = (2, 5)
_WORD = re.compile(r"[@#]?\w+(?:[.'’-]\w+)*")


def features(text: str) -> list[str]:
    """The spam classifier's terms of `text`: character n-grams of each word padded with
    spaces, the words (`w:`) and the pairs of neighbouring words (`b:`)."""
    words = _WORD.findall(unmix(fold(text)))
    low, high = CHAR_NGRAMS
    terms: list[str] = []
    for word in words:
        padded = f" {word} "
        for n in range(low, high + 1):
            terms += [padded[i : i + n] for i in range(len(padded) - n + 1)]
        terms.append("w:" + word)
    terms += [f"b:{first} {second}" for first, second in itertools.pairwise(words)]
    return terms


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A fitted TF-IDF + logistic regression, one binary regression per class.

    For each known term: its squared inverse document frequency and, per class, its weight
    times its idf, so that scoring a term is one lookup and a few additions (a document's
    TF-IDF vector is L2-normalised, so its norm is the root of the summed squares)."""

    terms: Mapping[str, tuple[float, ...]] = field(repr=False)
    """term → (idf², idf·w₁, idf·w₂, ...)"""
    intercepts: tuple[float, ...]
    classes: tuple[str, ...]
    binary: bool = False
    """Term frequency 0/1 (the rudeness model) rather than 1 + log(count) (the spam model)."""
    fingerprint: str = ""
    """A digest of the training data (`training.fingerprint`), to trace a model to its data."""

    def scores(self, terms: Sequence[str]) -> list[float]:
        """The decision value of each class for a document of `terms`."""
        get = self.terms.get
        unique = set(terms)
        if self.binary or len(unique) == len(terms):
            found = [known for known in map(get, unique) if known is not None]
        else:
            found = [
                _scaled(known, count)
                for term, count in Counter(terms).items()
                if (known := get(term)) is not None
            ]
        if not found:
            return list(self.intercepts)
        if len(self.intercepts) == 2:  # the rudeness model, on every sentence of every check
            squares = first = second = 0.0
            for known in found:
                squares += known[0]
                first += known[1]
                second += known[2]
            norm = math.sqrt(squares)
            return [self.intercepts[0] + first / norm, self.intercepts[1] + second / norm]
        columns = list(zip(*found, strict=True))
        norm = math.sqrt(sum(columns[0]))
        pairs = zip(self.intercepts, columns[1:], strict=True)
        return [intercept + sum(column) / norm for intercept, column in pairs]

    def probabilities(self, terms: Sequence[str]) -> list[float]:
        return [_sigmoid(score) for score in self.scores(terms)]

    @classmethod
    def from_fitted(
        cls,
        vectorizer: TfidfVectorizer,
        models: Sequence[LogisticRegression],
        classes: Sequence[str],
        fingerprint: str = "",
    ) -> LinearModel:
        """The weights of a fitted vectorizer and one binary regression per class."""
        terms = {}
        for term, index in vectorizer.vocabulary_.items():
            idf = float(vectorizer.idf_[index])
            weights = (idf * float(model.coef_[0][index]) for model in models)
            terms[str(term)] = (idf * idf, *weights)
        intercepts = tuple(float(model.intercept_[0]) for model in models)
        return cls(terms, intercepts, tuple(classes), bool(vectorizer.binary), fingerprint)

    def save(self, path: Path) -> None:
        """Write the model as plain arrays (no pickle), atomically."""
        names = sorted(self.terms)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez(
            partial,
            format=np.array([FORMAT_VERSION]),
            terms=np.array(names, dtype=str),
            values=np.array([self.terms[t] for t in names], dtype=np.float64).reshape(
                len(names), 1 + len(self.classes)
            ),
            intercepts=np.array(self.intercepts, dtype=np.float64),
            classes=np.array(self.classes, dtype=str),
            binary=np.array([self.binary]),
            fingerprint=np.array([self.fingerprint], dtype=str),
        )
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """A model written by `save`; a missing or foreign file is a ConfigError naming
        `make train`, which builds it."""
        if not path.is_file():
            raise ConfigError(str(path), "no trained guard model: run `make train`")
        try:
            with np.load(path, allow_pickle=False) as arrays:
                if int(arrays["format"][0]) != FORMAT_VERSION:
                    raise ConfigError(str(path), "model of another format: run `make train`")
                values = map(tuple, arrays["values"].tolist())
                terms = dict(zip(arrays["terms"].tolist(), values, strict=True))
                intercepts = tuple(arrays["intercepts"].tolist())
                classes = tuple(arrays["classes"].tolist())
                binary = bool(arrays["binary"][0])
                fingerprint = str(arrays["fingerprint"][0])
        except (OSError, KeyError, ValueError) as exc:
            problem = f"unreadable guard model ({exc}): run `make train`"
            raise ConfigError(str(path), problem) from exc
        return cls(terms, intercepts, classes, binary, fingerprint)


def _scaled(known: tuple[float, ...], count: int) -> tuple[float, ...]:
    """A term's contributions when it occurs `count` times (sublinear tf: 1 + log count)."""
    if count == 1:
        return known
    tf = 1.0 + math.log(count)
    return (known[0] * tf * tf, *(value * tf for value in known[1:]))


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-score)) if score > -700 else 0.0


@dataclass(frozen=True, slots=True)
class SpamClassifier:
    """The spam model: how likely a message is spam, from its `features`."""

    terms: Mapping[str, tuple[float, ...]] = field(repr=False)
    """term → (idf², idf·weight), as in `LinearModel`."""
    intercept: float

    def probability(self, text: str) -> float:
        """How likely `text` is spam, 0 to 1 (the model's calibrated estimate)."""
        return self.model.probabilities(features(text))[0]

    @property
    def model(self) -> LinearModel:
        return LinearModel(self.terms, (self.intercept,), ("spam",))

    @classmethod
    def of(cls, model: LinearModel) -> SpamClassifier:
        if model.classes != ("spam",):
            raise ConfigError(SPAM_MODEL, f"not a spam model: classes {model.classes}")
        return cls(model.terms, model.intercepts[0])

    @classmethod
    def load(cls, model_dir: Path = MODEL_DIR) -> SpamClassifier:
        return cls.of(LinearModel.load(model_dir / f"{SPAM_MODEL}.npz"))
