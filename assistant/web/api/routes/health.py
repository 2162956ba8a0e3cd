"""GET /api/health: whether the assistant can answer, for load balancers and operators."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request

from assistant.conversation.assistant import Assistant
from assistant.web.api.limits import SlidingWindowLimiter
from assistant.web.api.schemas import ErrorOut, HealthOut
from assistant.web.feedback import FeedbackStore

router = APIRouter()


HEALTH_INTERVAL_SECONDS = 5.0


@dataclass(frozen=True)
class HealthState:
    """The outcome of one health check: a report, or the error that stopped it."""

    checked: float
    report: HealthOut | None = None
    error: Exception | None = None

    def result(self) -> HealthOut:
        if self.report is None:  # the same error each time: its traceback must not pile up
            error = self.error or RuntimeError("the health check has no outcome")
            raise error.with_traceback(None)
        return self.report


class HealthMonitor:
    """The service's state as of the last check. A check that is older than ``interval`` seconds
    is redone in a thread of its own, so /api/health answers at once, however busy the answer
    path is, and a slow index load or database never holds it up."""

    def __init__(
        self,
        assistant: Callable[[], Assistant],
        feedback: FeedbackStore,
        interval: float = HEALTH_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.interval = interval
        self.clock = clock
        self._state: HealthState | None = None
        self._checking = threading.Lock()

    def current(self) -> HealthState | None:
        """The last state (None before the first check); starts a fresh check when it is stale."""
        state = self._state
        stale = state is not None and self.clock() - state.checked > self.interval
        if stale and self._checking.acquire(blocking=False):
            threading.Thread(target=self._check_and_release, daemon=True).start()
        return state

    def check(self) -> HealthState:
        """Check now and remember the outcome."""
        try:
            self._state = HealthState(self.clock(), report=self._report())
        except Exception as exc:  # the route raises it again: mapped like any other error
            self._state = HealthState(self.clock(), error=exc)
        return self._state

    def _check_and_release(self) -> None:
        try:
            self.check()
        finally:
            self._checking.release()

    def _report(self) -> HealthOut:
        assistant = self.assistant()
        programmes = len(assistant.programmes())
        stats = assistant.stats()
        problem = self.feedback.problem()
        return HealthOut(
            status="degraded" if problem else "ok",
            programmes=programmes,
            documents=stats.get("documents"),
            chunks=stats.get("chunks"),
            feedback="unavailable" if problem else "ok",
            problems=[problem] if problem else [],
        )


@router.get(
    "/api/health",
    response_model=HealthOut,
    responses={503: {"model": ErrorOut}},
    tags=["service"],
)
async def health(request: Request) -> HealthOut:
    """Whether the assistant can answer, how much its index holds, whether votes are stored and
    whether requests are counted against the rate limit.
    Answered from the last check (a few seconds old at most), never waiting for answers."""
    monitor: HealthMonitor = request.app.state.health
    state = monitor.current()
    if state is None:  # the first check: in a thread of its own, not one the answers need
        state = await asyncio.to_thread(monitor.check)
    report = state.result()  # no index yet: IndexNotReadyError, answered with 503
    return with_rate_limit(report, getattr(request.app.state, "rate_limiter", None))


def with_rate_limit(report: HealthOut, limiter: SlidingWindowLimiter | None) -> HealthOut:
    """The report with the rate limit's state as of now (its circuit breaker changes with every
    request, so it is not cached with the rest)."""
    if limiter is None:
        return report.model_copy(update={"rate_limit": "off"})
    if not limiter.shared:
        return report.model_copy(update={"rate_limit": "ok"})
    circuit = limiter.breaker.state
    if circuit == "closed":
        return report.model_copy(update={"rate_limit": "ok", "rate_limit_circuit": circuit})
    problem = (
        f"the rate-limit store {limiter.storage_url} is not answering: requests are let through "
        f"without being counted until it does (circuit {circuit.replace('_', '-')})"
    )
    return report.model_copy(
        update={
            "status": "degraded",
            "rate_limit": "unavailable",
            "rate_limit_circuit": circuit,
            "problems": [*report.problems, problem],
        }
    )
