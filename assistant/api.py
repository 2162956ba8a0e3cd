"""The HTTP surface: ``create_app()`` with the chat, OpenAI-compatible, staff and feedback routes.

The server keeps no per-user state: a conversation's history travels with every request. This is
the only module that maps the assistant's exceptions to HTTP status codes:

=====================  ======  ===========================================================
error                  status  ``error.type``
=====================  ======  ===========================================================
InputError             422     ``invalid_input``
IndexNotReadyError     503     ``index_not_ready`` (the operator has to run ingest)
StoreError             503     ``store_unavailable``
FeedbackStoreError     503     ``feedback_unavailable`` (votes are not saved; answers still work)
any other              500     ``internal_error`` (logged; the response says nothing more)
=====================  ======  ===========================================================

Every error body is ``{"error": {"type": ..., "message": ...}}``. On /v1 it is OpenAI's error
object instead, ``{"error": {"message", "type", "param", "code"}}`` with our type as its
``code``, and a bad request is 400 ``invalid_request_error`` rather than 422, because OpenAI
clients raise their errors by status. Decisions about limits, all per request and per client IP:

* a body over ``max_body_bytes`` is refused with 413 before it is read (Content-Length), or as
  soon as the streamed bytes pass the limit; a body that has not arrived whole
  ``body_timeout_s`` after the request started is 408 (a client that stalls holds no worker);
* a message over ``max_message_chars`` (an email over ``max_email_chars``) is 422
  ``message_too_long``, naming the limit;
* a history longer than ``max_history_turns`` turns is cut to the latest turns, not refused;
* more than ``rate_limit_per_minute`` requests a minute from one IP is 429 with ``Retry-After``
  (in-process sliding window: each worker counts its own); 0 turns it off. The IP is the peer's,
  or the one X-Forwarded-For names when the peer is a proxy in ``forwarded_allow_ips``
  (``assistant serve`` hands that list to uvicorn, whose own default trusts 127.0.0.1);
* the CSV export and the reply drafts need the staff token (401 otherwise), as
  ``Authorization: Bearer <staff_token>`` or as the session cookie that signing in at
  /staff/login sets (HttpOnly, SameSite=Strict, signed with the token, 12 hours); everything
  under /staff (the staff view) needs that session too. All of it is 403 when the server has no
  staff token at all, so a missing setting never opens it.

A document is served from the file the index recorded, as text (a PDF's extracted text, a web
page's visible text): as a page to a browser (its quote highlighted), as Markdown or JSON to
other clients; see ``get_document``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlencode
from urllib.parse import quote as url_quote

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.answer import Answer, Citation
from assistant.chat import (
    Assistant,
    ProgrammeInfo,
    ReplyDraft,
    Turn,
    checked_input,
    get_assistant,
    latest_turns,
)
from assistant.config import Settings, get_settings
from assistant.errors import (
    AssistantError,
    CorpusError,
    FeedbackStoreError,
    IndexNotReadyError,
    InputError,
    MessageTooLongError,
    StoreError,
)
from assistant.feedback import (
    CSV_BOM,
    MAX_COMMENT_CHARS,
    MAX_SOURCES,
    MAX_TEXT_CHARS,
    FeedbackStore,
    record_feedback,
)
from assistant.pages import QUOTE_ID, DocumentHeader, document_page, staff_login_page

logger = logging.getLogger(__name__)

MODEL_ID = "programme-assistant"
OPENAI_PREFIX = "/v1/"
STATIC_DIR = Path(__file__).resolve().parent / "static"
DOCUMENTS_PATH = "/api/documents/"
RATE_WINDOW_SECONDS = 60.0
HEALTH_INTERVAL_SECONDS = 5.0
MAX_ID_CHARS = 200
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")  # at most MAX_ID_CHARS
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# --------------------------------------------------------------------------- request/response


_NOT_UNICODE = "is not valid Unicode text: it holds an unpaired surrogate (such as \\ud800)"


def _unicode_text(text: str) -> str:
    """JSON can carry a lone surrogate (an escaped ``\\ud800``) that no UTF-8 text can hold.
    (A field with a length limit is refused by pydantic itself, as ``string_unicode``.)"""
    if _SURROGATE.search(text):
        raise ValueError(_NOT_UNICODE)
    return text


Text = Annotated[str, AfterValidator(_unicode_text)]


class HistoryMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: Text


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message": "How much is the tuition fee for non-EEA students?",
                    "history": [],
                    "programme": "kul-biomedical-engineering-postgraduate",
                }
            ]
        }
    )

    message: Text = Field(
        min_length=1, description="The question; at most ASSISTANT_MAX_MESSAGE_CHARS characters."
    )
    history: list[HistoryMessage] = Field(
        default_factory=list,
        description="Earlier messages, oldest first; only the latest "
        "ASSISTANT_MAX_HISTORY_TURNS turns (question and answer) are used.",
    )
    programme: Text | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Id of a programme (GET /api/programmes) to ask about.",
    )


class CitationOut(BaseModel):
    source: str = Field(description="Document id.")
    title: str
    quote: str = Field(description="Verbatim text from the document.")
    heading: str = ""
    url: str = Field(
        description="Where the document can be read, with this quote highlighted "
        "(GET /api/documents/{id}?quote=...#quote): under ASSISTANT_PUBLIC_BASE_URL when it is "
        "set, else a path on this server."
    )


class AnswerOut(BaseModel):
    text: str
    answered: bool = Field(description="False when the documents do not hold the answer.")
    citations: list[CitationOut]
    programme: str | None
    standalone_question: str
    language: str
    clarification: bool = Field(description="True when the text asks which programme is meant.")


class DraftRequest(BaseModel):
    email: Text = Field(
        min_length=1,
        description="The applicant's email; at most ASSISTANT_MAX_EMAIL_CHARS characters.",
    )


class DraftOut(BaseModel):
    reply: str
    questions: list[str]
    unanswered: list[str] = Field(description="Questions the documents do not answer.")
    citations: list[CitationOut]


class FeedbackIn(BaseModel):
    rating: Literal["up", "down"]
    comment: Text = Field(
        default="",
        max_length=MAX_COMMENT_CHARS,
        description="Optional: what was wrong (or right).",
    )
    question: Text = Field(max_length=MAX_TEXT_CHARS)
    answer: Text = Field(max_length=MAX_TEXT_CHARS)
    sources: list[Annotated[Text, Field(max_length=MAX_ID_CHARS)]] = Field(
        default_factory=list, max_length=MAX_SOURCES, description="Ids of the cited documents."
    )
    programme: Text | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Id of the programme the answer is about.",
    )
    conversation_id: Text | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="An id the client keeps for one conversation, to read its turns together.",
    )


class FeedbackOut(BaseModel):
    id: int
    status: Literal["stored"] = "stored"


class ProgrammeOut(BaseModel):
    id: str
    title: str
    institution: str
    programme: str
    kind: str
    academic_year: str | None
    url: str


class DocumentOut(ProgrammeOut):
    markdown: str = Field(
        description="The document's text as indexed: Markdown, or a PDF's or web page's text."
    )


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="degraded: questions are answered, but a part (see `problems`) is not working."
    )
    programmes: int | None = None
    documents: int | None = None
    chunks: int | None = None
    feedback: Literal["ok", "unavailable"] = Field(
        default="ok", description="Whether votes (POST /api/feedback) can be stored."
    )
    problems: list[str] = Field(default_factory=list, description="What is not working, if any.")


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorOut(BaseModel):
    """OpenAI's error object, the shape its clients read on /v1."""

    error: OpenAIErrorDetail


