"""Staff sessions, kept on the server, and the gate in front of /staff.

Staff sign in with their own account (a name and a password, ``assistant staff add NAME``) or
with the shared staff token. Either way a new session is stored in the database (shared by every
host): a random id, stored only as its HMAC keyed with the staff token (a copy of the database
opens no session, and a new token ends every session), with its expiry and the account it was
opened for ("" for the token). The cookie (HttpOnly, SameSite=Strict, 12 hours, Secure when the
browser came over HTTPS) carries only the id; signing out deletes the session, so the same
cookie is refused from then on, on every host. Pages of ours get ``PAGE_HEADERS``: no script,
nothing loaded from elsewhere."""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode

import anyio.to_thread
import sqlalchemy as sa
from fastapi import Request
from starlette.datastructures import Headers, State
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.config import Settings
from assistant.database import staff_account, staff_session
from assistant.database.staff_accounts import StaffAccounts
from assistant.errors import FeedbackStoreError
from assistant.web.api.errors import send_error
from assistant.web.feedback import FeedbackStore

STAFF_PATH = "/staff"


STAFF_COOKIE = "pa_staff"


STAFF_SESSION_SECONDS = 12 * 3600


STAFF_OFF_MESSAGE = (
    "Staff routes are turned off on this server: the operator has to create a staff account "
    "('assistant staff add NAME') or set ASSISTANT_STAFF_TOKEN first."
)

SHARED_TOKEN_AUTHOR = "staff (shared token)"  # who a change made with the shared token is by


STAFF_SESSIONS_DOWN_MESSAGE = (
    "Staff sessions cannot be checked right now: the server's database is not working. "
    "Try again later."
)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


class StaffSessions:
    """The staff sessions opened with ``token``, in the database of ``store``."""

    def __init__(
        self,
        store: FeedbackStore,
        token: str,
        lifetime_s: float = STAFF_SESSION_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.token = token
        self.lifetime_s = lifetime_s
        self.clock = clock

    @property
    def accounts(self) -> StaffAccounts:
        return StaffAccounts(self.store.url)

    def enabled(self) -> bool:
        """Whether staff can sign in at all: a staff token is set or an account exists."""
        if self.token:
            return True
        with self.store.connect() as connection:
            return connection.execute(sa.select(staff_account.c.name).limit(1)).first() is not None

    def open(self, account: str = "") -> str:
        """A new session's id (for the cookie), for ``account`` ("" for the shared token);
        sessions that have expired are deleted."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.store.connect() as connection:
            connection.execute(sa.delete(staff_session).where(staff_session.c.expires_at <= now))
            connection.execute(
                sa.insert(staff_session),
                {
                    "key": self._key(session_id),
                    "expires_at": now + self.lifetime_s,
                    "account": account,
                },
            )
        return session_id

    def who(self, session_id: str) -> str | None:
        """Who an open session is for: its account's name, ``SHARED_TOKEN_AUTHOR`` for one
        opened with the staff token; None when it is not open (unknown, expired, closed)."""
        if not _SESSION_ID.match(session_id):
            return None
        with self.store.connect() as connection:
            row = connection.execute(
                sa.select(staff_session.c.expires_at, staff_session.c.account).where(
                    staff_session.c.key == self._key(session_id)
                )
            ).first()
        if row is None or self.clock() >= float(row.expires_at):
            return None
        if not row.account:
            return SHARED_TOKEN_AUTHOR if self.token else None
        return str(row.account)

    def is_open(self, session_id: str) -> bool:
        """Whether this id is an open session, not expired nor closed."""
        return self.who(session_id) is not None

    def close(self, session_id: str) -> None:
        """End the session: its cookie is refused from now on."""
        if not _SESSION_ID.match(session_id):
            return
        with self.store.connect() as connection:
            connection.execute(
                sa.delete(staff_session).where(staff_session.c.key == self._key(session_id))
            )

    def _key(self, session_id: str) -> str:
        return hmac.new(self.token.encode(), session_id.encode(), "sha256").hexdigest()


def staff_sessions(app_state: State, settings: Settings) -> StaffSessions:
    """The staff sessions of this app: in its feedback store, for its staff token."""
    store: FeedbackStore = app_state.feedback_store
    return StaffSessions(store, settings.staff_token or "")


_FORWARDED_HTTPS = re.compile(r"(?:^|[;,\s])proto=\"?https\"?(?:$|[;,\s])", re.IGNORECASE)


def reached_over_https(request: Request, settings: Settings) -> bool:
    """Whether the browser reached this server over HTTPS: the request's scheme (which uvicorn
    takes from X-Forwarded-Proto only for a proxy in forwarded_allow_ips), the X-Forwarded-Proto
    or Forwarded header of any sender (a Secure cookie is only stricter, so a sender that lies
    harms nobody but itself), or a public base URL on https."""
    forwarded_proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return (
        request.url.scheme in ("https", "wss")
        or forwarded_proto == "https"
        or bool(_FORWARDED_HTTPS.search(request.headers.get("forwarded", "")))
        or (settings.public_base_url or "").startswith("https://")
    )


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
        cookie = Request(scope).cookies.get(STAFF_COOKIE, "") if scope["type"] == "http" else ""
        sessions = staff_sessions(scope["app"].state, self.settings)
        try:
            signed_in = bool(cookie) and await anyio.to_thread.run_sync(sessions.is_open, cookie)
            enabled = signed_in or await anyio.to_thread.run_sync(sessions.enabled)
        except FeedbackStoreError:
            await send_error(send, 503, "staff_sessions_unavailable", STAFF_SESSIONS_DOWN_MESSAGE)
            return
        if signed_in:
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
            if enabled
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
