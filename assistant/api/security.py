"""Staff sessions: a signed cookie traded for the staff token, and the gate in front of /staff.

The cookie (HttpOnly, SameSite=Strict, 12 hours) holds a timestamp and an HMAC of it keyed with
the staff token, never the token itself. Pages of ours get ``PAGE_HEADERS``: no script, nothing
loaded from elsewhere."""

from __future__ import annotations

import hmac
import time
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.errors import send_error
from assistant.config import Settings

STAFF_PATH = "/staff"


STAFF_COOKIE = "pa_staff"


STAFF_SESSION_SECONDS = 12 * 3600


STAFF_OFF_MESSAGE = "Staff routes are turned off on this server: the operator has to set ASSISTANT_STAFF_TOKEN first."


def _staff_signature(token: str, issued: int) -> str:
    return hmac.new(token.encode(), f"staff-session:{issued}".encode(), "sha256").hexdigest()


def staff_session(token: str, now: float | None = None) -> str:
    """A cookie value that proves the staff token was given, without holding the token."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_staff_signature(token, issued)}"


def is_staff_session(value: str, token: str, now: float | None = None) -> bool:
    """A session from ``staff_session`` for this token, at most STAFF_SESSION_SECONDS old."""
    issued, _, signature = value.partition(".")
    if not issued.isdigit() or not token:
        return False
    age = (time.time() if now is None else now) - int(issued)
    expected = _staff_signature(token, int(issued))
    return 0 <= age <= STAFF_SESSION_SECONDS and hmac.compare_digest(signature, expected)


def staff_next(value: str) -> str:
    """Where to go after signing in: a page of the staff view, never another site."""
    return value if value.startswith(f"{STAFF_PATH}/") and "//" not in value else f"{STAFF_PATH}/"


class StaffGateMiddleware:
    """Everything under /staff (the staff view and its Gradio calls) needs a staff session;
    a browser without one is sent to the sign-in page."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        gated = scope["type"] in ("http", "websocket") and (
            path == STAFF_PATH or path.startswith(f"{STAFF_PATH}/")
        )
        if not gated or path in (f"{STAFF_PATH}/login", f"{STAFF_PATH}/logout"):
            await self.app(scope, receive, send)
            return
        token = self.settings.staff_token or ""
        cookies = Request(scope).cookies if scope["type"] == "http" else {}
        if token and is_staff_session(cookies.get(STAFF_COOKIE, ""), token):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope.get("method") == "GET" and "text/html" in Headers(scope=scope).get("accept", ""):
            target = f"{STAFF_PATH}/login?{urlencode({'next': staff_next(path)})}"
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [(b"location", target.encode()), (b"cache-control", b"no-store")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        status, type_, message = (
            (401, "unauthorized", f"Sign in at {STAFF_PATH}/login first.")
            if token
            else (403, "forbidden", STAFF_OFF_MESSAGE)
        )
        await send_error(send, status, type_, message)


# A page of ours runs no script and loads nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