# OpenAI chat completions, the subset a chat client sends; other fields are accepted and ignored.


class OpenAIContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: Text | None = None


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: Text | list[OpenAIContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class OpenAIStreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: OpenAIStreamOptions | None = None
    n: int | None = Field(default=None, description="Only 1 (the default) is served.")
    programme: Text | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Extension: the programme id to ask about.",
    )


# --------------------------------------------------------------------------- hardening


class RequestLimitError(Exception):
    """A request the HTTP layer refuses before it reaches the assistant."""

    def __init__(
        self, status: int, type_: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = headers or {}


class OpenAIError(RequestLimitError):
    """A refusal on /v1, in OpenAI's shape: 400 ``invalid_request_error`` naming the parameter."""

    def __init__(
        self,
        message: str,
        param: str | None = None,
        code: str | None = None,
        status: int = 400,
        type_: str = "invalid_request_error",
    ) -> None:
        super().__init__(status, type_, message)
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


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


def _error_body(
    type_: str, message: str, path: str = "", status: int = 400, param: str | None = None
) -> dict[str, Any]:
    """Our error shape; on /v1 OpenAI's, with our type as its ``code``."""
    if not path.startswith(OPENAI_PREFIX):
        return {"error": {"type": type_, "message": message}}
    openai_type = {
        401: "authentication_error",
        404: "invalid_request_error",
        429: "rate_limit_error",
    }.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": openai_type, "param": param, "code": type_}}


async def _send_error(
    send: Send,
    status: int,
    type_: str,
    message: str,
    headers: dict[str, str] | None = None,
    path: str = "",
) -> None:
    body = json.dumps(_error_body(type_, message, path, status)).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


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
            await _send_error(
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
            await _send_error(
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
                await _send_error(
                    send,
                    429,
                    "rate_limited",
                    message,
                    {"Retry-After": str(seconds)},
                    path=scope.get("path", ""),
                )
                return
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------- health


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
        problem = self.feedback.problem()
        return HealthOut(
            status="degraded" if problem else "ok",
            programmes=programmes,
            **assistant.stats(),
            feedback="unavailable" if problem else "ok",
            problems=[problem] if problem else [],
        )


# --------------------------------------------------------------------------- dependencies


class AssistantProvider:
    """Resolves the assistant on first use, so the app starts before the index is opened."""

    def __init__(self, assistant: Assistant | None = None) -> None:
        self._assistant = assistant
        self._lock = threading.Lock()

    def __call__(self) -> Assistant:
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    self._assistant = get_assistant()
        return self._assistant


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def current_assistant(request: Request) -> Assistant:
    provider: AssistantProvider = request.app.state.assistant_provider
    return provider()


def feedback_store(request: Request) -> FeedbackStore:
    store: FeedbackStore = request.app.state.feedback_store
    return store


SettingsDep = Annotated[Settings, Depends(app_settings)]
AssistantDep = Annotated[Assistant, Depends(current_assistant)]
FeedbackDep = Annotated[FeedbackStore, Depends(feedback_store)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="StaffToken",
    description="The staff token (ASSISTANT_STAFF_TOKEN) as `Authorization: Bearer <token>`.",
)


def require_staff(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 without the staff token (bearer or the staff view's session cookie); 403 when the
    server has no staff token at all."""
    if not settings.staff_token:
        raise RequestLimitError(403, "forbidden", STAFF_OFF_MESSAGE)
    given = credentials.credentials if credentials else ""
    if hmac.compare_digest(given.encode(), settings.staff_token.encode()):
        return
    if is_staff_session(request.cookies.get(STAFF_COOKIE, ""), settings.staff_token):
        return
    raise RequestLimitError(
        401,
        "unauthorized",
        "Send the staff token as 'Authorization: Bearer <token>', "
        f"or sign in at {STAFF_PATH}/login.",
        {"WWW-Authenticate": "Bearer"},
    )


StaffDep = Annotated[None, Depends(require_staff)]


# --------------------------------------------------------------------------- staff sessions

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


def _staff_next(value: str) -> str:
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
            target = f"{STAFF_PATH}/login?{urlencode({'next': _staff_next(path)})}"
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
        await _send_error(send, status, type_, message)


# --------------------------------------------------------------------------- conversions


DocumentUrl = Callable[[str], str]


def _document_url_for(request: Request) -> DocumentUrl:
    """Where a document is read: under the configured public base URL, else a path relative to
    this server. Never built from the request's Host header, which the client chooses."""
    settings = app_settings(request)
    base = settings.public_base_url or request.scope.get("root_path", "")
    return lambda doc_id: f"{base}{DOCUMENTS_PATH}{url_quote(doc_id, safe='')}"


def quoted_passage_url(document_url: str, quote: str) -> str:
    """The document view scrolled to the quote and highlighting it."""
    if not quote.strip():
        return document_url
    return f"{document_url}?{urlencode({'quote': quote.strip()})}#{QUOTE_ID}"


def _citation_out(citation: Citation, document_url: DocumentUrl) -> CitationOut:
    return CitationOut(
        source=citation.source,
        title=citation.title,
        quote=citation.quote,
        heading=citation.heading,
        url=quoted_passage_url(document_url(citation.source), citation.quote),
    )


def answer_out(answer: Answer, document_url: DocumentUrl) -> AnswerOut:
    return AnswerOut(
        text=answer.text,
        answered=answer.answered,
        citations=[_citation_out(c, document_url) for c in answer.citations],
        programme=answer.programme,
        standalone_question=answer.standalone_question,
        language=answer.language,
        clarification=answer.clarification,
    )


def draft_out(draft: ReplyDraft, document_url: DocumentUrl) -> DraftOut:
    seen: set[tuple[str, str]] = set()
    citations = []
    for answer in draft.answers:
        for citation in answer.citations:
            if (citation.source, citation.quote) not in seen:
                seen.add((citation.source, citation.quote))
                citations.append(_citation_out(citation, document_url))
    return DraftOut(
        reply=draft.text,
        questions=list(draft.questions),
        unanswered=list(draft.unanswered),
        citations=citations,
    )


def _programme_fields(info: ProgrammeInfo, document_url: DocumentUrl) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "institution": info.institution,
        "programme": info.programme,
        "kind": info.kind,
        "academic_year": info.academic_year,
        "url": document_url(info.id),
    }


def recent_history(history: Iterable[HistoryMessage], settings: Settings) -> list[Turn]:
    turns = [Turn(role=m.role, content=m.content) for m in history]
    return latest_turns(turns, settings.max_history_turns)


def _conversation(
    body: ChatRequest, settings: Settings, assistant: Assistant
) -> tuple[str, list[Turn], str | None]:
    """A chat request as the assistant takes it: the question, recent history, programme."""
    return (
        checked_input(body.message, settings.max_message_chars),
        recent_history(body.history, settings),
        _programme_filter(body.programme, assistant),
    )


def _programme_filter(programme: str | None, assistant: Assistant) -> str | None:
    """The programme id to narrow the search to; a typo fails loudly instead of being ignored."""
    wanted = (programme or "").strip()
    if not wanted:
        return None
    if wanted not in {p.id for p in assistant.programmes()}:
        shown = wanted if _DOC_ID.match(wanted) else "this id"
        raise RequestLimitError(
            422,
            "unknown_programme",
            f"There is no programme {shown!r}. GET /api/programmes lists the ids to use.",
        )
    return wanted


# --------------------------------------------------------------------------- server-sent events


def _sse(event: str | None, data: Any) -> bytes:
    return format_sse_event(data_str=json.dumps(data, ensure_ascii=False), event=event)


def _first_item(
    events: Iterator[str | Answer],
) -> tuple[str | Answer | None, Iterator[str | Answer]]:
    """Take the first item now, so an error before any text still gets its own status code."""
    try:
        return next(events), events
    except StopIteration:
        return None, iter(())


def _stream_items(
    first: str | Answer | None, rest: Iterator[str | Answer]
) -> Iterator[str | Answer]:
    if first is not None:
        yield first
    yield from rest


def _error_for(exc: Exception) -> tuple[int, str, str]:
    """Status, type and a message a person can act on, for an exception from the assistant."""
    if isinstance(exc, MessageTooLongError):
        return 422, "message_too_long", str(exc)
    if isinstance(exc, InputError):
        return 422, "invalid_input", str(exc) or "The request cannot be answered as sent."
    if isinstance(exc, IndexNotReadyError):
        return (
            503,
            "index_not_ready",
            "The document index has not been built yet: the operator has to run ingest "
            "(python ingest.py), then try again.",
        )
    if isinstance(exc, FeedbackStoreError):
        return (
            503,
            "feedback_unavailable",
            "The feedback store is not working right now, so feedback cannot be saved "
            "(answers are not affected). Try again later.",
        )
    if isinstance(exc, StoreError):
        return (
            503,
            "store_unavailable",
            "The document store is not reachable right now. Try again in a minute.",
        )
    return (
        500,
        "internal_error",
        "Something went wrong on the server while answering. Try again; if it keeps "
        "happening, tell the site's administrator.",
    )


def _chat_events(
    first: str | Answer | None, rest: Iterator[str | Answer], document_url: DocumentUrl
) -> Iterator[bytes]:
    try:
        for item in _stream_items(first, rest):
            if isinstance(item, Answer):
                yield _sse("answer", answer_out(item, document_url).model_dump())
                yield _sse("done", {})
                return
            yield _sse("delta", {"text": item})
        raise RuntimeError("the assistant's stream ended without an answer")
    except Exception as exc:
        _, type_, message = _error_for(exc)
        logger.exception("chat stream failed")
        yield _sse("error", {"type": type_, "message": message})


# --------------------------------------------------------------------------- OpenAI compatible


OPENAI_DESCRIPTION = """\
OpenAI-compatible chat completions: point the `openai` client, LangChain's `ChatOpenAI` or a chat
front end at `<host>/v1` with any API key and the model `programme-assistant`.

The last `user` message is the question; earlier `user`/`assistant` messages are the history;
`system`, `developer` and `tool` messages are ignored. Sampling parameters are accepted and
ignored. An extra body field `programme` (a programme id) narrows the search.

**Citations.** Besides the standard fields, the completion carries two extra top-level fields:
`citations`, a list of `{source, title, quote, heading, url}` (the same objects as
`POST /api/chat`), and `answered` (false when the documents do not hold the answer). When
streaming, they are on the final chunk, the one whose `finish_reason` is `"stop"`. With the
`openai` Python client read them as `completion.model_extra["citations"]` (or
`chunk.model_extra["citations"]`).

`usage` counts words, not tokens: the assistant has no tokenizer.

**Errors** follow OpenAI: a bad request is 400 with `{"error": {"message", "type":
"invalid_request_error", "param", "code"}}`; a model other than `programme-assistant` is 404
`model_not_found`; `n` other than 1 is refused (400, `param: "n"`).
"""


def _openai_request(
    body: ChatCompletionRequest, settings: Settings, assistant: Assistant
) -> tuple[str, list[Turn], str | None]:
    """Question, history and programme of a completion request, refused as OpenAI refuses."""
    if body.model != MODEL_ID:
        raise _model_not_found(body.model)
    if body.n is not None and body.n != 1:
        raise OpenAIError(
            f"n={body.n} is not supported: this assistant gives one answer per question, "
            "so n must be 1 (or left out).",
            param="n",
            code="unsupported_value",
        )
    try:
        question, history = _conversation_from_openai(body.messages, settings)
    except InputError as exc:
        _, code, message = _error_for(exc)
        raise OpenAIError(message, param="messages", code=code) from exc
    try:
        programme = _programme_filter(body.programme, assistant)
    except RequestLimitError as exc:
        raise OpenAIError(exc.message, param="programme", code=exc.type) from exc
    return question, history, programme


def _model_not_found(model: str) -> OpenAIError:
    shown = model if _DOC_ID.match(model) else "this model"
    return OpenAIError(
        f"The model '{shown}' does not exist. GET /v1/models lists the one model: '{MODEL_ID}'.",
        param="model",
        code="model_not_found",
        status=404,
    )


def _conversation_from_openai(
    messages: Sequence[OpenAIMessage], settings: Settings
) -> tuple[str, list[Turn]]:
    turns = [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise InputError("The last message must come from the user: it is the question.")
    question = checked_input(turns[-1][1], settings.max_message_chars)
    history = [HistoryMessage.model_validate({"role": r, "content": t}) for r, t in turns[:-1]]
    return question, recent_history(history, settings)


def _usage(question: str, history: Sequence[Turn], text: str) -> dict[str, int]:
    prompt = len(question.split()) + sum(len(turn.content.split()) for turn in history)
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion_chunk(cid: str, created: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "system_fingerprint": None,
        **fields,
    }


def _openai_events(
    first: str | Answer | None,
    rest: Iterator[str | Answer],
    document_url: DocumentUrl,
    include_usage: bool,
    question: str,
    history: Sequence[Turn],
) -> Iterator[bytes]:
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def choice(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]

    def data(payload: dict[str, Any]) -> bytes:
        return _sse(None, payload)

    yield data(
        _completion_chunk(cid, created, choices=choice({"role": "assistant", "content": ""}))
    )
    try:
        for item in _stream_items(first, rest):
            if isinstance(item, Answer):
                out = answer_out(item, document_url)
                final = _completion_chunk(
                    cid,
                    created,
                    choices=choice({}, "stop"),
                    citations=[c.model_dump() for c in out.citations],
                    answered=out.answered,
                )
                yield data(final)
                if include_usage:
                    usage = _usage(question, history, item.text)
                    yield data(_completion_chunk(cid, created, choices=[], usage=usage))
                yield b"data: [DONE]\n\n"
                return
            yield data(_completion_chunk(cid, created, choices=choice({"content": item})))
        raise RuntimeError("the assistant's stream ended without an answer")
    except Exception as exc:
        _, type_, message = _error_for(exc)
        logger.exception("chat completion stream failed")
        yield data(_error_body(type_, message, OPENAI_PREFIX, 500))


# --------------------------------------------------------------------------- routes

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": description}
    for code, description in {
        413: "The body is larger than ASSISTANT_MAX_BODY_BYTES.",
        422: "Malformed JSON, a missing field, or a message over the limit.",
        429: "Too many requests from this client; see Retry-After.",
        503: "The index is not built yet (run ingest), the store is unreachable, or (for "
        "feedback) the feedback store is not working.",
    }.items()
}


def _sse_items(events: list[str] | None, description: str) -> dict[str, Any]:
    """An OpenAPI 3.2 ``itemSchema`` for a text/event-stream response."""
    event: dict[str, Any] = {"type": "string"}
    if events:
        event["enum"] = events
    return {
        "itemSchema": {
            "type": "object",
            "properties": {
                "event": event,
                "data": {"type": "string", "contentMediaType": "application/json"},
            },
            "required": ["data"],
            "description": description,
        }
    }


_SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Server-Sent Events: `delta` events `{text}` with the answer as it is written, "
            "then one `answer` event with the complete Answer (as POST /api/chat returns it), "
            "then `done`. An error after the stream started arrives as an `error` event "
            "`{type, message}`."
        ),
        "content": {
            "text/event-stream": _sse_items(
                ["delta", "answer", "done", "error"], "One event; `data` is JSON."
            )
        },
    }
}

_OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": OpenAIErrorOut, "description": description}
    for code, description in {
        400: "`invalid_request_error`: malformed JSON, a missing field, a message over the "
        "limit, `n` other than 1; `param` names the field.",
        404: "`model_not_found`: a model other than the one GET /v1/models lists.",
        413: "The body is larger than ASSISTANT_MAX_BODY_BYTES.",
        429: "`rate_limit_error`: too many requests from this client; see Retry-After.",
        503: "`server_error`: the index is not built yet or the store is unreachable.",
    }.items()
}

