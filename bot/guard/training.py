"""Training the guard's learned models: `make train` runs this (scripts/train-guard).

    python -m bot.guard.training [--out models/guard] [--nlu nlu] [--knowledge knowledge]

Writes `spam.npz` and `rudeness.npz` (bot/guard/learned.py says what they hold and why they are
plain arrays). Everything here runs at training time only: scikit-learn's fitting, the Rasa NLU
files (parsed by `bot.review`) and the knowledge snippets are not needed by the worker.

Training data, all written by the project (`../shared/eval` is only ever measured on):
- spam: `corpus/spam-*.txt` (spam), `corpus/chatter-*.txt` (not spam), and the Rasa NLU data:
  examples of the `spam` intent are spam, every other example is a buyer, never spam;
- rudeness: `corpus/replies/insult.txt` and `ozon_negative.txt` (one class each),
  `clean*.txt` and `personal_data.txt` (neither), every phrasing of the shop's snippets
  (`knowledge/`, neither) and the calm buyers of the NLU data (neither: everyday shop words).
  Only the *dev* part of the replies is trained on: a reply whose digest falls in the held-out
  fifth (`is_heldout`) is kept for measuring (bench/guard.py).

Fitting is deterministic: the same data gives the same arrays.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError, ReviewError
from bot.guard.learned import MODEL_DIR, SPAM_MODEL, LinearModel, SpamClassifier, features
from bot.guard.normalize import fold, unmix
from bot.guard.rudeness import CLASSES, RUDENESS_MODEL, reply_features
from bot.models import Intent, Language

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

log = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).parent / "corpus"
REPLIES_DIR = CORPUS_DIR / "replies"
REGULARISATION_C = 10.0
RUDENESS_C = 1.0
MIN_DOCUMENT_FREQUENCY = 2
"""A feature seen in one training message only is that message's, not spam's."""
HELDOUT_SHARE = 5
"""One reply in five (by digest) is held out: never trained on, never tuned on."""
CLEAN = ""
"""The rule of a reply that breaks none."""
_COMMENT = re.compile(r"#(?:\s|$)")
_NLU_VARIABLE = "OZONBOT_NLU_DIR"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    spam: bool
    source: str
    """The file it came from, relative: corpus/spam-money.txt, nlu/smalltalk.yml."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A seller reply of the corpus and the rule it breaks (`CLEAN`: none)."""

    text: str
    rule: str
    source: str

    @property
    def heldout(self) -> bool:
        return is_heldout(self.text)


def is_heldout(text: str) -> bool:
    """Whether `text` is in the held-out fifth: fixed by its digest, not by its position, so
    adding lines never moves old ones between the parts."""
    return hashlib.sha256(text.encode()).digest()[0] % HELDOUT_SHARE == 0


# --- the corpora ------------------------------------------------------------------------------


def corpus_lines(path: Path) -> list[str]:
    """The messages of a corpus file: one a line; blank lines and `# ` comments skipped (a
    hashtag such as "#работа" starts a message, not a comment)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not _COMMENT.match(line)]


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


def training_examples(nlu_dir: Path, corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """Every labelled spam example, in a fixed order: the corpus files, then the NLU files."""
    return [*corpus_examples(corpus_dir), *nlu_examples(nlu_dir)]


def replies(replies_dir: Path = REPLIES_DIR) -> list[Reply]:
    """Every seller reply of the corpus: `<rule>.txt` break that rule, `clean*.txt` none."""
    files = sorted(replies_dir.glob("*.txt"))
    if not files:
        raise ConfigError(str(replies_dir), "no seller replies for the rudeness classifier")
    found: list[Reply] = []
    for path in files:
        rule = CLEAN if path.stem.startswith("clean") else path.stem
        source = f"replies/{path.name}"
        found += [Reply(text, rule, source) for text in corpus_lines(path)]
    return found


def snippet_replies(knowledge_dir: Path) -> list[Reply]:
    """Every phrasing of the shop's snippets, filled with sample values: clean replies."""
    from bot.knowledge.store import Knowledge, fill
    from bot.knowledge.validate import SAMPLE_VALUES

    knowledge = Knowledge.load(knowledge_dir)
    return [
        Reply(fill(text, SAMPLE_VALUES[lang]), CLEAN, "knowledge/")
        for key in sorted(knowledge.keys())
        for lang in (Language.RU, Language.EN)
        for text in knowledge.variants(key, lang)
    ]


