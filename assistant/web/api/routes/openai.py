"""The OpenAI-compatible surface under /v1: chat completions (plain and streamed) and models."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse

from assistant.answering.answer import Answer
from assistant.config import Settings
from assistant.conversation.assistant import Assistant, Turn, checked_input
from assistant.errors import InputError
from assistant.web.api.deps import (
    AssistantDep,
    SettingsDep,
    document_url_for,
    programme_filter,
    recent_history,
)
from assistant.web.api.errors import (
    OPENAI_PREFIX,
    OpenAIError,
    RequestLimitError,
    error_body,
    error_for,
)
from assistant.web.api.openai_sources import sources_block, url_annotations
from assistant.web.api.openapi import OPENAI_ERRORS, sse_items
from assistant.web.api.schemas import (
    DOC_ID,
    MODEL_ID,
    ChatCompletionRequest,
    DocumentUrl,
    HistoryMessage,
    OpenAIMessage,
    answer_out,
)
from assistant.web.api.streaming import first_item, sse, stream_items
from assistant.web.api.tokens import TokenBudget, count_tokens, cut_to_tokens

logger = logging.getLogger(__name__)

router = APIRouter()


OPENAI_DESCRIPTION = """\
OpenAI-compatible chat completions: point the `openai` client, LangChain's `ChatOpenAI` or a chat
front end at `<host>/v1` with any API key and the model `programme-assistant`.

The last `user` message is the question; earlier `user`/`assistant` messages are the history;
`system`, `developer` and `tool` messages are ignored. `max_tokens` (or `max_completion_tokens`)
cuts the message after that many tokens, with `finish_reason: "length"`; other sampling
parameters are accepted and ignored. An extra body field `programme` (a programme id) narrows the
search.

**Citations.** Besides the standard fields, the completion carries two extra top-level fields:
`citations`, a list of `{source, title, quote, heading, url}` (the same objects as
`POST /api/chat`), and `answered` (false when the documents do not hold the answer). When
streaming, they are on the final chunk, the one whose `finish_reason` is `"stop"`. With the
`openai` Python client read them as `completion.model_extra["citations"]` (or
`chunk.model_extra["citations"]`). As OpenAI's own responses carry sources, the message also has
`annotations`: a `url_citation` (`url`, `title`, `start_index`, `end_index`) for each citation
mark "[n]" in the text (on the final chunk's `delta` when streaming). For clients that drop
annotations, the text ends with a plain-text "Sources:" block, a line per citation (number,
title, address); the extra body field `"sources": false` leaves it out.

`usage` counts tokens with OpenAI's `cl100k_base` encoding (shipped with the assistant, so
nothing is downloaded): the prompt is the question and the history, the completion the message.

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
        _, code, message = error_for(exc)
        raise OpenAIError(message, param="messages", code=code) from exc
    try:
        programme = programme_filter(body.programme, assistant)
    except RequestLimitError as exc:
        raise OpenAIError(exc.message, param="programme", code=exc.type) from exc
    return question, history, programme


def _model_not_found(model: str) -> OpenAIError:
    shown = model if DOC_ID.match(model) else "this model"
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
    prompt = count_tokens(question) + sum(count_tokens(turn.content) for turn in history)
    completion = count_tokens(text)
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
    with_sources: bool,
    max_tokens: int | None,
) -> Iterator[bytes]:
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    budget = TokenBudget(max_tokens)

    def choice(delta: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]

    def data(payload: dict[str, Any]) -> bytes:
        return sse(None, payload)

    def content(text: str) -> Iterator[bytes]:
        kept = budget.take(text)
        if kept:
            yield data(_completion_chunk(cid, created, choices=choice({"content": kept})))

    yield data(
        _completion_chunk(cid, created, choices=choice({"role": "assistant", "content": ""}))
    )
    try:
        for item in stream_items(first, rest):
            if isinstance(item, Answer):
                out = answer_out(item, document_url)
                yield from content(sources_block(out.citations) if with_sources else "")
                annotations = url_annotations(budget.text, out.citations)
                finish = "length" if budget.exhausted else "stop"
                final = _completion_chunk(
                    cid,
                    created,
                    choices=choice({"annotations": annotations} if annotations else {}, finish),
                    citations=[c.model_dump() for c in out.citations],
                    answered=out.answered,
                )
                yield data(final)
                if include_usage:
                    usage = _usage(question, history, budget.text)
                    yield data(_completion_chunk(cid, created, choices=[], usage=usage))
                yield b"data: [DONE]\n\n"
                return
            yield from content(item)
        raise RuntimeError("the assistant's stream ended without an answer")
    except Exception as exc:
        _, type_, message = error_for(exc)
        logger.exception("chat completion stream failed")
        yield data(error_body(type_, message, OPENAI_PREFIX, 500))


@router.post(
    "/v1/chat/completions",
    responses={
        **OPENAI_ERRORS,
        200: {
            "description": "A `chat.completion`, or `chat.completion.chunk` events when "
            "`stream` is true; both with the extra `citations` and `answered` fields.",
            "content": {
                "application/json": {},
                "text/event-stream": sse_items(
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
    document_url = document_url_for(request)
    if body.stream:
        events = assistant.stream(question, history, programme)
        first, rest = first_item(iter(events))
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventSourceResponse(
            _openai_events(
                first,
                rest,
                document_url,
                include_usage,
                question,
                history,
                body.sources,
                body.token_limit(),
            ),
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = answer_out(assistant.ask(question, history, programme), document_url)
    content = answer.text + (sources_block(answer.citations) if body.sources else "")
    limit = body.token_limit()
    content, cut = cut_to_tokens(content, limit) if limit else (content, False)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": None,
                    "annotations": url_annotations(content, answer.citations),
                },
                "logprobs": None,
                "finish_reason": "length" if cut else "stop",
            }
        ],
        "usage": _usage(question, history, content),
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