_STAFF_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong staff token (or staff session)."},
    403: {"model": ErrorOut, "description": "No staff token is configured on the server."},
}

router = APIRouter()


@router.post("/api/chat", response_model=AnswerOut, responses=_ERRORS, tags=["chat"])
def chat(
    body: ChatRequest, request: Request, settings: SettingsDep, assistant: AssistantDep
) -> AnswerOut:
    """Answer one question in the light of the conversation so far, with citations."""
    answer = assistant.ask(*_conversation(body, settings, assistant))
    return answer_out(answer, _document_url_for(request))


@router.post(
    "/api/chat/stream",
    response_model=None,
    responses={**_ERRORS, **_SSE_RESPONSE},
    tags=["chat"],
)
def chat_stream(
    body: ChatRequest, request: Request, settings: SettingsDep, assistant: AssistantDep
) -> EventSourceResponse:
    """The same as POST /api/chat, streamed as Server-Sent Events."""
    events = assistant.stream(*_conversation(body, settings, assistant))
    first, rest = _first_item(iter(events))
    return EventSourceResponse(
        _chat_events(first, rest, _document_url_for(request)),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/v1/chat/completions",
    responses={
        **_OPENAI_ERRORS,
        200: {
            "description": "A `chat.completion`, or `chat.completion.chunk` events when "
            "`stream` is true; both with the extra `citations` and `answered` fields.",
            "content": {
                "application/json": {},
                "text/event-stream": _sse_items(
                    None, "`data` is a chat.completion.chunk as JSON, the last one `[DONE]`."
                ),
            },
        },
    },
    description=OPENAI_DESCRIPTION,
    tags=["openai"],
)
def chat_completions(
    body: ChatCompletionRequest, request: Request, settings: SettingsDep, assistant: AssistantDep
) -> Any:
    """Create a chat completion (OpenAI-compatible), with citations."""
    question, history, programme = _openai_request(body, settings, assistant)
    document_url = _document_url_for(request)
    if body.stream:
        events = assistant.stream(question, history, programme)
        first, rest = _first_item(iter(events))
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventSourceResponse(
            _openai_events(first, rest, document_url, include_usage, question, history),
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = answer_out(assistant.ask(question, history, programme), document_url)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(question, history, answer.text),
        "citations": [c.model_dump() for c in answer.citations],
        "answered": answer.answered,
    }


