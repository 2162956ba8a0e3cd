"""The admissions office's saved answers, where the documents are silent: a question gets the
saved answer that answers it, when one does. The saved questions nearest in meaning (MiniLM,
the retriever's own model) are candidates; a cross-encoder trained for it (``models/saved-
answers/``, ``python -m training.saved_answers``) reads the question with each candidate's saved
question and answer and says how likely that answer answers it, at the threshold that keeps
near misses of writers it was not trained on under 5%."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from assistant.answering.choice import Choice
from assistant.answering.reading.reader import Reader, reader_question
from assistant.database.saved_answers import SavedAnswer, SavedAnswers
from assistant.understanding.query import Query

logger = logging.getLogger(__name__)

Embed = Callable[[list[str]], Sequence[Sequence[float]]]


MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "saved-answers"
CANDIDATES = 4  # the saved questions nearest in meaning that the model reads
MAX_LENGTH = 192  # tokens of a question and a saved answer read together
CERTAIN = 1.0  # the saved question in the asker's own words


@lru_cache(maxsize=1)
def load_matcher(folder: Path = MODEL_DIR) -> Reader:
    """The shipped model (ONNX, int8), loaded on first use."""
    return Reader(folder)


def office_question(asked: str) -> str:
    """A question as the model reads it: a long message's end, where its question is."""
    return reader_question(asked)


def saved_passage(question: str, answer: str) -> str:
    """A saved answer as the model reads it: the saved question, then its answer."""
    return f"{question} || {answer}"


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

    def __init__(self, saved: SavedAnswers, embed: Embed, model: Reader | None = None) -> None:
        self.saved = saved
        self.embed = embed
        self._model = model
        self._vectors: dict[tuple[int, str], Any] = {}
        self._lock = threading.Lock()

    def candidates(self, query: Query, today: dt.date) -> list[SavedAnswer]:
        """The saved answers in use that fit the question's programme (none where the
        database cannot be read: the documents' answers never depend on it)."""
        try:
            in_use = self.saved.in_use(today)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("saved answers cannot be read: %s", exc)
            return []
        return [s for s in in_use if fits_programme(s, query)]

    def best(
        self, query: Query, candidates: Sequence[SavedAnswer]
    ) -> tuple[SavedAnswer, float] | None:
        """Of the candidates nearest in meaning (at most ``CANDIDATES``), the one the model
        finds likeliest to answer the question, with that probability; the saved question in
        the asker's own words (case, spaces and punctuation aside) is certain (1.0)."""
        if not candidates:
            return None
        import numpy as np

        asked = asked_text(query)
        said = same_words(asked)
        same = [s for s in candidates if same_words(s.question) == said]
        if same:
            return same[0], CERTAIN
        vectors = self._vectors_of(candidates)
        vector = np.asarray(self.embed([asked])[0], dtype=np.float32)
        nearest = np.argsort(-(np.asarray(vectors) @ vector))[:CANDIDATES]
        probabilities = self.model.score(
            office_question(asked),
            [saved_passage(candidates[i].question, candidates[i].answer) for i in nearest],
        )
        top = int(np.argmax(probabilities))
        return candidates[int(nearest[top])], float(probabilities[top])

    @property
    def model(self) -> Reader:
        """The given model, else the shipped one (loaded on first use)."""
        return self._model or load_matcher()

    def load(self) -> None:
        """Load the model now rather than on the first question the documents leave open."""
        self._model = self.model

    def _vectors_of(self, saved: Sequence[SavedAnswer]) -> list[Any]:
        """Each saved question's vector; those not embedded yet (new, or edited since) are
        embedded together, once per version."""
        import numpy as np

        keys = [(s.id, s.updated_at) for s in saved]
        with self._lock:
            missing = [s for s, key in zip(saved, keys, strict=True) if key not in self._vectors]
        if missing:
            embedded = np.asarray(self.embed([s.question for s in missing]), dtype=np.float32)
            with self._lock:
                for s, vector in zip(missing, embedded, strict=True):
                    self._vectors[(s.id, s.updated_at)] = vector
        with self._lock:
            return [self._vectors[key] for key in keys]


def or_office_answer(
    choice: Choice,
    query: Query,
    office: OfficeAnswers | None,
    today: dt.date,
    documents_sure: Callable[[], bool] = lambda: True,
) -> Choice:
    """The documents' choice where they answer and the reader is sure of it (``documents_sure``,
    asked only when it matters); else the office's saved answer to the question, where the model
    is confident one answers it. Where the documents would ask which programme is meant, a saved
    answer is taken only if it is certain (the saved question in the asker's words), or if it
    answers for every programme and the reader finds no sure answer in the documents."""
    if office is None or choice.office is not None:
        return choice
    candidates = office.candidates(query, today)
    if not candidates or (choice.answered and documents_sure()):
        return choice
    found = office.best(query, candidates)
    if found is None or found[1] < office.model.threshold:
        return choice
    saved, probability = found
    programme_open = choice.ask_back and probability < CERTAIN
    if programme_open and (saved.programme is not None or documents_sure()):
        return choice
    return Choice(office=saved)
