"""In front of Gradio: only the routes the UI's pages use are reachable, and only well-formed
events naming one of the UI's functions reach it; anything else is answered as JSON."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as ASGIMessage

from assistant.web.api.schemas import NOT_UNICODE

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    pass


# The only routes of Gradio's that the UI's pages use (found by driving the chat and the staff
# view in a browser): the page, its theme and assets, and the event queue. Every other route
# (uploads, recordings, the REST and client APIs, the component server, configuration and
# monitoring) answers 404.
UI_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GET", re.compile(r"/")),
    ("GET", re.compile(r"/theme\.css")),
    ("GET", re.compile(r"/(assets|static)/[^?#]+")),
    ("GET", re.compile(r"/gradio_api/heartbeat/[^/]+")),
    ("GET", re.compile(r"/gradio_api/queue/data")),
    ("POST", re.compile(r"/gradio_api/queue/join")),
)

# An event from the UI nests three levels deep; far deeper is an attack on the JSON parser.
MAX_EVENT_DEPTH = 16
_TOO_DEEP = f"The event is nested more than {MAX_EVENT_DEPTH} levels deep."
_SURROGATE = re.compile("[\ud800-\udfff]")


def _error(
    status: int, type_: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": type_, "message": message}}, status_code=status, headers=headers
    )


def allowed_methods(path: str) -> set[str]:
    """The methods the UI uses on ``path`` (relative to where the UI is mounted); empty: none."""
    return {method for method, pattern in UI_ROUTES if pattern.fullmatch(path)}


class UiGuard:
    """In front of Gradio: only the routes the UI uses are reachable (404 for the others, 405 for
    another method), and an event reaches Gradio only as a JSON object, nested at most
    ``MAX_EVENT_DEPTH`` deep, whose text is valid Unicode, naming one of the UI's functions; 422
    for any other body. An event's body is read once and handed on unchanged."""

    def __init__(self, app: ASGIApp, functions: Collection[int]) -> None:
        self.app = app
        self.functions = frozenset(functions)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(_mounted_path(scope))
        if scope["method"] not in methods:
            response = (
                _error(405, "method_not_allowed", "The UI does not use this method here.",
                       {"Allow": ", ".join(sorted(methods))})
                if methods
                else _error(404, "not_found", "There is nothing at this address in the UI.")
            )  # fmt: skip
            await response(scope, receive, send)
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages = await _body_messages(receive)
        problem = event_problem(b"".join(m.get("body", b"") for m in messages), self.functions)
        if problem is not None:
            await _error(422, "invalid_request", problem)(scope, receive, send)
            return

        async def replay() -> ASGIMessage:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _mounted_path(scope: Scope) -> str:
    """The request's path below the mount point (Starlette keeps the full path in ``path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return (path[len(root) :] if root and path.startswith(root) else path) or "/"


def event_problem(body: bytes, functions: Collection[int]) -> str | None:
    """What makes ``body`` no event of the UI's, in words; None when it is one."""
    try:
        event = json.loads(body)
    except RecursionError:
        return _TOO_DEEP
    except ValueError:
        return "The event is not valid JSON."
    if not isinstance(event, dict):
        return "The event is not a JSON object."
    problem = _structure_problem(event)
    if problem is not None:
        return problem
    index = event.get("fn_index")
    if not isinstance(index, int) or isinstance(index, bool):
        return "The event does not name a function by its number (fn_index)."
    if index not in functions:
        return f"The UI has no function {index}."
    return None


def _structure_problem(event: dict[str, Any]) -> str | None:
    """Too deep, or text with a lone surrogate (JSON can escape one; UTF-8 cannot carry it)."""
    stack: list[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return f"The event's text {NOT_UNICODE}."
        elif isinstance(value, (dict, list)):
            if depth > MAX_EVENT_DEPTH:
                return _TOO_DEEP
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return None


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("the UI failed on %s", request.url.path, exc_info=exc)
    return _error(500, "internal_error", "Something went wrong on the server. Try again.")


async def _body_messages(receive: Receive) -> list[ASGIMessage]:
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False):
        messages.append(await receive())
    return messages
