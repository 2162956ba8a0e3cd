"""Regression gate: the evaluation suite through the real assistant must not fall below what it reaches.

The thresholds are the figures measured when they were set (development set of 534 cases 95.9%,
held-out 66.0%, second held-out 85.0%, third held-out 78.3%; in applicants' own voices, the
development file of 240 cases 59.6% and its held-out twin of 128 cases 52.3%); raise them when
answers improve, never lower them to make a change pass. The held-out files are never tuned on.
"""

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
    "cases-heldout.jsonl": {
        "accuracy": 0.65,
        "refusal_recall": 0.8,
        "citation_validity": 1.0,
        "hit_at_1": 0.99,
    },
    "cases-heldout-2.jsonl": {
        "accuracy": 0.85,
        "refusal_recall": 0.875,
        "citation_validity": 1.0,
        "hit_at_1": 0.99,
    },
    "cases-heldout-3.jsonl": {
        "accuracy": 0.78,
        "refusal_recall": 1.0,
        "citation_validity": 1.0,
        "hit_at_1": 0.98,
    },
    "cases-real.jsonl": {
        "accuracy": 0.595,
        "refusal_recall": 0.483,
        "citation_validity": 1.0,
        "hit_at_1": 0.971,
    },
    "cases-real-heldout.jsonl": {
        "accuracy": 0.523,
        "refusal_recall": 0.479,
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
