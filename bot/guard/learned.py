"""A learned spam signal: how much a message reads like spam, from the project's own examples.

The hand-written signals of `lexicons/spam.yml` know the spam families their authors thought
of. On a corpus written apart from them (`corpus/`, ~660 spam lines) they found 57 %: a new
wording of the same offer slips through. A classifier over letters and words generalises over
wording; the spam score (`spam.SpamModel`) adds its verdict as one more signal, so the learned
part and the written part each cover what the other misses (docs/spam.md has the figures).

Training data, all written by the project (`../shared/eval` is only ever measured on):
- `corpus/spam-*.txt`: spam as mass-mailed to messenger groups and marketplace chats;
- `corpus/chatter-*.txt`: ordinary group chatter, much of it close to spam on purpose (talk
  about crypto, salaries and scams, links, @mentions, one bike for sale);
- the Rasa NLU data (`nlu/`, `OZONBOT_NLU_DIR`): examples of the `spam` intent are spam, and
  every other example is a buyer's message, which must never be taken for spam.

The model: TF-IDF (sublinear term frequency, L2-normalised) over character 2- to 5-grams inside
words and over words and word pairs of the folded text with look-alike letters unmixed, and a
logistic regression with balanced classes (C=10; docs/spam.md). scikit-learn fits it when the
guard loads (~2 s, once per process for the same data); scoring is done here from the fitted
weights, one dictionary lookup per n-gram, so `inspect` does not pay scikit-learn's per-call
overhead.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError, ReviewError
from bot.guard.normalize import fold, unmix
from bot.models import Intent

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

log = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).parent / "corpus"
REGULARISATION_C = 10.0
MIN_DOCUMENT_FREQUENCY = 2
"""A feature seen in one training message only is that message's, not spam's."""
CHAR_NGRAMS = (2, 5)
_WORD = re.compile(r"[@#]?\w+(?:[.'’-]\w+)*")
_COMMENT = re.compile(r"#(?:\s|$)")
_NLU_VARIABLE = "OZONBOT_NLU_DIR"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    spam: bool
    source: str
    """The file it came from, relative: corpus/spam-money.txt, nlu/smalltalk.yml."""


def features(text: str) -> list[str]:
    """The terms of `text`: character n-grams of each word padded with spaces, the words
    (`w:`) and the pairs of neighbouring words (`b:`)."""
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
class SpamClassifier:
    """The fitted model: for each known term its inverse document frequency and weight."""

    terms: Mapping[str, tuple[float, float]] = field(repr=False)
    intercept: float

    def probability(self, text: str) -> float:
        """How likely `text` is spam, 0 to 1 (the model's calibrated estimate)."""
        squares = dot = 0.0
        for term, count in Counter(features(text)).items():
            known = self.terms.get(term)
            if known is None:
                continue  # a term the training data never had (twice): no weight, no norm
            idf, weight = known
            value = idf if count == 1 else (1.0 + math.log(count)) * idf
            squares += value * value
            dot += value * weight
        score = self.intercept + (dot / math.sqrt(squares) if squares else 0.0)
        return 1.0 / (1.0 + math.exp(-score)) if score > -700 else 0.0

    @classmethod
    def train(cls, examples: Sequence[Example]) -> SpamClassifier:
        """Fit on `examples` (deterministic: the same examples give the same model)."""
        return cls.from_fitted(*fit(examples))

    @classmethod
    def from_fitted(cls, vectorizer: TfidfVectorizer, model: LogisticRegression) -> SpamClassifier:
        """The weights of a fitted `fit` pair, for scoring without scikit-learn."""
        weights = model.coef_[0]
        terms = {
            str(term): (float(vectorizer.idf_[index]), float(weights[index]))
            for term, index in vectorizer.vocabulary_.items()
        }
        return cls(terms, float(model.intercept_[0]))


def fit(examples: Sequence[Example]) -> tuple[TfidfVectorizer, LogisticRegression]:
    """The vectorizer and the logistic regression fitted on `examples`."""
    # scikit-learn and SciPy take ~0.5 s to import: only when a guard is built.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = [example.spam for example in examples]
    if all(labels) or not any(labels):
        raise ConfigError(str(CORPUS_DIR), "the spam classifier needs spam and other text")
    vectorizer = TfidfVectorizer(
        analyzer=features, sublinear_tf=True, min_df=MIN_DOCUMENT_FREQUENCY
    )
    matrix = vectorizer.fit_transform([example.text for example in examples])
    model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=5000)
    model.fit(matrix, labels)
    return vectorizer, model


def load_classifier(nlu_dir: Path, corpus_dir: Path = CORPUS_DIR) -> SpamClassifier:
    """The classifier trained on `corpus_dir` and the NLU data in `nlu_dir`; trained once per
    process for the same examples (every guard of a process shares it)."""
    return _trained(tuple(training_examples(nlu_dir, corpus_dir)))


@functools.lru_cache(maxsize=4)
def _trained(examples: tuple[Example, ...]) -> SpamClassifier:
    started = time.perf_counter()
    classifier = SpamClassifier.train(examples)
    log.info(
        "spam classifier trained on %d examples (%d spam, data %s) in %.1f s",
        len(examples),
        sum(example.spam for example in examples),
        fingerprint(examples),
        time.perf_counter() - started,
    )
    return classifier


def training_examples(nlu_dir: Path, corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """Every labelled message, in a fixed order: the corpus files, then the NLU files."""
    return [*corpus_examples(corpus_dir), *nlu_examples(nlu_dir)]


def corpus_examples(corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """The lines of `spam-*.txt` (spam) and `chatter-*.txt` (not spam) under `corpus_dir`."""
    examples: list[Example] = []
    for pattern, spam in (("spam-*.txt", True), ("chatter-*.txt", False)):
        files = sorted(corpus_dir.glob(pattern))
        if not files:
            raise ConfigError(str(corpus_dir), f"no {pattern} file for the spam classifier")
        for path in files:
            source = f"{corpus_dir.name}/{path.name}"
            examples += [Example(text, spam, source) for text in corpus_lines(path)]
    return examples


def corpus_lines(path: Path) -> list[str]:
    """The messages of a corpus file: one a line; blank lines and `# ` comments skipped (a
    hashtag such as "#работа" starts a message, not a comment)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not _COMMENT.match(line)]


def nlu_examples(nlu_dir: Path) -> list[Example]:
    """The examples of the Rasa NLU files in `nlu_dir`: `spam` is spam, any other intent not."""
    from bot.review.nlu_files import read_examples  # Rasa's YAML format, parsed in one place

    files = sorted(nlu_dir.glob("*.yml"))
    if not files:
        raise ConfigError(
            _NLU_VARIABLE,
            f"no Rasa NLU file in {nlu_dir}: the spam classifier learns buyers' language from it",
        )
    try:
        found = [example for path in files for example in read_examples(path)]
    except ReviewError as exc:
        raise ConfigError(_NLU_VARIABLE, str(exc)) from exc
    return [
        Example(e.text.plain, e.intent == Intent.SPAM, f"{nlu_dir.name}/{e.path.name}")
        for e in found
    ]


def fingerprint(examples: Iterable[Example]) -> str:
    """A short digest of the training data (logged, so a model can be traced to its data)."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{int(example.spam)}\t{example.text}\n".encode())
    return digest.hexdigest()[:12]
