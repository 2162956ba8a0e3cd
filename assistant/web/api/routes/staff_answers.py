"""The admissions office's saved answers, for staff: save, list and search, edit, retire; each
change kept with its author and time; and what to answer next (the questions nothing answered,
grouped by meaning)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from assistant.database.saved_answers import SavedAnswer, SavedAnswers
from assistant.web.api.deps import AssistantDep, StaffDep, require_staff
from assistant.web.api.openapi import ERRORS, STAFF_ERRORS
from assistant.web.api.schemas import (
    ErrorOut,
    StaffAnswerChangeOut,
    StaffAnswerDetailOut,
    StaffAnswerIn,
    StaffAnswerOut,
)


class UnansweredGroupOut(BaseModel):
    count: int = Field(description="How many times it was asked.")
    last_asked: str = Field(description="When it was last asked (UTC, ISO 8601).")
    examples: list[str] = Field(description="Its newest wordings, up to three.")
    programmes: list[str] = Field(description="The programmes it was asked about (ids).")


class UnansweredOut(BaseModel):
    retention_days: int = Field(description="How long a question is kept (0: none are).")
    groups: list[UnansweredGroupOut] = Field(
        description="Questions nothing answered, grouped by meaning: most asked, then newest, "
        "first."
    )


router = APIRouter(dependencies=[Depends(require_staff)], tags=["staff answers"])

RESPONSES: dict[int | str, dict[str, Any]] = {**ERRORS, **STAFF_ERRORS}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    404: {"model": ErrorOut, "description": "No saved answer in use has this id."},
}
AnswerId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The saved answer's id.")]


def saved_answers(request: Request) -> SavedAnswers:
    store: SavedAnswers = request.app.state.saved_answers
    return store


SavedDep = Annotated[SavedAnswers, Depends(saved_answers)]


def _out(saved: SavedAnswer) -> StaffAnswerOut:
    return StaffAnswerOut(
        id=saved.id,
        question=saved.question,
        answer=saved.answer,
        programme=saved.programme,
        valid_until=saved.valid_until,
        created_at=saved.created_at,
        created_by=saved.created_by,
        updated_at=saved.updated_at,
        updated_by=saved.updated_by,
        retired=bool(saved.retired_at),
    )


@router.post(
    "/api/staff-answers", response_model=StaffAnswerOut, status_code=201, responses=RESPONSES
)
def save_answer(body: StaffAnswerIn, store: SavedDep, author: StaffDep) -> StaffAnswerOut:
    """Save the office's answer to a question the documents do not answer: from then on, a
    question asking the same gets it, framed as the office's and cited as a `staff_answer`."""
    return _out(store.add(body.question, body.answer, author, body.programme, body.valid_until))


@router.get("/api/staff-answers", response_model=list[StaffAnswerOut], responses=RESPONSES)
def list_answers(
    store: SavedDep,
    search: Annotated[
        str, Query(max_length=200, description="Words in the question or answer.")
    ] = "",
    retired: Annotated[bool, Query(description="Include the retired answers.")] = False,
) -> list[StaffAnswerOut]:
    """The saved answers, newest first."""
    return [_out(saved) for saved in store.all(search=search, retired=retired)]


@router.get(
    "/api/staff-answers/{answer_id}",
    response_model=StaffAnswerDetailOut,
    responses=NOT_FOUND,
)
def get_answer(answer_id: AnswerId, store: SavedDep) -> StaffAnswerDetailOut:
    """One saved answer with every change to it (who, when, what it then read)."""
    saved = store.get(answer_id)
    history = [
        StaffAnswerChangeOut(
            at=c.at,
            author=c.author,
            action=c.action,  # type: ignore[arg-type]  # one of the three the store writes
            question=c.question,
            answer=c.answer,
            programme=c.programme,
            valid_until=c.valid_until,
        )
        for c in store.history(answer_id)
    ]
    return StaffAnswerDetailOut(**_out(saved).model_dump(), history=history)


@router.put(
    "/api/staff-answers/{answer_id}",
    response_model=StaffAnswerOut,
    responses=NOT_FOUND,
)
def edit_answer(
    answer_id: AnswerId, body: StaffAnswerIn, store: SavedDep, author: StaffDep
) -> StaffAnswerOut:
    """Replace a saved answer's question, answer, programme and end date."""
    return _out(
        store.update(
            answer_id,
            body.question,
            body.answer,
            author,
            body.programme,
            body.valid_until,
        )
    )


@router.delete("/api/staff-answers/{answer_id}", status_code=204, responses=NOT_FOUND)
def retire_answer(answer_id: AnswerId, store: SavedDep, author: StaffDep) -> Response:
    """Retire a saved answer: never given again, kept with its history."""
    store.retire(answer_id, author)
    return Response(status_code=204)


@router.get("/api/unanswered", response_model=UnansweredOut, responses=RESPONSES)
def unanswered_questions(
    assistant: AssistantDep,
    limit: Annotated[
        int, Query(ge=1, le=2000, description="How many of the newest questions to group.")
    ] = 500,
) -> UnansweredOut:
    """What to answer next: the questions applicants asked that neither the documents nor a
    saved answer answer, grouped by meaning, the most asked and the newest first. Kept without IP
    addresses, with e-mail addresses and phone numbers removed, for the configured number of
    days (`ASSISTANT_UNANSWERED_RETENTION_DAYS`)."""
    from assistant.conversation.unanswered import what_to_answer_next

    embed = assistant.retriever.embeddings.embed_documents
    retention_days, groups = what_to_answer_next(assistant.unanswered, embed, limit)
    return UnansweredOut(
        retention_days=retention_days,
        groups=[
            UnansweredGroupOut(
                count=g.count,
                last_asked=g.last_asked,
                examples=list(g.examples),
                programmes=list(g.programmes),
            )
            for g in groups
        ],
    )
