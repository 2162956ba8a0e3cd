"""How refusals and failures become HTTP responses; the only place our exceptions meet status codes.

=====================  ======  ===========================================================
error                  status  ``error.type``
=====================  ======  ===========================================================
InputError             422     ``invalid_input``
IndexNotReadyError     503     ``index_not_ready`` (the operator has to run ingest)
StoreError             503     ``store_unavailable``
FeedbackStoreError     503     ``feedback_unavailable`` (votes are not saved; answers still work)
NotFoundError          404     ``not_found`` (no vote with that id and key, no saved answer)
any other              500     ``internal_error`` (logged; the response says nothing more)
=====================  ======  ===========================================================

Every error body is ``{"error": {"type": ..., "message": ...}}``. On /v1 it is OpenAI's error
object instead, ``{"error": {"message", "type", "param", "code"}}`` with our type as its
``code``, and a bad request is 400 ``invalid_request_error`` rather than 422, because OpenAI
clients raise their errors by status."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    JSONResponse,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from assistant.errors import (
    AssistantError,
    FeedbackStoreError,
    IndexNotReadyError,
    InputError,
    MessageTooLongError,
    NotFoundError,
    StoreError,
)
from assistant.web.api.schemas import NOT_UNICODE

logger = logging.getLogger(__name__)


OPENAI_PREFIX = "/v1/"


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


def error_body(
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


async def send_error(
    send: Send,
    status: int,
    type_: str,
    message: str,
    headers: dict[str, str] | None = None,
    path: str = "",
) -> None:
    body = json.dumps(error_body(type_, message, path, status)).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def error_for(exc: Exception) -> tuple[int, str, str]:
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
    if isinstance(exc, NotFoundError):
        return 404, "not_found", str(exc)
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


def _not_json(request: Request, reason: str = "") -> str:
    """The body is not JSON at all: say so, with an example of the body this route takes."""
    message = f"The request body is not valid JSON{f' ({reason})' if reason else ''}."
    example = _body_example(request)
    return f"{message} Send a JSON object such as {example}." if example else message


def _body_example(request: Request) -> str | None:
    """The ``body_example`` of the route's body model, or None when it has none."""
    route = request.scope.get("route")
    field_info = getattr(getattr(route, "body_field", None), "field_info", None)
    example = getattr(getattr(field_info, "annotation", None), "body_example", None)
    return example if isinstance(example, str) else None


def _validation_message(request: Request, exc: RequestValidationError) -> str:
    problems = []
    for error in _reported_errors(exc)[:5]:
        if error.get("type") == "json_invalid":
            return _not_json(request, error.get("ctx", {}).get("error", ""))
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if error.get("type") == "string_unicode":
            message = NOT_UNICODE
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
    body = error_body(type_, message, path, status, param)
    return JSONResponse(body, status_code=status, headers=headers)


def _reported_errors(exc: RequestValidationError) -> list[Any]:
    """Our own checks say exactly what is wrong; the other members of a union only that it is
    not them: the first, when there are any, are the errors worth reporting."""
    errors = list(exc.errors())
    specific = [e for e in errors if e.get("type") in ("value_error", "string_unicode")]
    return specific or errors


def _first_param(exc: RequestValidationError) -> str | None:
    for error in _reported_errors(exc):
        if error.get("type") == "json_invalid":
            return None  # the body as a whole: its location is a character position
        location = _field_path(error.get("loc", ()))
        if location:
            return location
    return None


def _field_path(loc: Sequence[Any]) -> str:
    """``messages.0.content``: the fields, without "body" or the union member names pydantic adds."""
    return ".".join(str(part) for part in loc if part != "body" and "[" not in str(part))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestLimitError)
    async def _limit(request: Request, exc: RequestLimitError) -> JSONResponse:
        if isinstance(exc, OpenAIError):
            return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)
        return _error_response(request, exc.status, exc.type, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(
            request,
            422,
            "invalid_request",
            _validation_message(request, exc),
            param=_first_param(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return _error_response(request, 422, "invalid_request", _not_json(request))
        types = {
            404: "not_found",
            405: "method_not_allowed",
            408: "request_timeout",
            413: "payload_too_large",
        }
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404:
            message = "There is nothing at this address. The API is described at /docs."
        headers = exc.headers
        if exc.status_code == 405:  # every method of the address, not only its first route's
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        return _error_response(
            request,
            exc.status_code,
            types.get(exc.status_code, "http_error"),
            message,
            headers,
        )

    @app.exception_handler(AssistantError)
    async def _assistant(request: Request, exc: AssistantError) -> JSONResponse:
        status, type_, message = error_for(exc)
        if status >= 500 and status != 503:
            logger.error("assistant failed on %s", request.url.path, exc_info=exc)
        else:
            logger.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return _error_response(request, status, type_, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected error on %s", request.url.path, exc_info=exc)
        _, type_, message = error_for(exc)
        # the server drops the connection after an unexpected error: say so, clients reconnect
        return _error_response(request, 500, type_, message, {"Connection": "close"})


def _allowed_methods(request: Request) -> list[str]:
    """The methods of every route at the request's address (one address may have a route per
    method)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and pattern.match(request.url.path):
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)
