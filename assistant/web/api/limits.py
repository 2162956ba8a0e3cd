"""Limits on requests, all per request and per client IP, enforced as ASGI middleware:

* a body over ``max_body_bytes`` is refused with 413 before it is read (Content-Length), or as
  soon as the streamed bytes pass the limit; a body that has not arrived whole
  ``body_timeout_s`` after the request started is 408 (a client that stalls holds no worker);
* a message over ``max_message_chars`` (an email over ``max_email_chars``) is 422
  ``message_too_long``, naming the limit;
* a history longer than ``max_history_turns`` turns is cut to the latest turns, not refused;
* more than ``rate_limit_per_minute`` requests a minute from one IP is 429 with ``Retry-After``
  (a moving window counted by the ``limits`` library: in memory each worker counts its own,
  with ``rate_limit_storage`` a Redis URL every worker and host shares one count); 0 turns it
  off. The IP is the peer's, or the one X-Forwarded-For names when the peer is a proxy in
  ``forwarded_allow_ips`` (``assistant serve`` hands that list to uvicorn, whose own default
  trusts 127.0.0.1). A Redis that is down or hung costs a request at most
  ``rate_limit_timeout_s``: after ``rate_limit_breaker_failures`` failures in a row the store
  is skipped (requests let through uncounted) for ``rate_limit_breaker_cooldown_s`` seconds,
  then one request tries it again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import anyio.to_thread
from limits import RateLimitItemPerSecond
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.web.api.errors import send_error
from assistant.web.api.security import STAFF_PATH

RATE_WINDOW_SECONDS = 60
SIGN_IN_WINDOW_SECONDS = 15 * 60  # failed staff sign-ins are counted over this window
KEY_PREFIX = "assistant-rate-limit"
STORE_TIMEOUT_SECONDS = 0.25
BREAKER_FAILURES = 3
BREAKER_COOLDOWN_SECONDS = 30.0

BreakerState = Literal["closed", "open", "half_open"]

logger = logging.getLogger(__name__)


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


def _without_password(url: str) -> str:
    """The URL with its password (if any) shown as ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


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


