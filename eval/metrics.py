"""The numbers an evaluation run is summarised by, computed from judged case results.

Definitions (a rate is ``None`` when its denominator is zero):

* ``accuracy``: passed cases / cases; per category the same in ``by_category``.
* ``refusal_recall``: refuse cases the assistant declined (answered false, not a clarifying
  question, no error) / refuse cases.
* ``answered_wrongly_rate``: of the responses that answered (answered true and not a clarifying
  question; for an email, any of its answers answered), the share that stated something wrong or
  unsupported: the case should have been declined, or a forbidden string appears, or an expected
  fact is missing. Citing the wrong document alone does not count here.
* ``citation_validity``: citations whose quote is found verbatim in ``corpus/<source>.md`` (both
  sides with whitespace runs collapsed to one space) / all citations of all cases.
* ``hit_at_1``, ``hit_at_5``, ``mrr``: over cases with expected sources, the rank of the first
  expected document in ``Answer.retrieved`` with repeated ids dropped (reciprocal rank 0 when
  absent).
* ``median_answer_words``: median number of whitespace-separated words of the answered responses.
* ``latency_p50_ms``, ``latency_p95_ms``: percentiles (linear interpolation) of the wall time of
  each call that returned, measured after one untimed warm-up call.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.results import CaseResult


@dataclass(frozen=True)
class CategoryScore:
    cases: int
    passed: int

    @property
    def accuracy(self) -> float | None:
        return _ratio(self.passed, self.cases)

    def to_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "passed": self.passed, "accuracy": self.accuracy}


@dataclass(frozen=True)
class Summary:
    cases: int
    passed: int
    accuracy: float | None
    errors: int
    refuse_cases: int
    refused: int
    refusal_recall: float | None
    answered_cases: int
    answered_wrongly: int
    answered_wrongly_rate: float | None
    citations: int
    verbatim_citations: int
    citation_validity: float | None
    retrieval_cases: int
    hit_at_1: float | None
    hit_at_5: float | None
    mrr: float | None
    median_answer_words: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    by_category: dict[str, CategoryScore] = field(default_factory=dict)
    by_document: dict[str, CategoryScore] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_category"] = {name: score.to_dict() for name, score in self.by_category.items()}
        data["by_document"] = {name: score.to_dict() for name, score in self.by_document.items()}
        return data


def summarise(results: Sequence[CaseResult]) -> Summary:
    refuse = [r for r in results if r.case.expect.refuse]
    answered = [r for r in results if r.answered_response]
    verbatim_flags = [flag for r in results for flag in r.verbatim]
    ranks = [first_rank(r.outcome.retrieved, r.case.expect.sources) for r in results]
    ranked = [rank for r, rank in zip(results, ranks, strict=True) if r.case.expect.sources]
    latencies = [r.latency_ms for r in results if r.outcome.error is None]
    words = [len(r.outcome.text.split()) for r in answered]
    passed = sum(r.passed for r in results)
    refused = sum(r.outcome.declined for r in refuse)
    wrong = sum(r.stated_wrongly for r in answered)
    verbatim = sum(verbatim_flags)
    return Summary(
        cases=len(results),
        passed=passed,
        accuracy=_ratio(passed, len(results)),
        errors=sum(r.outcome.error is not None for r in results),
        refuse_cases=len(refuse),
        refused=refused,
        refusal_recall=_ratio(refused, len(refuse)),
        answered_cases=len(answered),
        answered_wrongly=wrong,
        answered_wrongly_rate=_ratio(wrong, len(answered)),
        citations=len(verbatim_flags),
        verbatim_citations=verbatim,
        citation_validity=_ratio(verbatim, len(verbatim_flags)),
        retrieval_cases=len(ranked),
        hit_at_1=_ratio(sum(rank == 1 for rank in ranked), len(ranked)),
        hit_at_5=_ratio(sum(rank is not None and rank <= 5 for rank in ranked), len(ranked)),
        mrr=_ratio(sum(1 / rank for rank in ranked if rank is not None), len(ranked)),
        median_answer_words=float(statistics.median(words)) if words else None,
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        by_category=category_scores(results),
        by_document=scores_by(results, lambda r: r.case.document),
    )


def category_scores(results: Sequence[CaseResult]) -> dict[str, CategoryScore]:
    """Scores per category, in the order the categories first appear."""
    return scores_by(results, lambda r: r.case.category)


def scores_by(
    results: Sequence[CaseResult], key: Callable[[CaseResult], str]
) -> dict[str, CategoryScore]:
    """Scores per group (a category, a document), in the order the groups first appear."""
    order = list(dict.fromkeys(key(r) for r in results))
    return {
        name: CategoryScore(
            cases=sum(key(r) == name for r in results),
            passed=sum(r.passed for r in results if key(r) == name),
        )
        for name in order
    }


def first_rank(retrieved: Sequence[str], expected: Sequence[str]) -> int | None:
    """1-based rank of the first expected id among the distinct retrieved ids, if any."""
    wanted = set(expected)
    for rank, doc_id in enumerate(dict.fromkeys(retrieved), start=1):
        if doc_id in wanted:
            return rank
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
