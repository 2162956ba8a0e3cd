"""Staff routes: reply drafts (bearer token or session) and signing in (a staff account, or the
shared token) and out of the staff view."""

from __future__ import annotations

import hmac
import math
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
)

from assistant.conversation.assistant import checked_input
from assistant.database.staff_accounts import folded_name
from assistant.documents.pages import staff_login_page
from assistant.web.api.deps import (
    AssistantDep,
    SettingsDep,
    StaffDep,
    StaffSessionsDep,
    document_url_for,
)
from assistant.web.api.limits import SlidingWindowLimiter
from assistant.web.api.openapi import ERRORS, STAFF_ERRORS
from assistant.web.api.schemas import DraftOut, DraftRequest, draft_out
from assistant.web.api.security import (
    PAGE_HEADERS,
    STAFF_COOKIE,
    STAFF_OFF_MESSAGE,
    STAFF_PATH,
    STAFF_SESSION_SECONDS,
    reached_over_https,
    staff_next,
)

router = APIRouter()

WRONG_ACCOUNT_MESSAGE = "That name and password do not match a staff account. Try again."
WRONG_TOKEN_MESSAGE = "That is not the staff token. Try again."
TOO_MANY_MESSAGE = "Too many failed sign-ins. Try again in {minutes} minutes."


@router.post(
    "/api/draft-reply",
    response_model=DraftOut,
    responses={**ERRORS, **STAFF_ERRORS},
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
    return draft_out(assistant.draft_reply(email_text), document_url_for(request))


@router.get(f"{STAFF_PATH}/login", include_in_schema=False)
async def staff_login_form(sessions: StaffSessionsDep, next: str = "") -> HTMLResponse:
    if not await anyio.to_thread.run_sync(sessions.enabled):
        return _login_page(next, STAFF_OFF_MESSAGE, 403)
    return _login_page(next)


@router.post(f"{STAFF_PATH}/login", include_in_schema=False)
async def staff_login(
    request: Request, settings: SettingsDep, sessions: StaffSessionsDep
) -> Response:
    """Trade a staff member's name and password (or, with no name, the shared staff token) for
    a new staff session, whose id the cookie carries (HttpOnly, SameSite=Strict, 12 hours,
    Secure when the browser came over HTTPS)."""
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    next_path = staff_next(form.get("next", [""])[0])
    if not await anyio.to_thread.run_sync(sessions.enabled):
        return _login_page(next_path, STAFF_OFF_MESSAGE, 403)
    name = form.get("name", [""])[0].strip()
    # "token" is the field scripts written for the token-only form still send
    password = (form.get("password") or form.get("token") or [""])[0]
    limiter: SlidingWindowLimiter = request.app.state.sign_in_limiter
    keys = sign_in_keys(request, name)
    waits = [await anyio.to_thread.run_sync(limiter.blocked, key) for key in keys]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        page = _login_page(next_path, TOO_MANY_MESSAGE.format(minutes=minutes), 429)
        page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return page
    if name:
        account = await anyio.to_thread.run_sync(sessions.accounts.verify, name, password)
        wrong = WRONG_ACCOUNT_MESSAGE if account is None else ""
    else:
        token = settings.staff_token or ""
        right = bool(token) and hmac.compare_digest(password.strip().encode(), token.encode())
        account, wrong = ("", "") if right else (None, WRONG_TOKEN_MESSAGE)
    if account is None:
        for key in keys:
            await anyio.to_thread.run_sync(limiter.hit, key)
        return _login_page(next_path, wrong, 401)
    session_id = await anyio.to_thread.run_sync(sessions.open, account)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        STAFF_COOKIE,
        session_id,
        max_age=STAFF_SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=reached_over_https(request, settings),
    )
    return response


@router.post(f"{STAFF_PATH}/logout", include_in_schema=False)
def staff_logout(request: Request, settings: SettingsDep, sessions: StaffSessionsDep) -> Response:
    """End the staff session: the cookie is deleted, and refused should it be sent again."""
    sessions.close(request.cookies.get(STAFF_COOKIE, ""))
    response = RedirectResponse(f"{STAFF_PATH}/login", status_code=303)
    response.delete_cookie(
        STAFF_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=reached_over_https(request, settings),
    )
    return response


def sign_in_keys(request: Request, name: str) -> list[str]:
    """What failed sign-ins are counted against: the client's IP, and the name tried."""
    client = request.client.host if request.client else "unknown"
    keys = [f"sign-in-ip:{client}"]
    return [*keys, f"sign-in-name:{folded_name(name)}"] if name else keys


def _login_page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
    page = staff_login_page(f"{STAFF_PATH}/login", staff_next(next_path), error)
    return HTMLResponse(
        page, status_code=status, headers={**PAGE_HEADERS, "Cache-Control": "no-store"}
    )
