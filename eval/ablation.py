"""How the reader's part changes the answers: one file's cases answered in each reader mode
(``python -m eval --compare-reader``), a row per mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.config import ReaderMode, Settings
from eval.cases import Case
from eval.matching import Reference
from eval.metrics import Summary
from eval.runner import run_cases

MODE_ORDER: tuple[ReaderMode, ...] = ("off", "with_rules", "chooses", "alone")


@dataclass(frozen=True)
class ModeRow:
    mode: ReaderMode
    summary: Summary


def compare_reader_modes(
    cases: Sequence[Case],
    settings: Settings,
    reference: Reference,
    modes: Sequence[ReaderMode] = MODE_ORDER,
) -> list[ModeRow]:
    """The same cases answered by a fresh assistant per mode, over the same index."""
    from assistant.conversation.assistant import build_assistant

    rows = []
    for mode in modes:
        assistant = build_assistant(settings.model_copy(update={"reader": mode}))
        rows.append(ModeRow(mode, run_cases(cases, assistant, reference=reference).summary))
    return rows


def format_modes(rows: Sequence[ModeRow]) -> str:
    """A table: accuracy, refusal recall and answered wrongly per mode."""

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    lines = [
        "| reader | accuracy | refusal recall | answered wrongly |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        s = row.summary
        lines.append(
            f"| {row.mode} | {share(s.accuracy)} ({s.passed}/{s.cases}) "
            f"| {share(s.refusal_recall)} ({s.refused}/{s.refuse_cases}) "
            f"| {share(s.answered_wrongly_rate)} |"
        )
    return "\n".join(lines)