@router.get("/v1/models", tags=["openai"])
def list_models() -> dict[str, Any]:
    """The one model this server offers (OpenAI-compatible)."""
    return {
        "object": "list",
        "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "programme-assistant"}
        ],
    }


@router.get("/v1/models/{model_id}", tags=["openai"], include_in_schema=False)
def get_model(model_id: str) -> dict[str, Any]:
    if model_id != MODEL_ID:
        raise _model_not_found(model_id)
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "programme-assistant"}


@router.post(
    "/api/draft-reply",
    response_model=DraftOut,
    responses={**_ERRORS, **_STAFF_ERRORS},
    tags=["staff"],
)
def draft_reply(
    body: DraftRequest,
    request: Request,
    settings: SettingsDep,
    assistant: AssistantDep,
    _staff: StaffDep,
) -> DraftOut:
    """Draft a reply to an applicant's email for staff to check; lists what it cannot answer."""
    email_text = checked_input(body.email, settings.max_email_chars, "email")
    return draft_out(assistant.draft_reply(email_text), _document_url_for(request))


@router.post(
    "/api/feedback",
    response_model=FeedbackOut,
    status_code=201,
    responses=_ERRORS,
    tags=["feedback"],
)
def post_feedback(body: FeedbackIn, store: FeedbackDep) -> FeedbackOut:
    """Store a thumbs up or down on an answer, with an optional comment."""
    feedback_id = record_feedback(
        store,
        rating=body.rating,
        question=body.question,
        answer=body.answer,
        sources=body.sources,
        comment=body.comment,
        programme=body.programme or "",
        conversation_id=body.conversation_id or "",
    )
    return FeedbackOut(id=feedback_id)


