"""The intent classifier: a linear model over word, stem and character n-grams and the regexes.

Why not DIET. On nlu/ (4,835 examples, 20 intents) 5-fold cross-validation gave DIET
(1 transformer layer x 128, 60 epochs, Rasa's count features) macro-F1 0.871 and took 8-10
minutes to train once on two cores. A linear support-vector classifier over TF-IDF features
gives 0.92-0.93 on the same folds and trains in seconds (docs/fallback-threshold.md,
"Choosing the classifier"). Buyer messages are short, the intents are told apart by a few
words, and the data is thousands of examples, not millions: that is where linear models over
n-grams are strong and a transformer has too little to learn from.

What the model sees, for each message:

* words and word pairs ("где мой", "мой заказ"), lower-cased, ё folded into е, digits as 0;
* the first `stem_letters` letters of each word and of each word pair ("заказик" and "заказа"
  both count as "зака"): Russian inflection without a morphology dictionary;
* character n-grams inside words (`char_ngrams`): typos, transliteration ("zakaz"), mat hidden
  in longer words;
* one column per regex and lookup table of the NLU data (nlu/entities.yml, nlu/features.yml):
  "this message has a posting number", "this message swears" (`abuse_word`); a swear word the
  model never saw still points to `abusive`.

Each of the three n-gram views is TF-IDF weighted and scaled to unit length on its own, so none
drowns the others. The classifier is scikit-learn's LinearSVC (one-vs-rest, classes weighted by
their size), whose scores are not probabilities. The confidences the FallbackClassifier compares
with its threshold come from a softmax of the scores divided by a temperature, fitted at training
time on out-of-fold scores (the scores each of `calibration_folds` models gives the examples it
did not see) by minimising their log-loss. The temperature changes no prediction, only how sure
the model says it is: on text like the training data, sure; on unfamiliar text, unsure.

The model is stored as plain data (vocabularies, IDF weights, the weight matrix), not as a
pickle: loading a model executes no code from it.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from policies.escalation import normalise as fold

logger = logging.getLogger(__name__)

Array = np.ndarray[Any, np.dtype[np.float64]]
Labels = np.ndarray[Any, np.dtype[np.int64]]

MODEL_FILE = "linear_intent.json"
WEIGHTS_FILE = "linear_intent.npz"
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
VIEWS = ("word", "stem", "char")
"""The TF-IDF views, in column order; their vocabularies and IDF weights are stored by name."""


def normalise(text: str) -> str:
    """Lower case, ё as е, every digit as 0 (a posting number's digits say nothing of intent)."""
    return _DIGIT.sub("0", fold(text))


class StemAnalyzer:
    """The stems ("first n letters") of a message's words and of its neighbouring word pairs."""

    def __init__(self, letters: int) -> None:
        self.letters = letters

    def __call__(self, text: str) -> list[str]:
        stems = [w[: self.letters] for w in _WORD.findall(normalise(text))]
        return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        preprocessor=normalise,
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a password)
        ngram_range=(1, 2),
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


def stem_vectorizer(letters: int, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=StemAnalyzer(letters), sublinear_tf=True, vocabulary=vocabulary)


def char_vectorizer(
    ngrams: tuple[int, int], vocabulary: dict[str, int] | None = None
) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        preprocessor=normalise,
        ngram_range=ngrams,
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


class Features:
    """Message texts → one sparse row each: the three TF-IDF views and the regex columns."""

    def __init__(
        self,
        views: dict[str, TfidfVectorizer],
        patterns: Sequence[str],
        regex_weight: float,
    ) -> None:
        self.views = views  # keyed by the names of VIEWS
        self.patterns = list(patterns)
        self.regex_weight = regex_weight
        self._compiled = [re.compile(p, re.IGNORECASE) for p in self.patterns]

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._stack([self.views[name].fit_transform(texts) for name in VIEWS], texts)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._stack([self.views[name].transform(texts) for name in VIEWS], texts)

    def _stack(self, blocks: list[Any], texts: Sequence[str]) -> sp.csr_matrix:
        return cast(sp.csr_matrix, sp.hstack([*blocks, self._regex_columns(texts)], format="csr"))

    def _regex_columns(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows = [[self.regex_weight if p.search(t) else 0.0 for p in self._compiled] for t in texts]
        return sp.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(texts), -1))


def softmax(scores: Array, temperature: float) -> Array:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return cast(Array, e / e.sum(axis=1, keepdims=True))


