"""The reader's training questions: one JSON object a line in ``training/data/*.jsonl``.

A record is a message as an applicant sends it, with the things it asks::

    {"id": "bme-0001", "message": "...", "history": [{"role": "user", "content": "..."}, ...],
     "asks": [{"text": "a verbatim part of the message", "gap": null,
               "answers": [{"doc": "<document id>", "text": "<a quotable unit, verbatim>"}],
               "near": [{"doc": "...", "text": "..."}]}],
     "tags": ["email", "near_miss"], "programme": "<document id the message is asked about>"}

``answers`` are the units that together answer the ask (none: the documents are silent, and
``gap`` says what they do not say); ``near`` are units on the topic that do not answer it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
# Writers whose every message is kept for validation (calibration on voices never trained on).
VALIDATION_WRITERS = ("t6", "t8")


class TrainingDataError(ValueError):
    """A training file line that does not follow the format; the message names file and line."""


@dataclass(frozen=True)
class UnitRef:
    doc: str
    text: str


@dataclass(frozen=True)
class Ask:
    text: str
    answers: tuple[UnitRef, ...]
    near: tuple[UnitRef, ...]
    gap: str | None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class Record:
    id: str
    message: str
    history: tuple[tuple[str, str], ...]
    asks: tuple[Ask, ...]
    tags: tuple[str, ...]
    programme: str | None = None  # the programme context it was asked in (a document id)

    @property
    def previous_question(self) -> str | None:
        users = [content for role, content in self.history if role == "user"]
        return users[-1] if users else None


def _units(raw: object, where: str) -> tuple[UnitRef, ...]:
    if not isinstance(raw, list):
        raise TrainingDataError(f"{where}: a list of units is expected")
    refs = []
    for item in raw:
        if not (isinstance(item, dict) and isinstance(item.get("doc"), str) and item.get("text")):
            raise TrainingDataError(f"{where}: a unit is {{'doc': ..., 'text': ...}}")
        refs.append(UnitRef(item["doc"], item["text"]))
    return tuple(refs)


def parse_record(raw: object, where: str) -> Record:
    if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
        raise TrainingDataError(f"{where}: a record is an object with a 'message'")
    asks = []
    for ask in raw.get("asks") or []:
        text = ask.get("text") if isinstance(ask, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise TrainingDataError(f"{where}: every ask has a 'text'")
        asks.append(
            Ask(
                text=text,
                answers=_units(ask.get("answers", []), where),
                near=_units(ask.get("near", []), where),
                gap=ask.get("gap"),
            )
        )
    if not asks:
        raise TrainingDataError(f"{where}: a record asks at least one thing")
    history = tuple(
        (str(turn["role"]), str(turn["content"]))
        for turn in raw.get("history") or []
        if isinstance(turn, dict)
    )
    return Record(
        id=str(raw.get("id", where)),
        message=raw["message"],
        history=history,
        asks=tuple(asks),
        tags=tuple(str(t) for t in raw.get("tags") or []),
        programme=_programme(raw.get("programme"), where),
    )


def _programme(value: object, where: str) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise TrainingDataError(f"{where}: 'programme' is a document id or null")


def load_records(folder: Path = DATA_DIR) -> list[Record]:
    """Every record of every ``*.jsonl`` file in the folder, in file and line order."""
    records: list[Record] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"{where}: not valid JSON: {exc.msg}") from exc
            record = parse_record(raw, where)
            if record.id in seen:
                raise TrainingDataError(f"{where}: duplicate id {record.id!r}")
            seen.add(record.id)
            records.append(record)
    return records


def writer(record: Record) -> str:
    """Who wrote a record: its id's prefix ('t5' of 't5-0042'); the first edition's files were
    written by one process, so they are one writer."""
    prefix = record.id.rsplit("-", 1)[0]
    return prefix if prefix.startswith("t") and prefix[1:].isdigit() else "first-edition"


def split_by_writer(
    records: Sequence[Record], held_out: Iterable[str]
) -> tuple[list[Record], list[Record]]:
    """Training and validation records, validation being every record of the ``held_out``
    writers: thresholds are then calibrated on voices the reader has never seen."""
    held = set(held_out)
    return [r for r in records if writer(r) not in held], [r for r in records if writer(r) in held]


def all_questions(records: Iterable[Record]) -> list[str]:
    """Every text a person wrote in the training data: messages, asks and earlier turns."""
    texts: list[str] = []
    for record in records:
        texts.append(record.message)
        texts.extend(ask.text for ask in record.asks if ask.text != record.message)
        texts.extend(content for role, content in record.history if role == "user")
    return texts


def _said(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip("?!. ")


def contradictions(records: Iterable[Record]) -> list[tuple[str, str]]:
    """Pairs of record ids whose messages say the same words in the same context (programme and
    conversation) yet are labelled differently: which units answer, or whether any does."""
    first: dict[tuple[object, ...], tuple[str, object]] = {}
    found: list[tuple[str, str]] = []
    for record in records:
        context = (
            _said(record.message),
            record.programme,
            tuple(_said(content) for role, content in record.history if role == "user"),
        )
        label = tuple(
            (_said(ask.text), frozenset((u.doc, u.text) for u in ask.answers))
            for ask in record.asks
        )
        if context not in first:
            first[context] = (record.id, label)
        elif first[context][1] != label:
            found.append((first[context][0], record.id))
    return found
