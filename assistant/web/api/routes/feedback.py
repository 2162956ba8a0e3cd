"""Thumbs up or down on answers, and the staff's CSV export of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import (
    PlainTextResponse,
)

from assistant.web.api.deps import FeedbackDep, require_staff
from assistant.web.api.openapi import ERRORS, STAFF_ERRORS
from assistant.web.api.schemas import ErrorOut, FeedbackCommentIn, FeedbackIn, FeedbackOut
from assistant.web.feedback import CSV_BOM, record_feedback

router = APIRouter()

MAX_ROW_ID = 2**63 - 1  # SQLite's largest row id


@router.post(
    "/api/feedback",
    response_model=FeedbackOut,
    status_code=201,
    responses=ERRORS,
    tags=["feedback"],
)
def post_feedback(body: FeedbackIn, store: FeedbackDep) -> FeedbackOut:
    """Store a thumbs up or down on an answer, with an optional comment. The reply's `id` and
    `key` let the sender add the comment later (a vote is stored at the click)."""
    feedback_id, key = record_feedback(
        store,
        rating=body.rating,
        question=body.question,
        answer=body.answer,
        sources=body.sources,
        comment=body.comment,
        programme=body.programme or "",
        conversation_id=body.conversation_id or "",
    )
    return FeedbackOut(id=feedback_id, key=key)


@router.patch(
    "/api/feedback/{feedback_id:int}",
    response_model=FeedbackOut,
    responses={
        **ERRORS,
        404: {"model": ErrorOut, "description": "No vote has this id and key."},
    },
    tags=["feedback"],
)
def comment_feedback(
    feedback_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The vote's id.")],
    body: FeedbackCommentIn,
    store: FeedbackDep,
) -> FeedbackOut:
    """Add the comment to a vote already stored: the `key` is the one its POST returned."""
    store.comment_with_key(feedback_id, body.key, body.comment)
    return FeedbackOut(id=feedback_id, key=body.key)


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
        **STAFF_ERRORS,
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
