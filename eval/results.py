"""The judged result of one evaluation case, the unit that metrics and reports are computed from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eval.cases import Case
from eval.matching import Outcome, Verdict, first_match


@dataclass(frozen=True)
class CaseResult:
    case: Case
    outcome: Outcome
    verdict: Verdict
    latency_ms: float
    verbatim: tuple[bool, ...] = ()  # per citation: its quote is in the cited document

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def why(self) -> str:
        return self.verdict.why

    @property
    def answered_response(self) -> bool:
        """The assistant gave an answer (not a refusal, not a clarifying question)."""
        return self.outcome.answered and not self.outcome.clarification

    @property
    def stated_wrongly(self) -> bool:
        """Answered although it should decline, or with a forbidden string or a missing fact."""
        expect, text = self.case.expect, self.outcome.text
        return self.answered_response and (
            expect.refuse
            or first_match(text, expect.forbid) is not None
            or any(first_match(text, group) is None for group in expect.facts)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "category": self.case.category,
            "question": self.case.question,
            "answer": self.outcome.text,
            "answered": self.outcome.answered,
            "clarification": self.outcome.clarification,
            "citations": [
                {"source": citation.source, "quote": citation.quote, "verbatim": verbatim}
                for citation, verbatim in zip(self.outcome.citations, self.verbatim, strict=True)
            ],
            "retrieved": list(self.outcome.retrieved),
            "latency_ms": round(self.latency_ms, 1),
            "passed": self.passed,
            "why": self.why,
            "error": self.outcome.error,
        }
