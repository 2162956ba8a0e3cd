"""Limits on requests, all per request and per client IP, enforced as ASGI middleware:

* a body over ``max_body_bytes`` is refused with 413 before it is read (Content-Length), or as
  soon as the streamed bytes pass the limit; a body that has not arrived whole
  ``body_timeout_s`` after the request started is 408 (a client that stalls holds no worker);
* a message over ``max_message_chars`` (an email over ``max_email_chars``) is 422
  ``message_too_long``, naming the limit;
* a history longer than ``max_history_turns`` turns is cut to the latest turns, not refused;
* more than ``rate_limit_per_minute`` requests a minute from one IP is 429 with ``Retry-After``
  (in-process sliding window: each worker counts its own); 0 turns it off. The IP is the peer's,
  or the one X-Forwarded-For names when the peer is a proxy in ``forwarded_allow_ips``
  (``assistant serve`` hands that list to uvicorn, whose own default trusts 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import send_error
from assistant.api.security import STAFF_PATH

RATE_WINDOW_SECONDS = 60.0


class _BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` once a streamed body passes the limit (FastAPI re-raises it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_body_limit_message(limit))


class _BodyTimedOut(StarletteHTTPException):
    """Raised from ``receive`` when the body has not arrived in time (FastAPI re-raises it)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            status_code=408, detail=_body_timeout_message(seconds), headers={"Connection": "close"}
        )


def _body_limit_message(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes. Send a shorter request."


def _body_timeout_message(seconds: float) -> str:
    return f"The request body did not arrive within {seconds:g} seconds. Send it again."


class BodyLimitMiddleware:
    """413 for a body over ``max_bytes``: at once from Content-Length, else while it streams in;
    408 for a body still incomplete ``timeout_s`` after the request started."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await send_error(
                send,
                413,
                "payload_too_large",
                _body_limit_message(self.max_bytes),
                path=scope.get("path", ""),
            )
            return

        received = 0
        started = False
        complete = False
        deadline = time.monotonic() + self.timeout_s

        async def counting_receive() -> Message:
            nonlocal received, complete
            if complete:  # the body is in: what follows is the wait for a disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), deadline - time.monotonic())
            except TimeoutError:
                raise _BodyTimedOut(self.timeout_s) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except (_BodyTooLarge, _BodyTimedOut) as exc:
            if started:
                raise
            type_ = "payload_too_large" if exc.status_code == 413 else "request_timeout"
            await send_error(
                send, exc.status_code, type_, str(exc.detail), path=scope.get("path", "")
            )


class SlidingWindowLimiter:
    """At most ``limit`` hits per ``window`` seconds for each key; in-process, one per worker."""

    def __init__(
        self,
        limit: int,
        window: float = RATE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one hit; None when allowed, else the seconds until the next hit is allowed."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._forget_idle(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.0)
            hits.append(now)
            return None

    def _forget_idle(self, now: float) -> None:
        idle = [
            key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window
        ]
        for key in idle:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:  # every key is busy: drop the oldest ones
            for key in list(self._hits)[: len(self._hits) // 2]:
                del self._hits[key]


def _is_rate_limited(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    if path == "/api/health":
        return False
    if path.startswith(("/api/", "/v1/")):
        return True
    return scope.get("method") == "POST" and path.startswith(("/ui", STAFF_PATH))


class RateLimitMiddleware:
    """429 with Retry-After once a client IP passes its requests per minute on the API and UI."""

    def __init__(self, app: ASGIApp, limiter: SlidingWindowLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_rate_limited(scope):
            client = scope.get("client")
            wait = self.limiter.hit(client[0] if client else "unknown")
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                message = (
                    f"Too many requests: the limit is {self.limiter.limit} per minute. "
                    f"Try again in {seconds} seconds."
                )
                await send_error(
                    send,
                    429,
                    "rate_limited",
                    message,
                    {"Retry-After": str(seconds)},
                    path=scope.get("path", ""),
                )
                return
        await self.app(scope, receive, send)
