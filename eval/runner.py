"""Run cases through an assistant, the same calls the API makes, and judge every answer.

``run_cases(load_cases(path), get_assistant())`` is the in-process entry point: questions go
through ``Assistant.ask`` (as ``POST /api/chat`` does) and ``email`` cases through
``Assistant.draft_reply`` (as ``POST /api/draft-reply`` does).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.answering.answer import Answer, Citation
from assistant.conversation.assistant import ReplyDraft, Turn
from eval.cases import Case
from eval.matching import Outcome, Reference, judge, load_reference
from eval.metrics import Summary, summarise
from eval.results import CaseResult

logger = logging.getLogger(__name__)


class Answerer(Protocol):
    """The part of the ``Assistant`` contract the evaluation calls."""

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer: ...

    def draft_reply(self, email_text: str) -> ReplyDraft: ...


@dataclass(frozen=True)
class EvalReport:
    results: tuple[CaseResult, ...]
    summary: Summary

    @property
    def failures(self) -> list[CaseResult]:
        return [result for result in self.results if not result.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_dict(),
            "results": [result.to_dict() for result in self.results],
        }


def run_cases(
    cases: Sequence[Case],
    assistant: Answerer,
    *,
    reference: Reference | None = None,
    corpus_dir: str | Path | None = None,
    warm_up: bool = True,
    on_result: Callable[[CaseResult], None] | None = None,
    workers: int = 1,
) -> EvalReport:
    """Run every case once, after one untimed warm-up call, and summarise.

    The corpus (for verbatim quotes and programme names) is ``reference``, else read from
    ``corpus_dir``, else from the configured corpus folder. ``workers`` > 1 asks that many
    cases at a time, as concurrent API requests would (the results keep the cases' order; the
    latencies then include waiting for each other).
    """
    if reference is None:
        reference = load_reference(corpus_dir or _configured_corpus_dir())
    if warm_up and cases:
        observe(cases[0], assistant)
    results: list[CaseResult] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        observed = pool.map(lambda case: observe(case, assistant), cases)
        for case, (outcome, latency_ms) in zip(cases, observed, strict=True):
            result = _judged(case, outcome, latency_ms, reference)
            logger.debug("%s: %s %s", case.id, "pass" if result.passed else "FAIL", result.why)
            if on_result is not None:
                on_result(result)
            results.append(result)
    return EvalReport(results=tuple(results), summary=summarise(results))


def _judged(case: Case, outcome: Outcome, latency_ms: float, reference: Reference) -> CaseResult:
    return CaseResult(
        case=case,
        outcome=outcome,
        verdict=judge(case.expect, outcome, reference),
        latency_ms=latency_ms,
        verbatim=tuple(reference.is_verbatim(citation) for citation in outcome.citations),
    )


def observe(case: Case, assistant: Answerer) -> tuple[Outcome, float]:
    """Make the case's call and time it; an exception becomes an errored outcome."""
    history = list(case.history)
    start = time.perf_counter()
    try:
        if case.is_email:
            draft = assistant.draft_reply(case.question)
            latency_ms = (time.perf_counter() - start) * 1000
            return outcome_of_draft(draft), latency_ms
        answer = assistant.ask(case.question, history=history, programme=case.programme)
        latency_ms = (time.perf_counter() - start) * 1000
        return outcome_of_answer(answer), latency_ms
    except Exception as exc:
        latency_ms = (time.perf_counter() - start) * 1000
        logger.warning("%s raised %s: %s", case.id, type(exc).__name__, exc)
        error = f"{type(exc).__name__}: {exc}"
        return Outcome(text="", answered=False, error=error), latency_ms


def outcome_of_answer(answer: Answer) -> Outcome:
    return Outcome(
        text=answer.text,
        answered=answer.answered,
        clarification=answer.clarification,
        citations=tuple(answer.citations),
        retrieved=tuple(answer.retrieved),
        gaps=answer.gaps,
        small_talk=answer.small_talk,
    )


def outcome_of_draft(draft: ReplyDraft) -> Outcome:
    """A reply draft is judged on its text, its answers' citations, any answer answered."""
    citations: dict[Citation, None] = {}
    retrieved: dict[str, None] = {}
    for answer in draft.answers:
        citations.update(dict.fromkeys(answer.citations))
        retrieved.update(dict.fromkeys(answer.retrieved))
    return Outcome(
        text=draft.text,
        answered=any(answer.answered for answer in draft.answers),
        citations=tuple(citations),
        retrieved=tuple(retrieved),
        gaps=len(draft.unanswered),
        small_talk=all(answer.small_talk for answer in draft.answers),
    )


def _configured_corpus_dir() -> Path:
    from assistant.config import get_settings

    return get_settings().corpus_dir
