"""The error and event-stream responses routes declare in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from assistant.config import Settings
from assistant.web.api.schemas import ErrorOut, OpenAIErrorOut

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": description}
    for code, description in {
        413: "The body is larger than ASSISTANT_MAX_BODY_BYTES.",
        422: "Malformed JSON, a missing field, or a message over the limit.",
        429: "Too many requests from this client; see Retry-After.",
        503: "The index is not built yet (run ingest), the store is unreachable, or (for "
        "feedback) the feedback store is not working.",
    }.items()
}


def sse_items(events: list[str] | None, description: str) -> dict[str, Any]:
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


SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Server-Sent Events: `delta` events `{text}` with the answer as it is written, "
            "then one `answer` event with the complete Answer (as POST /api/chat returns it), "
            "then `done`. An error after the stream started arrives as an `error` event "
            "`{type, message}`."
        ),
        "content": {
            "text/event-stream": sse_items(
                ["delta", "answer", "done", "error"], "One event; `data` is JSON."
            )
        },
    }
}


OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
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


STAFF_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong staff token (or staff session)."},
    403: {"model": ErrorOut, "description": "No staff token is configured on the server."},
}


def openapi_with_limits(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
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