class CircuitBreaker:
    """Stops calling a store that fails: closed, it lets every call through; after ``failures``
    failures in a row it is open and lets none through for ``cooldown_s`` seconds; then it is
    half-open and lets one trial call through, whose success closes it and whose failure opens
    it again. Thread-safe (the store is called from worker threads)."""

    def __init__(
        self,
        failures: int = BREAKER_FAILURES,
        cooldown_s: float = BREAKER_COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1 or cooldown_s <= 0:
            raise ValueError("a circuit breaker needs failures >= 1 and cooldown_s > 0")
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._lock = threading.Lock()
        self._failed = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._trial or self._cooled_down() else "open"

    def allow(self) -> bool:
        """Whether to call the store now; once cooled down, True for one trial call at a time."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial or not self._cooled_down():
                return False
            self._trial = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            self._failed = 0
            self._opened_at = None
            self._trial = False

    def failed(self) -> None:
        with self._lock:
            self._failed += 1
            self._trial = False
            if self._opened_at is not None or self._failed >= self.failures:
                self._opened_at = self.clock()

    def _cooled_down(self) -> bool:
        return self._opened_at is not None and self.clock() - self._opened_at >= self.cooldown_s


class SlidingWindowLimiter:
    """At most ``limit`` hits per ``window`` seconds for each key, in a moving window counted by
    the ``limits`` library: in this process (``memory://``, each worker its own count), or shared
    by every worker and host through Redis (``redis://host:port/db``). Redis is asked with
    ``timeout_s`` to connect and to answer, without retries, behind a ``CircuitBreaker``."""

    def __init__(
        self,
        limit: int,
        window: int = RATE_WINDOW_SECONDS,
        storage: str = "memory://",
        *,
        timeout_s: float = STORE_TIMEOUT_SECONDS,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.limit = limit
        self.item = RateLimitItemPerSecond(limit, window)
        self.shared = not storage.startswith("memory://")
        self.timeout_s = timeout_s
        self.breaker = breaker or CircuitBreaker()
        self.storage_url = _without_password(storage)
        options = _redis_options(timeout_s) if urlsplit(storage).scheme in _REDIS_SCHEMES else {}
        try:
            self.storage = storage_from_string(
                storage, key_prefix=KEY_PREFIX, wrap_exceptions=True, **options
            )
        except (LimitsConfigurationError, ValueError) as exc:
            shown = self.storage_url
            raise ConfigurationError(
                f"ASSISTANT_RATE_LIMIT_STORAGE={shown!r} cannot be used: "
                f"{str(exc).replace(storage, shown)}. Use memory:// or a Redis URL such as "
                "redis://127.0.0.1:6379/0 "
                "(with the redis extra: pip install 'programme-assistant[redis]')."
            ) from exc
        self.limiter = MovingWindowRateLimiter(self.storage)

    @classmethod
    def for_sign_in(cls, settings: Settings) -> SlidingWindowLimiter:
        """Failed staff sign-ins: ``staff_sign_in_failures`` per ``SIGN_IN_WINDOW_SECONDS``,
        counted where the rate limit counts."""
        return cls(
            settings.staff_sign_in_failures,
            window=SIGN_IN_WINDOW_SECONDS,
            storage=settings.rate_limit_storage,
            timeout_s=settings.rate_limit_timeout_s,
            breaker=CircuitBreaker(
                settings.rate_limit_breaker_failures, settings.rate_limit_breaker_cooldown_s
            ),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SlidingWindowLimiter:
        return cls(
            settings.rate_limit_per_minute,
            storage=settings.rate_limit_storage,
            timeout_s=settings.rate_limit_timeout_s,
            breaker=CircuitBreaker(
                settings.rate_limit_breaker_failures, settings.rate_limit_breaker_cooldown_s
            ),
        )

    def hit(self, key: str) -> float | None:
        """Count one hit; None when allowed, else the seconds until the next hit is allowed.
        A shared store that fails, or that the breaker skips, lets the hit through (logged)."""
        return self._asked(self.limiter.hit, key)

    def blocked(self, key: str) -> float | None:
        """The same verdict without counting a hit: None when one would be allowed."""
        return self._asked(self.limiter.test, key)

    def _asked(self, allows: Callable[..., bool], key: str) -> float | None:
        """``allows`` (the limiter's hit or test) asked behind the circuit breaker."""
        if not self.breaker.allow():
            return None
        try:
            wait = None if allows(self.item, key) else self._wait(key)
        except StorageError as exc:
            self.breaker.failed()
            logger.warning(
                "rate limit storage %s failed (circuit %s), request let through: %s",
                self.storage_url,
                self.breaker.state,
                exc,
            )
            return None
        self.breaker.succeeded()
        return wait

    def _wait(self, key: str) -> float:
        reset_time = self.limiter.get_window_stats(self.item, key).reset_time
        return max(reset_time - time.time(), 0.0)


_REDIS_SCHEMES = ("redis", "rediss", "redis+unix")


def _redis_options(timeout_s: float) -> dict[str, Any]:
    """A Redis client that gives up after ``timeout_s`` to connect or to answer, and does not
    retry (the circuit breaker decides when to try again). Nothing without the redis package:
    the library then says what to install."""
    try:
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        return {}

    return {
        "socket_connect_timeout": timeout_s,
        "socket_timeout": timeout_s,
        "retry": Retry(NoBackoff(), 0),
        "retry_on_timeout": False,
    }


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
            wait = await self._hit(client[0] if client else "unknown")
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

    async def _hit(self, key: str) -> float | None:
        """The limiter's verdict; a shared store is asked off the event loop."""
        if not self.limiter.shared:
            return self.limiter.hit(key)
        return await anyio.to_thread.run_sync(self.limiter.hit, key)
