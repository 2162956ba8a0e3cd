"""The trained reader: how likely a quotable unit answers a question, as a probability.

A cross-encoder fine-tuned from the shipped MiniLM on the project's own labelled questions
(``training/``), exported to ONNX and quantised to int8, shipped in ``assistant/models/reader``.
Its folder holds ``model.onnx``, ``tokenizer.json`` and ``reader.json`` (the input format, the
maximum length and the answer threshold calibrated on the training data's validation split).
Loaded on first use with ONNX Runtime and the tokenizers library; no torch, no download.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.documents.corpus import GENERAL
from assistant.documents.splitting import cited_text, table_cells, unit_display
from assistant.errors import ConfigurationError

if TYPE_CHECKING:
    from tokenizers import Encoding

    from assistant.retrieval.index import Evidence
    from assistant.understanding.query import Query

logger = logging.getLogger(__name__)

DEFAULT_READER_DIR = Path(__file__).resolve().parents[2] / "models" / "reader"
MAX_QUESTION_WORDS = 60  # of a long message the reader reads its end, where the question is
MAX_PREVIOUS_WORDS = 30  # of the previous question, read before a follow-up


@dataclass(frozen=True)
class ReaderCard:
    """What ``reader.json`` says about the model beside it."""

    max_length: int
    threshold: float  # a unit at or above this probability answers the question
    veto: float = 0.0  # below this best probability, the documents are silent (few answerable are)
    sure: float = 1.0  # from this best probability on, few silent questions: the reader's quotes
    seed: int = 0
    trained_on: int = 0  # training questions

    @classmethod
    def read(cls, path: Path) -> ReaderCard:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                max_length=int(raw["max_length"]),
                threshold=float(raw["threshold"]),
                veto=float(raw.get("veto", raw["threshold"])),
                sure=float(raw.get("sure", 1.0)),
                seed=int(raw.get("seed", 0)),
                trained_on=int(raw.get("trained_on", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{path}: not a readable reader card: {exc}") from exc


def unit_passage(
    text: str, heading: str, lead: str = "", columns: Sequence[str] = (), programme: str = ""
) -> str:
    """How the reader sees a unit: its section path, the list's lead, the unit as read, and the
    programme whose document it is in (last: a long passage is cut from its start)."""
    if text.startswith("|") and columns:
        cells = table_cells(text)
        body = "; ".join(f"{c}: {v}" for c, v in zip(columns, cells, strict=False))
    else:
        body = unit_display(text)
    lead = f"{lead} " if lead else ""
    passage = f"{heading}: {lead}{body}" if heading else f"{lead}{body}"
    return f"{passage} [{programme}]" if programme else passage


def reader_question(question: str, previous: str | None = None, programme: str = "") -> str:
    """The question as the reader reads it: a follow-up carries the question before it, and the
    programme it is asked about (the widget's, or named in the conversation), if any, follows."""
    question = " ".join(question.split()[-MAX_QUESTION_WORDS:])
    if previous:
        question = f"{' '.join(previous.split()[-MAX_PREVIOUS_WORDS:])} || {question}"
    return f"{question} [{programme}]" if programme else question


def programme_label(meta: Mapping[str, str]) -> str:
    """A document's programme as the reader reads it: 'Master of Biomedical Sciences, KU
    Leuven'; nothing for a document that names no programme."""
    if meta.get("kind") == GENERAL:
        return ""
    institution = meta.get("institution", "").split(" (")[0]
    name = meta.get("programme") or meta.get("title", "")
    return ", ".join(part for part in (name, institution) if part)


class Reader:
    """Scores (question, passage) pairs; thread-safe (ONNX Runtime's sessions and the tokenizer's
    encoding are), one session per process. ``threads``: each pair's reading; ``workers``: pairs
    read at once, one per core, for one question at a time (while the pool reads for one, the
    others read theirs one pair after another: no question waits behind all the others' pairs)."""

    def __init__(self, folder: Path, threads: int = 1, workers: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.folder = folder
        self.card = ReaderCard.read(folder / "reader.json")
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            self.session = onnxruntime.InferenceSession(
                str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # the file is missing or not a model: say which
            raise ConfigurationError(f"cannot load the reader from {folder}: {exc}") from exc
        self.tokenizer.enable_truncation(self.card.max_length, direction="left")
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._read: dict[tuple[str, str], float] | None = None
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, "reader") if workers > 1 else None
        self._pool_taken = threading.Lock()  # copies for one ask share the pool and this

    def for_one_ask(self) -> Reader:
        """This reader, remembering what it reads while one ask is decided: its veto, its sure
        level and its choice read some pairs more than once, and each pair is read on its own,
        so a remembered probability is the one a second reading would give."""
        reading = copy.copy(self)
        reading._read = {}
        return reading

    @property
    def threshold(self) -> float:
        return self.card.threshold

    @property
    def veto(self) -> float:
        return self.card.veto

    @property
    def sure(self) -> float:
        return self.card.sure

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        """The probability that each passage answers the question. Each pair is read on its
        own, unpadded: the int8 model quantises its activations per input, so a pair read in a
        batch would get a probability that depends on the passages beside it."""
        read = self._read
        if read is None:
            return self._probabilities(question, passages)
        unread = [p for p in dict.fromkeys(passages) if (question, p) not in read]
        probabilities = self._probabilities(question, unread)
        read.update(zip([(question, p) for p in unread], probabilities, strict=True))
        return [read[(question, p)] for p in passages]

    def _probabilities(self, question: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        import numpy as np

        encodings = self.tokenizer.encode_batch([(question, p) for p in passages])
        if self._pool is not None and len(encodings) > 1 and self._pool_taken.acquire(False):
            try:
                logits = np.array(list(self._pool.map(self._logit, encodings)))
            finally:
                self._pool_taken.release()
        else:
            logits = np.array([self._logit(e) for e in encodings])
        return [float(p) for p in 1.0 / (1.0 + np.exp(-logits))]

    def _logit(self, encoding: Encoding) -> object:
        import numpy as np

        inputs = {
            name: np.array([values], dtype=np.int64)
            for name, values in (
                ("input_ids", encoding.ids),
                ("attention_mask", encoding.attention_mask),
                ("token_type_ids", encoding.type_ids),
            )
            if name in self._inputs
        }
        return self.session.run(None, inputs)[0].reshape(-1)[0]

    def any_reaches(self, question: str, passages: Sequence[str], floor: float) -> bool:
        """Whether any passage gets at least ``floor``: the first read alone (usually a quote
        that reaches it), then as many at a time as there are free workers (one at a time while
        another question holds them), stopping at the first that reaches it (the same answer as
        scoring them all: each pair is read on its own)."""
        start = 0
        while start < len(passages):
            free = start > 0 and self._pool is not None and not self._pool_taken.locked()
            step = self.workers if free else 1
            if max(self.score(question, passages[start : start + step])) >= floor:
                return True
            start += step
        return False


@lru_cache(maxsize=2)
def load_reader(folder: str | None = None, threads: int = 1, workers: int = 1) -> Reader:
    """The reader in ``folder`` (default: the one shipped with the package), loaded once."""
    return Reader(Path(folder) if folder else DEFAULT_READER_DIR, threads, workers)


Documents = Mapping[str, Mapping[str, str]]


def evidence_passage(item: Evidence, documents: Documents) -> str:
    label = programme_label(documents[item.doc_id]) if item.doc_id in documents else ""
    return unit_passage(item.text, item.heading, item.lead, item.columns, label)


def query_question(query: Query, documents: Documents) -> str:
    """What the reader reads for an understood question: the user's words in English, after the
    previous question of the conversation, with the programmes it is asked about."""
    labels = [programme_label(documents[p]) for p in query.programmes[:2] if p in documents]
    return reader_question(
        query.english or query.text,
        query.previous or None,
        " / ".join(label for label in labels if label),
    )


def any_answers(
    reader: Reader,
    query: Query,
    evidence: Sequence[Evidence],
    documents: Documents,
    first: Sequence[str] = (),
    level: float | None = None,
) -> bool:
    """Whether any unit of ``evidence`` reaches ``level`` (the reader's veto unless given), the
    units quoting ``first`` read first (the rules' quotes usually do, and the reading stops
    there)."""
    quoted = set(first)
    ordered = sorted(evidence, key=lambda e: cited_text(e.text) not in quoted)
    return reader.any_reaches(
        query_question(query, documents),
        [evidence_passage(e, documents) for e in ordered],
        reader.veto if level is None else level,
    )


def read_evidence(
    reader: Reader,
    query: Query,
    evidence: Sequence[Evidence],
    candidates: int,
    documents: Documents,
) -> list[tuple[Evidence, float]]:
    """The best ``candidates`` of the retrieved evidence with the reader's probability each,
    most probable first."""
    shortlist = list(evidence[:candidates])
    scores = reader.score(
        query_question(query, documents), [evidence_passage(e, documents) for e in shortlist]
    )
    return sorted(zip(shortlist, scores, strict=True), key=lambda pair: -pair[1])