@router.get(
    "/api/feedback/export",
    response_model=None,
    dependencies=[Depends(require_staff)],
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "Every verdict as CSV (UTF-8 with a byte order mark, so spreadsheet "
            "programs read it as UTF-8), oldest first.",
        },
        **_STAFF_ERRORS,
    },
    tags=["feedback"],
)
def export_feedback(store: FeedbackDep) -> PlainTextResponse:
    """All feedback as CSV (staff only: `Authorization: Bearer <ASSISTANT_STAFF_TOKEN>`)."""
    return PlainTextResponse(
        CSV_BOM + store.export_csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="feedback.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/api/health",
    response_model=HealthOut,
    responses={503: {"model": ErrorOut}},
    tags=["service"],
)
async def health(request: Request) -> HealthOut:
    """Whether the assistant can answer, how much its index holds, and whether votes are stored.
    Answered from the last check (a few seconds old at most), never waiting for answers."""
    monitor: HealthMonitor = request.app.state.health
    state = monitor.current()
    if state is None:  # the first check: in a thread of its own, not one the answers need
        state = await asyncio.to_thread(monitor.check)
    return state.result()  # no index yet: IndexNotReadyError, answered with 503


@router.get("/api/programmes", response_model=list[ProgrammeOut], tags=["documents"])
def programmes(request: Request, assistant: AssistantDep) -> list[ProgrammeOut]:
    """The programmes the assistant knows, for a picker; `id` goes into `programme`."""
    document_url = _document_url_for(request)
    return [ProgrammeOut(**_programme_fields(p, document_url)) for p in assistant.programmes()]


