"""The admissions office's saved answers, where the documents are silent: a question gets the
saved answer that answers it, when one does. The saved questions nearest in meaning (MiniLM,
the retriever's own model) are candidates; a small model trained for it (``models/saved-
answers/``: logistic regression on the two texts' MiniLM vectors, ``python -m
training.saved_answers``) says whether the question asks what a candidate answers, at the
threshold that keeps near misses under 5% in cross-validation by saved question."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from assistant.answering.choice import Choice
from assistant.database.saved_answers import SavedAnswer, SavedAnswers
from assistant.understanding.query import Query

logger = logging.getLogger(__name__)

Embed = Callable[[list[str]], Sequence[Sequence[float]]]


MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "saved-answers"
CANDIDATES = 3  # the saved questions nearest in meaning that the model reads


@dataclass(frozen=True)
class PairModel:
    """Whether a question asks what a saved answer answers: weights over ``pair_features``."""

    weights: Any
    bias: float
    threshold: float

    def probability(self, features: Any) -> Any:
        import numpy as np

        return 1.0 / (1.0 + np.exp(-(features @ self.weights + self.bias)))


@lru_cache(maxsize=1)
def load_pair_model(folder: Path = MODEL_DIR) -> PairModel:
    import numpy as np

    values = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    return PairModel(
        np.asarray(values["weights"], dtype=np.float32), values["bias"], values["threshold"]
    )


def pair_features(asked: Any, question: Any, answer: Any) -> Any:
    """What the model reads of a question and a saved answer (unit MiniLM vectors each): where
    the question agrees with and differs from the saved question and the answer."""
    import numpy as np

    return np.concatenate(
        [
            asked * question,
            np.abs(asked - question),
            asked * answer,
            [asked @ question, asked @ answer],
        ]
    )


def asked_text(query: Query) -> str:
    """What the question itself says, in English: the one question of several, or the message."""
    if query.asked and query.language == "en":
        return query.asked
    return query.english or query.text


def same_words(text: str) -> tuple[str, ...]:
    """A question's words, lower-cased, without punctuation: what two wordings share when they
    differ only in case, spacing or punctuation."""
    return tuple(re.findall(r"\w+", text.casefold()))


def fits_programme(saved: SavedAnswer, query: Query) -> bool:
    """A saved answer for one programme answers questions about it, or naming none."""
    return saved.programme is None or not query.programmes or saved.programme in query.programmes


class OfficeAnswers:
    """Finds the saved answer a question asks for; the saved questions are embedded once per
    version (an edit re-embeds it)."""

    def __init__(self, saved: SavedAnswers, embed: Embed, model: PairModel | None = None) -> None:
        self.saved = saved
        self.embed = embed
        self._model = model
        self._vectors: dict[tuple[int, str], tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def scored(self, query: Query, today: dt.date) -> list[tuple[SavedAnswer, float]]:
        """The saved answers in use that fit the question's programme, nearest in meaning first
        (at most ``CANDIDATES``), each with the model's probability that it answers."""
        import numpy as np

        try:
            in_use = self.saved.in_use(today)
        except (SQLAlchemyError, OSError) as exc:  # the documents' answers never depend on it
            logger.warning("saved answers cannot be read: %s", exc)
            return []
        candidates = [s for s in in_use if fits_programme(s, query)]
        if not candidates:
            return []
        vectors = self._vectors_of(candidates)
        asked = np.asarray(self.embed([asked_text(query)])[0], dtype=np.float32)
        nearness = np.asarray([q @ asked for q, _ in vectors])
        nearest = np.argsort(-nearness)[:CANDIDATES]
        features = np.asarray([pair_features(asked, *vectors[i]) for i in nearest])
        probabilities = self.model.probability(features)
        said = same_words(asked_text(query))
        return [
            # the saved question in its own words (case, spaces and punctuation aside) is certain
            (candidates[i], 1.0 if same_words(candidates[i].question) == said else float(p))
            for i, p in zip(nearest, probabilities, strict=True)
        ]

    def match(self, query: Query, today: dt.date) -> SavedAnswer | None:
        scored = self.scored(query, today)
        if not scored:
            return None
        saved, probability = max(scored, key=lambda pair: pair[1])
        return saved if probability >= self.model.threshold else None

    @property
    def model(self) -> PairModel:
        """The given model, else the shipped one (loaded on first use)."""
        return self._model or load_pair_model()

    def _vectors_of(self, saved: Sequence[SavedAnswer]) -> list[tuple[Any, Any]]:
        """Each saved question's and answer's vectors; those not embedded yet (new, or edited
        since) are embedded together, once per version."""
        import numpy as np

        keys = [(s.id, s.updated_at) for s in saved]
        with self._lock:
            missing = [s for s, key in zip(saved, keys, strict=True) if key not in self._vectors]
        if missing:
            texts = [text for s in missing for text in (s.question, s.answer)]
            embedded = np.asarray(self.embed(texts), dtype=np.float32)
            with self._lock:
                for n, s in enumerate(missing):
                    self._vectors[(s.id, s.updated_at)] = (embedded[2 * n], embedded[2 * n + 1])
        with self._lock:
            return [self._vectors[key] for key in keys]


def or_office_answer(
    choice: Choice, query: Query, office: OfficeAnswers | None, today: dt.date
) -> Choice:
    """The documents' choice where they answer; where they are silent, the office's saved
    answer to the question, if it has one. Where the documents would ask which programme is
    meant, only the saved question in the asker's very words is surer than asking."""
    if choice.answered or office is None:
        return choice
    if choice.ask_back:
        said = same_words(asked_text(query))
        scored = office.scored(query, today) if said else []
        same = [saved for saved, _ in scored if same_words(saved.question) == said]
        return Choice(office=same[0]) if same else choice
    saved = office.match(query, today)
    return Choice(office=saved) if saved is not None else choice
