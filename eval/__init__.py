"""Evaluation of the programme assistant: cases as data, a runner, metrics and reports.

In process::

    from eval import load_cases, run_cases
    report = run_cases(load_cases("eval/cases.jsonl"), get_assistant())
    assert report.summary.accuracy >= 0.8, [r.why for r in report.failures]

From the shell: ``python -m eval --help``.
"""

from __future__ import annotations

from eval.cases import Case, CaseFormatError, Expect, load_cases, parse_cases
from eval.matching import Outcome, Reference, Verdict, contains, judge, load_reference, normalise
from eval.metrics import CategoryScore, Summary, summarise
from eval.results import CaseResult
from eval.runner import EvalReport, run_cases

__all__ = [
    "Case",
    "CaseFormatError",
    "CaseResult",
    "CategoryScore",
    "EvalReport",
    "Expect",
    "Outcome",
    "Reference",
    "Summary",
    "Verdict",
    "contains",
    "judge",
    "load_cases",
    "load_reference",
    "normalise",
    "parse_cases",
    "run_cases",
    "summarise",
]