def nlu_buyers(nlu_dir: Path) -> list[Reply]:
    """The Rasa NLU examples of calm buyers, as clean text: everyday shop language (orders,
    sizes, returns) that must not read as rude. Abuse, complaints and spam are left out."""
    from bot.review.nlu_files import read_examples

    rude = {Intent.ABUSIVE, Intent.COMPLAINT, Intent.SPAM}
    try:
        found = [e for path in sorted(nlu_dir.glob("*.yml")) for e in read_examples(path)]
    except ReviewError as exc:
        raise ConfigError(_NLU_VARIABLE, str(exc)) from exc
    return [Reply(e.text.plain, CLEAN, "nlu/") for e in found if e.intent not in rude]


def rudeness_training_set(nlu_dir: Path, knowledge_dir: Path) -> list[Reply]:
    """What the rudeness model is fitted on: the dev part of the seller replies, the shop's
    snippets and the calm buyers of the NLU data."""
    dev = [r for r in rudeness_examples(replies()) if not r.heldout]
    return [*dev, *snippet_replies(knowledge_dir), *nlu_buyers(nlu_dir)]


def rudeness_examples(items: Iterable[Reply]) -> list[Reply]:
    """The replies the rudeness classes learn from: their own rules and the clean and
    polite ones; competitor and profanity replies teach neither class and are left out."""
    wanted = {CLEAN, "personal_data", *(rule.value for rule in CLASSES)}
    return [reply for reply in items if reply.rule in wanted]


# --- fitting ------------------------------------------------------------------------------------


def fit(examples: Sequence[Example]) -> tuple[TfidfVectorizer, LogisticRegression]:
    """The spam vectorizer and logistic regression fitted on `examples`."""
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


def train_spam(examples: Sequence[Example]) -> SpamClassifier:
    vectorizer, model = fit(examples)
    return SpamClassifier.of(
        LinearModel.from_fitted(vectorizer, [model], ["spam"], fingerprint(examples))
    )


def fit_rudeness(items: Sequence[Reply]) -> LinearModel:
    """One binary logistic regression per rudeness class over one shared vectorizer."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [unmix(fold(reply.text)) for reply in items]
    vectorizer = TfidfVectorizer(analyzer=reply_features, binary=True, min_df=1)
    matrix = vectorizer.fit_transform(texts)
    models = []
    for rule in CLASSES:
        labels = [reply.rule == rule.value for reply in items]
        if all(labels) or not any(labels):
            raise ConfigError(str(REPLIES_DIR), f"the rudeness class {rule} needs both kinds")
        model = LogisticRegression(C=RUDENESS_C, class_weight="balanced", max_iter=5000)
        model.fit(matrix, labels)
        models.append(model)
    digest = fingerprint(Example(r.text, bool(r.rule), r.rule) for r in items)
    return LinearModel.from_fitted(vectorizer, models, [r.value for r in CLASSES], digest)


def fingerprint(examples: Iterable[Example]) -> str:
    """A short digest of the training data (stored in the model, so it can be traced)."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{int(example.spam)}\t{example.source}\t{example.text}\n".encode())
    return digest.hexdigest()[:12]


def train_all(out: Path, nlu_dir: Path, knowledge_dir: Path) -> None:
    """Fit both models and write them under `out`."""
    started = time.perf_counter()
    spam = train_spam(training_examples(nlu_dir))
    spam.model.save(out / f"{SPAM_MODEL}.npz")
    rudeness = fit_rudeness(rudeness_training_set(nlu_dir, knowledge_dir))
    rudeness.save(out / f"{RUDENESS_MODEL}.npz")
    print(
        f"train-guard: spam ({len(spam.terms)} terms) and rudeness ({len(rudeness.terms)} terms,"
        f" data {rudeness.fingerprint}) written to {out} in {time.perf_counter() - started:.1f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.guard.training", description=__doc__)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--nlu", type=Path, default=Path("nlu"))
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    args = parser.parse_args(argv)
    try:
        train_all(args.out, args.nlu, args.knowledge)
    except ConfigError as exc:
        print(f"train-guard: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