def fit_temperature(scores: Array, labels: Labels) -> float:
    """The temperature that minimises the log-loss of softmax(scores / T) on these labels."""

    def loss(log_t: float) -> float:
        probabilities = softmax(scores, float(np.exp(log_t)))
        picked = probabilities[np.arange(len(labels)), labels]
        return float(-np.log(np.clip(picked, 1e-12, None)).mean())

    result = minimize_scalar(loss, bounds=(np.log(0.01), np.log(10.0)), method="bounded")
    return float(np.exp(result.x))


def regex_patterns(training_data: TrainingData, use_lookup_tables: bool) -> list[str]:
    """The data's regexes, and each lookup table as one alternation of its (escaped) entries."""
    patterns = [str(r["pattern"]) for r in training_data.regex_features]
    if use_lookup_tables:
        for table in training_data.lookup_tables:
            elements = table.get("elements")
            if isinstance(elements, list) and elements:
                entries = sorted({str(e) for e in elements}, key=lambda e: (-len(e), e))
                alternation = "|".join(re.escape(e) for e in entries)
                patterns.append(rf"(?<!\w)(?:{alternation})(?!\w)")
    return patterns


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 1.0,  # LinearSVC regularisation; CV macro-F1 0.002 lower at 0.5, 0.004 at 0.3
            "char_ngrams": [1, 4],
            "stem_letters": 4,
            "regex_weight": 1.0,
            "use_lookup_tables": True,
            "calibration_folds": 5,
            "ranking_length": 10,
            "random_seed": 1,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        try:
            self._c = float(self._config["C"])
            low, high = (int(n) for n in self._config["char_ngrams"])
            self._stem_letters = int(self._config["stem_letters"])
            self._regex_weight = float(self._config["regex_weight"])
            self._folds = int(self._config["calibration_folds"])
            self._ranking_length = int(self._config["ranking_length"])
            self._seed = int(self._config["random_seed"])
        except (TypeError, ValueError) as exc:
            raise InvalidConfigException(f"LinearIntentClassifier: bad setting: {exc}") from exc
        if self._c <= 0:
            raise InvalidConfigException("LinearIntentClassifier: C must be > 0")
        if not 1 <= low <= high:
            raise InvalidConfigException(
                "LinearIntentClassifier: char_ngrams is [low, high], 1 <= low <= high"
            )
        if self._stem_letters < 2:
            raise InvalidConfigException("LinearIntentClassifier: stem_letters must be >= 2")
        if self._folds < 2:
            raise InvalidConfigException("LinearIntentClassifier: calibration_folds must be >= 2")
        self._char_ngrams = (low, high)
        self._model_storage = model_storage
        self._resource = resource
        self.features: Features | None = None
        self.intents: list[str] = []
        self.weights: Array | None = None  # (intents, features)
        self.bias: Array | None = None  # (intents,)
        self.temperature = 1.0

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # Training ------------------------------------------------------------------------------

    def _new_features(
        self, patterns: Sequence[str], vocabularies: dict[str, dict[str, int]] | None = None
    ) -> Features:
        """Unfitted views, or with `vocabularies` the views of a stored model (IDF still unset)."""
        known = vocabularies or {}
        views = {
            "word": word_vectorizer(known.get("word")),
            "stem": stem_vectorizer(self._stem_letters, known.get("stem")),
            "char": char_vectorizer(self._char_ngrams, known.get("char")),
        }
        return Features(views, patterns, self._regex_weight)

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self._c, class_weight="balanced", random_state=self._seed)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        texts = [str(m.get(TEXT)) for m in examples]
        intents = sorted({str(m.get(INTENT)) for m in examples})
        if len(intents) < 2:
            # `rasa train core` and data without NLU: nothing to learn, nothing to predict.
            logger.warning("LinearIntentClassifier: fewer than two intents, not trained")
            self._persist()
            return self._resource
        labels = np.array([intents.index(str(m.get(INTENT))) for m in examples])
        patterns = regex_patterns(training_data, bool(self._config["use_lookup_tables"]))

        self.temperature = self._calibrate(texts, labels, patterns)
        self.features = self._new_features(patterns)
        matrix = self.features.fit_transform(texts)
        svm = self._svm().fit(matrix, labels)
        self.intents = intents
        self.weights, self.bias = self._class_weights(svm, len(intents))
        logger.debug(
            "LinearIntentClassifier: %d examples, %d intents, %d features, temperature %.3f",
            len(texts),
            len(intents),
            matrix.shape[1],
            self.temperature,
        )
        self._persist()
        return self._resource

    @staticmethod
    def _class_weights(svm: LinearSVC, n_intents: int) -> tuple[Array, Array]:
        coef = np.asarray(svm.coef_, dtype=np.float64)
        bias = np.asarray(svm.intercept_, dtype=np.float64)
        if n_intents == 2:  # scikit-learn keeps one row for two classes: class 1 against 0
            coef = np.vstack([-coef[0], coef[0]])
            bias = np.array([-bias[0], bias[0]])
        return coef, bias

    def _calibrate(self, texts: list[str], labels: Labels, patterns: Sequence[str]) -> float:
        """Fit the softmax temperature on scores of examples each fold's model did not see."""
        smallest = int(np.bincount(labels).min())
        folds = min(self._folds, smallest)
        if folds < 2:
            logger.warning("LinearIntentClassifier: an intent has one example, temperature 1")
            return 1.0
        n_intents = int(labels.max()) + 1
        scores = np.zeros((len(texts), n_intents))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self._seed)
        for train_idx, test_idx in splitter.split(np.zeros(len(labels)), labels):
            features = self._new_features(patterns)
            matrix = features.fit_transform([texts[i] for i in train_idx])
            svm = self._svm().fit(matrix, labels[train_idx])
            coef, bias = self._class_weights(svm, n_intents)
            # A fold without some intent would shift columns: map the fold's classes back.
            fold_scores = np.full((len(test_idx), n_intents), -1e3)
            held_out = features.transform([texts[i] for i in test_idx])
            fold_scores[:, svm.classes_] = held_out @ coef.T + bias
            scores[test_idx] = fold_scores
        return fit_temperature(scores, labels)

    # Storage -------------------------------------------------------------------------------

    def _persist(self) -> None:
        features, weights, bias = self.features, self.weights, self.bias
        with self._model_storage.write_to(self._resource) as directory:
            if features is None or weights is None or bias is None:
                (directory / MODEL_FILE).write_text(json.dumps({"trained": False}), "utf-8")
                return
            stored = {
                "trained": True,
                "intents": self.intents,
                "temperature": self.temperature,
                "patterns": features.patterns,
                "vocabularies": {
                    name: {str(term): int(i) for term, i in view.vocabulary_.items()}
                    for name, view in features.views.items()
                },
            }
            (directory / MODEL_FILE).write_text(json.dumps(stored, ensure_ascii=False), "utf-8")
            idf = {f"idf_{name}": view.idf_ for name, view in features.views.items()}
            np.savez_compressed(directory / WEIGHTS_FILE, weights=weights, bias=bias, **idf)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = cls(config, model_storage, resource)
        # A model without its files is broken, not "no intents": fail loudly.
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
            if not stored["trained"]:
                return component
            with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
                weights = {name: arrays[name] for name in arrays.files}
        features = component._new_features(stored["patterns"], stored["vocabularies"])
        for name, view in features.views.items():
            view.idf_ = weights[f"idf_{name}"]
        component.features = features
        component.intents = list(stored["intents"])
        component.weights = weights["weights"]
        component.bias = weights["bias"]
        component.temperature = float(stored["temperature"])
        return component

    # Prediction ----------------------------------------------------------------------------

    def probabilities(self, texts: Sequence[str]) -> Array:
        """One row per text: the calibrated confidence of each intent of `self.intents`."""
        if self.features is None or self.weights is None or self.bias is None:
            raise InvalidConfigException("LinearIntentClassifier used before training")
        scores = self.features.transform(texts) @ self.weights.T + self.bias
        return softmax(np.asarray(scores), self.temperature)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.features is None:
            return messages  # trained without NLU data: no intents to give
        readable = []
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and text.strip():
                readable.append(message)
                continue
            # Nothing to classify: confidence 0, so the FallbackClassifier takes it.
            nothing = {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
            message.set(INTENT, nothing, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        if not readable:
            return messages
        table = self.probabilities([str(m.get(TEXT)) for m in readable])
        for message, row in zip(readable, table, strict=True):
            order = np.argsort(-row, kind="stable")
            if self._ranking_length > 0:
                order = order[: self._ranking_length]
            ranking = [
                {INTENT_NAME_KEY: self.intents[i], PREDICTED_CONFIDENCE_KEY: float(row[i])}
                for i in order
            ]
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
