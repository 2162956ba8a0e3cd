"""Server-Sent Events shared by the chat and the OpenAI-compatible streams."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi.sse import format_sse_event

from assistant.answering.answer import Answer


def sse(event: str | None, data: Any) -> bytes:
    return format_sse_event(data_str=json.dumps(data, ensure_ascii=False), event=event)


def first_item(
    events: Iterator[str | Answer],
) -> tuple[str | Answer | None, Iterator[str | Answer]]:
    """Take the first item now, so an error before any text still gets its own status code."""
    try:
        return next(events), events
    except StopIteration:
        return None, iter(())


def stream_items(
    first: str | Answer | None, rest: Iterator[str | Answer]
) -> Iterator[str | Answer]:
    if first is not None:
        yield first
    yield from rest
