"""POST /api/chat and /api/chat/stream: one question in the light of the conversation so far."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse

from assistant.answering.answer import Answer
from assistant.config import Settings
from assistant.conversation.assistant import Assistant, Turn, checked_input
from assistant.web.api.deps import (
    AssistantDep,
    SettingsDep,
    document_url_for,
    programme_filter,
    recent_history,
)
from assistant.web.api.errors import error_for
from assistant.web.api.openapi import ERRORS, SSE_RESPONSE
from assistant.web.api.schemas import AnswerOut, ChatRequest, DocumentUrl, answer_out
from assistant.web.api.streaming import first_item, sse, stream_items

logger = logging.getLogger(__name__)

router = APIRouter()


def _conversation(
    body: ChatRequest, settings: Settings, assistant: Assistant
) -> tuple[str, list[Turn], str | None]:
    """A chat request as the assistant takes it: the question, recent history, programme."""
    return (
        checked_input(body.message, settings.max_message_chars),
        recent_history(body.history, settings),
        programme_filter(body.programme, assistant),
    )


def _chat_events(
    first: str | Answer | None, rest: Iterator[str | Answer], document_url: DocumentUrl
) -> Iterator[bytes]:
    try:
        for item in stream_items(first, rest):
            if isinstance(item, Answer):
                yield sse("answer", answer_out(item, document_url).model_dump())
                yield sse("done", {})
                return
            yield sse("delta", {"text": item})
        raise RuntimeError("the assistant's stream ended without an answer")
    except Exception as exc:
        _, type_, message = error_for(exc)
        logger.exception("chat stream failed")
        yield sse("error", {"type": type_, "message": message})


@router.post("/api/chat", response_model=AnswerOut, responses=ERRORS, tags=["chat"])
def chat(
    body: ChatRequest, request: Request, settings: SettingsDep, assistant: AssistantDep
) -> AnswerOut:
    """Answer one question in the light of the conversation so far, with citations."""
    answer = assistant.ask(*_conversation(body, settings, assistant))
    return answer_out(answer, document_url_for(request))


@router.post(
    "/api/chat/stream",
    response_model=None,
    responses={**ERRORS, **SSE_RESPONSE},
    tags=["chat"],
)
def chat_stream(
    body: ChatRequest, request: Request, settings: SettingsDep, assistant: AssistantDep
) -> EventSourceResponse:
    """The same as POST /api/chat, streamed as Server-Sent Events."""
    events = assistant.stream(*_conversation(body, settings, assistant))
    first, rest = first_item(iter(events))
    return EventSourceResponse(
        _chat_events(first, rest, document_url_for(request)),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