@router.get(
    "/api/documents/{doc_id}",
    name="get_document",
    responses={
        200: {
            "content": {
                "text/html": {},
                "text/plain": {},
                "application/json": {"schema": DocumentOut.model_json_schema()},
            },
            "description": "The document's text as it was indexed (a PDF's extracted text, a "
            "web page's visible text): as a web page (for a browser, `Accept: text/html`, or "
            "`?format=html`), its quote highlighted and scrolled to with `#quote`; as text "
            "(`text/plain`, the default for other clients, or `?format=text`); as JSON with its "
            "description (`Accept: application/json` or `?format=json`).",
        },
        404: {"model": ErrorOut, "description": "No document has this id."},
        422: {"model": ErrorOut, "description": "An unknown `format`, or a `quote` too long."},
    },
    tags=["documents"],
)
def get_document(
    doc_id: str,
    request: Request,
    assistant: AssistantDep,
    format: Literal["html", "text", "json"] | None = None,
    quote: Annotated[str | None, Query(max_length=2000)] = None,
) -> Any:
    """A source document, the target of every citation's `url`."""
    if not _DOC_ID.match(doc_id):
        raise _unknown_document(doc_id)
    try:
        info, markdown = assistant.document(doc_id)
    except (LookupError, OSError, InputError, CorpusError) as exc:
        raise _unknown_document(doc_id) from exc
    wanted = format or _negotiated_format(request.headers.get("accept", ""))
    if wanted == "json":
        fields = _programme_fields(info, _document_url_for(request))
        return DocumentOut(**fields, markdown=markdown)
    if wanted == "html":
        header = DocumentHeader(info.id, info.title, info.institution, info.academic_year)
        return HTMLResponse(document_page(header, markdown, quote), headers=PAGE_HEADERS)
    return PlainTextResponse(
        markdown,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


# A page of ours runs no script and loads nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _negotiated_format(accept: str) -> Literal["html", "text", "json"]:
    """What the client asked for: a browser gets the page, an API client the Markdown."""
    if accept.startswith("application/json"):
        return "json"
    return "html" if "text/html" in accept else "text"


def _unknown_document(doc_id: str) -> RequestLimitError:
    shown = doc_id if _DOC_ID.match(doc_id) else "this id"
    return RequestLimitError(
        404, "not_found", f"There is no document {shown!r}. GET /api/programmes lists them."
    )


@router.get(f"{STAFF_PATH}/login", include_in_schema=False)
def staff_login_form(settings: SettingsDep, next: str = "") -> HTMLResponse:
    if not settings.staff_token:
        return _login_page(next, STAFF_OFF_MESSAGE, 403)
    return _login_page(next)


@router.post(f"{STAFF_PATH}/login", include_in_schema=False)
async def staff_login(request: Request, settings: SettingsDep) -> Response:
    """Trade the staff token for a session cookie (HttpOnly, SameSite=Strict, 12 hours)."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    next_path = _staff_next(form.get("next", [""])[0])
    if not settings.staff_token:
        return _login_page(next_path, STAFF_OFF_MESSAGE, 403)
    given = form.get("token", [""])[0].strip()
    if not hmac.compare_digest(given.encode(), settings.staff_token.encode()):
        return _login_page(next_path, "That is not the staff token. Try again.", 401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        STAFF_COOKIE,
        staff_session(settings.staff_token),
        max_age=STAFF_SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post(f"{STAFF_PATH}/logout", include_in_schema=False)
def staff_logout() -> Response:
    response = RedirectResponse(f"{STAFF_PATH}/login", status_code=303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response


def _login_page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
    page = staff_login_page(f"{STAFF_PATH}/login", _staff_next(next_path), error)
    return HTMLResponse(
        page, status_code=status, headers={**PAGE_HEADERS, "Cache-Control": "no-store"}
    )


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse(url="/ui/", status_code=307)


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/demo", include_in_schema=False)
def demo_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "demo.html", media_type="text/html; charset=utf-8")


# --------------------------------------------------------------------------- error handlers


def _json_error(
    status: int, type_: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(_error_body(type_, message), status_code=status, headers=headers)


_NOT_JSON = (
    "The request body is not valid JSON{reason}. "
    'Send a JSON object such as {{"message": "How much is the tuition fee?"}}.'
)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in _reported_errors(exc)[:5]:
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "")
            return _NOT_JSON.format(reason=f" ({reason})" if reason else "")
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if error.get("type") == "string_unicode":
            message = _NOT_UNICODE
        problems.append(f"{_field_path(error.get('loc', ())) or 'body'}: {message}")
    return "The request is not valid: " + "; ".join(problems) + "."


def _error_response(
    request: Request,
    status: int,
    type_: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    param: str | None = None,
) -> JSONResponse:
    """The error for this route: on /v1 a bad request is OpenAI's 400, elsewhere our 422."""
    path = request.url.path
    if path.startswith(OPENAI_PREFIX) and status == 422:
        status = 400
    body = _error_body(type_, message, path, status, param)
    return JSONResponse(body, status_code=status, headers=headers)


def _reported_errors(exc: RequestValidationError) -> list[Any]:
    """Our own checks say exactly what is wrong; the other members of a union only that it is
    not them: the first, when there are any, are the errors worth reporting."""
    errors = list(exc.errors())
    specific = [e for e in errors if e.get("type") in ("value_error", "string_unicode")]
    return specific or errors


def _first_param(exc: RequestValidationError) -> str | None:
    for error in _reported_errors(exc):
        location = _field_path(error.get("loc", ()))
        if location:
            return location
    return None


def _field_path(loc: Sequence[Any]) -> str:
    """``messages.0.content``: the fields, without "body" or the union member names pydantic adds."""
    return ".".join(str(part) for part in loc if part != "body" and "[" not in str(part))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestLimitError)
    async def _limit(request: Request, exc: RequestLimitError) -> JSONResponse:
        if isinstance(exc, OpenAIError):
            return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)
        return _error_response(request, exc.status, exc.type, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(
            request, 422, "invalid_request", _validation_message(exc), param=_first_param(exc)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return _error_response(request, 422, "invalid_request", _NOT_JSON.format(reason=""))
        types = {
            404: "not_found",
            405: "method_not_allowed",
            408: "request_timeout",
            413: "payload_too_large",
        }
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404:
            message = "There is nothing at this address. The API is described at /docs."
        return _error_response(
            request,
            exc.status_code,
            types.get(exc.status_code, "http_error"),
            message,
            exc.headers,
        )

    @app.exception_handler(AssistantError)
    async def _assistant(request: Request, exc: AssistantError) -> JSONResponse:
        status, type_, message = _error_for(exc)
        if status >= 500 and status != 503:
            logger.error("assistant failed on %s", request.url.path, exc_info=exc)
        else:
            logger.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return _error_response(request, status, type_, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected error on %s", request.url.path, exc_info=exc)
        _, type_, message = _error_for(exc)
        # the server drops the connection after an unexpected error: say so, clients reconnect
        return _error_response(request, 500, type_, message, {"Connection": "close"})


# --------------------------------------------------------------------------- the app


def _openapi_with_limits(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The OpenAPI schema plus the length limits this server is configured with: they are
    settings, so the request models cannot state them (``checked_input`` enforces them)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = generate()["components"]["schemas"]
            schemas["ChatRequest"]["properties"]["message"]["maxLength"] = (
                settings.max_message_chars
            )
            schemas["DraftRequest"]["properties"]["email"]["maxLength"] = settings.max_email_chars
        return app.openapi_schema or generate()

    return openapi


def create_app(
    settings: Settings | None = None,
    assistant: Assistant | None = None,
    *,
    ui: bool = True,
) -> FastAPI:
    """The whole service: the API, the Gradio UI at /ui, the widget and its demo page.

    ``assistant`` defaults to ``get_assistant()``, resolved on the first request that needs it;
    ``ui=False`` leaves the Gradio app out (it is the slow part to import).
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="Programme assistant",
        summary="Answers questions about university programmes from their documents, "
        "with citations.",
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.assistant_provider = AssistantProvider(assistant)
    app.state.feedback_store = FeedbackStore(settings.feedback_db)
    app.state.health = HealthMonitor(app.state.assistant_provider, app.state.feedback_store)
    app.include_router(router)
    app.openapi = _openapi_with_limits(app, settings)  # type: ignore[method-assign]
    _install_error_handlers(app)

    if ui:
        from assistant.ui import mount_ui

        mount_ui(app, app.state.assistant_provider, settings, app.state.feedback_store)

    # Added innermost first: CORS wraps everything so even a 413 or 429 reaches the widget.
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimitMiddleware, limiter=SlidingWindowLimiter(settings.rate_limit_per_minute)
        )
    app.add_middleware(StaffGateMiddleware, settings=settings)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    return app
