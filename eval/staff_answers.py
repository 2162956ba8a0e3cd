"""How well saved answers are found: a set of the office's saved answers (JSON Lines: id,
question, answer, programme) loaded into a temporary database, and cases that either ask what
one of them answers (``paraphrase``, with its ``expected`` id) or ask something near that none
answers (``near_miss``). Reports the share of paraphrases given their saved answer, the share
of near misses wrongly given one, and the latency the lookup adds."""

from __future__ import annotations

import copy
import json
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.conversation.assistant import Assistant

CASE_KINDS = ("paraphrase", "near_miss")


@dataclass(frozen=True)
class OfficeCase:
    id: str
    kind: str
    message: str
    programme: str | None
    expected: str | None  # the saved answer's id in the file, for a paraphrase


@dataclass(frozen=True)
class OfficeReport:
    paraphrases: int
    found: int  # paraphrases given their own saved answer
    wrong_answer: int  # paraphrases given another saved answer
    near_misses: int
    taken: int  # near misses given a saved answer
    added_p50_ms: float
    added_p95_ms: float
    failures: tuple[str, ...]  # case ids

    def lines(self) -> list[str]:
        return [
            f"paraphrases given their saved answer: {self.found}/{self.paraphrases}"
            f" ({self.found / max(self.paraphrases, 1):.1%}); another saved answer: {self.wrong_answer}",
            f"near misses given a saved answer: {self.taken}/{self.near_misses}"
            f" ({self.taken / max(self.near_misses, 1):.1%})",
            f"latency added by the lookup: p50 {self.added_p50_ms:.0f} ms, p95 {self.added_p95_ms:.0f} ms",
        ]


def read_jsonl(path: Path) -> list[dict[str, object]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return records


def is_office_cases(path: Path) -> bool:
    """Whether a cases file holds saved-answer cases (each has a ``kind``)."""
    records = read_jsonl(path)
    return bool(records) and all("kind" in r for r in records)


def load_office_cases(path: Path) -> list[OfficeCase]:
    cases = []
    for record in read_jsonl(path):
        kind = str(record.get("kind"))
        if kind not in CASE_KINDS or not record.get("message"):
            raise InputError(f"{path}: case {record.get('id')!r} needs a message and a kind")
        expected = record.get("expected")
        cases.append(
            OfficeCase(
                id=str(record["id"]),
                kind=kind,
                message=str(record["message"]),
                programme=str(record["programme"]) if record.get("programme") else None,
                expected=str(expected) if expected else None,
            )
        )
    return cases


@contextmanager
def settings_with_saved_answers(
    settings: Settings, saved_file: Path
) -> Iterator[tuple[Settings, dict[str, int]]]:
    """The settings of a temporary database holding the file's saved answers, and each file id's
    id in that database."""
    from assistant.database.saved_answers import SavedAnswers

    with tempfile.TemporaryDirectory(prefix="assistant-saved-") as folder:
        changed = settings.model_copy(
            update={
                "database_url": None,
                "database_path": Path(folder) / "saved.sqlite3",
                "saved_answers": True,
            }
        )
        store = SavedAnswers(changed.database)
        ids = {}
        for record in read_jsonl(saved_file):
            saved = store.add(
                str(record["question"]),
                str(record["answer"]),
                "evaluation",
                str(record["programme"]) if record.get("programme") else None,
            )
            ids[str(record["id"])] = saved.id
        yield changed, ids


def evaluate_office(
    settings: Settings, saved_file: Path, cases: Sequence[OfficeCase]
) -> OfficeReport:
    from assistant.conversation.assistant import build_assistant

    with settings_with_saved_answers(settings, saved_file) as (changed, ids):
        assistant = build_assistant(changed)
        without = replaced_office(assistant)
        found = wrong = taken = 0
        failures: list[str] = []
        added: list[float] = []
        for case in cases:
            start = time.perf_counter()
            answer = assistant.ask(case.message, [], case.programme)
            middle = time.perf_counter()
            without.ask(case.message, [], case.programme)
            added.append((middle - start) - (time.perf_counter() - middle))
            given = {c.answer_id for c in answer.citations if c.kind == "staff_answer"}
            if case.kind == "paraphrase":
                if ids.get(case.expected or "") in given:
                    found += 1
                    continue
                wrong += bool(given)
            elif not given:
                continue
            else:
                taken += 1
            failures.append(case.id)
    paraphrases = sum(c.kind == "paraphrase" for c in cases)
    added_ms = sorted(1000 * max(a, 0.0) for a in added) or [0.0]
    return OfficeReport(
        paraphrases=paraphrases,
        found=found,
        wrong_answer=wrong,
        near_misses=len(cases) - paraphrases,
        taken=taken,
        added_p50_ms=statistics.median(added_ms),
        added_p95_ms=added_ms[min(len(added_ms) - 1, int(0.95 * len(added_ms)))],
        failures=tuple(failures),
    )


def replaced_office(assistant: Assistant) -> Assistant:
    """The same assistant without saved answers (to time what the lookup adds)."""
    twin = copy.copy(assistant)
    twin.office = None
    return twin
