"""Regression gate: the development files through the real assistant must not fall below what
they reach.

The thresholds are the figures measured when they were set (tidy: `cases.jsonl` 534 cases 95.9%,
`cases-tidy-2` 63.8%, `cases-tidy-3` 85.0%, `cases-tidy-4` 78.3%; in applicants' own voices:
`cases-real.jsonl` 240 cases 62.9%, `cases-real-2` 128 cases 53.9%); raise them when answers
improve, never lower them to make a change pass. These files gate every change, so they are
development files; the held-out files (`eval/held-out/`) are never a gate here: they are run with
``python -m eval --blind`` once a round's answering choices are made.

Two gates were lowered once, as disclosed trades: `cases-tidy-4` 47 -> 46 of 60, because h3-027
passed only through its decline echoing the question (its expected fact "online" was in the
echo, not in an answer) and declines no longer repeat the message; `cases-real` refusal recall
51 -> 50 of 93, which is what the previous main gives on this machine too (one borderline
decline flips between machines)."""

from __future__ import annotations

import pytest

from assistant.chat import Assistant
from assistant.config import PROJECT_ROOT
from eval import load_cases, run_cases

pytestmark = [pytest.mark.eval, pytest.mark.slow]

GATES = {
    "cases.jsonl": {
        "accuracy": 0.95,
        "refusal_recall": 1.0,
        "citation_validity": 1.0,
        "hit_at_1": 0.99,
    },
    "cases-tidy-2.jsonl": {
        "accuracy": 0.638,
        "refusal_recall": 0.8,
        "citation_validity": 1.0,
        "hit_at_1": 0.99,
    },
    "cases-tidy-3.jsonl": {
        "accuracy": 0.85,
        "refusal_recall": 0.875,
        "citation_validity": 1.0,
        "hit_at_1": 0.99,
    },
    "cases-tidy-4.jsonl": {
        "accuracy": 0.766,
        "refusal_recall": 1.0,
        "citation_validity": 1.0,
        "hit_at_1": 0.98,
    },
    "cases-real.jsonl": {
        "accuracy": 0.629,
        "refusal_recall": 0.537,
        "citation_validity": 1.0,
        "hit_at_1": 0.971,
    },
    "cases-real-2.jsonl": {
        "accuracy": 0.539,
        "refusal_recall": 0.52,
        "citation_validity": 1.0,
        "hit_at_1": 0.948,
    },
}


@pytest.mark.parametrize("cases_file", sorted(GATES))
def test_evaluation_stays_at_or_above_its_gate(assistant: Assistant, cases_file: str) -> None:
    report = run_cases(load_cases(PROJECT_ROOT / "eval" / cases_file), assistant)
    summary = report.summary
    for metric, floor in GATES[cases_file].items():
        value = getattr(summary, metric)
        assert value is not None and value >= floor - 1e-9, (
            f"{metric} {value:.3f} < {floor} on {cases_file}"
        )
