"""FastAPI dependencies: the settings, the assistant (resolved on first use), the feedback store,
the staff gate for bearer-token routes, and the request parts routes share."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from typing import Annotated
from urllib.parse import quote as url_quote

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.config import Settings
from assistant.conversation.assistant import Assistant, Turn, get_assistant, latest_turns
from assistant.web.api.errors import RequestLimitError
from assistant.web.api.schemas import DOC_ID, DOCUMENTS_PATH, DocumentUrl, HistoryMessage
from assistant.web.api.security import (
    SHARED_TOKEN_AUTHOR,
    STAFF_COOKIE,
    STAFF_OFF_MESSAGE,
    STAFF_PATH,
    StaffSessions,
    staff_sessions,
)
from assistant.web.feedback import FeedbackStore


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


def current_staff_sessions(request: Request) -> StaffSessions:
    return staff_sessions(request.app.state, app_settings(request))


StaffSessionsDep = Annotated[StaffSessions, Depends(current_staff_sessions)]


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
    sessions: StaffSessionsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Who is asking: the signed-in staff member's name (the staff view's cookie), or
    ``SHARED_TOKEN_AUTHOR`` for the staff token (bearer) or a session opened with it. 401
    without either; 403 when the server has neither a staff token nor a staff account."""
    given = credentials.credentials if credentials else ""
    token = settings.staff_token or ""
    if token and hmac.compare_digest(given.encode(), token.encode()):
        return SHARED_TOKEN_AUTHOR
    author = sessions.who(request.cookies.get(STAFF_COOKIE, ""))
    if author is not None:
        return author
    if not sessions.enabled():
        raise RequestLimitError(403, "forbidden", STAFF_OFF_MESSAGE)
    raise RequestLimitError(
        401,
        "unauthorized",
        "Send the staff token as 'Authorization: Bearer <token>', "
        f"or sign in at {STAFF_PATH}/login.",
        {"WWW-Authenticate": "Bearer"},
    )


StaffDep = Annotated[str, Depends(require_staff)]  # who: a staff member's name


def document_url_for(request: Request) -> DocumentUrl:
    """Where a document is read: under the configured public base URL, else a path relative to
    this server. Never built from the request's Host header, which the client chooses."""
    settings = app_settings(request)
    base = settings.public_base_url or request.scope.get("root_path", "")
    return lambda doc_id: f"{base}{DOCUMENTS_PATH}{url_quote(doc_id, safe='')}"


def recent_history(history: Iterable[HistoryMessage], settings: Settings) -> list[Turn]:
    turns = [Turn(role=m.role, content=m.content) for m in history]
    return latest_turns(turns, settings.max_history_turns)


def programme_filter(programme: str | None, assistant: Assistant) -> str | None:
    """The programme id to narrow the search to; a typo fails loudly instead of being ignored."""
    wanted = (programme or "").strip()
    if not wanted:
        return None
    if wanted not in {p.id for p in assistant.programmes()}:
        shown = wanted if DOC_ID.match(wanted) else "this id"
        raise RequestLimitError(
            422,
            "unknown_programme",
            f"There is no programme {shown!r}. GET /api/programmes lists the ids to use.",
        )
    return wanted
