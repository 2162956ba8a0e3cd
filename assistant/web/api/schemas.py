"""Request and response models of the HTTP API, and how the assistant's results become them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlencode

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.answering.answer import Answer, Citation
from assistant.conversation.assistant import ProgrammeInfo, ReplyDraft
from assistant.documents.pages import QUOTE_ID
from assistant.web.feedback import MAX_COMMENT_CHARS, MAX_SOURCES, MAX_TEXT_CHARS

MODEL_ID = "programme-assistant"


DOCUMENTS_PATH = "/api/documents/"


MAX_ID_CHARS = 200


DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")  # at most MAX_ID_CHARS


_SURROGATE = re.compile(r"[\ud800-\udfff]")


NOT_UNICODE = "is not valid Unicode text: it holds an unpaired surrogate (such as \\ud800)"


def _unicode_text(text: str) -> str:
    """JSON can carry a lone surrogate (an escaped ``\\ud800``) that no UTF-8 text can hold.
    (A field with a length limit is refused by pydantic itself, as ``string_unicode``.)"""
    if _SURROGATE.search(text):
        raise ValueError(NOT_UNICODE)
    return text


Text = Annotated[str, AfterValidator(_unicode_text)]


class HistoryMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: Text


class ChatRequest(BaseModel):
    # The smallest body the route takes, shown when a request's body is not JSON.
    body_example: ClassVar[str] = '{"message": "How much is the tuition fee?"}'
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message": "How much is the tuition fee for non-EEA students?",
                    "history": [],
                    "programme": "kul-biomedical-engineering-postgraduate",
                }
            ]
        }
    )

    message: Text = Field(
        min_length=1, description="The question; at most ASSISTANT_MAX_MESSAGE_CHARS characters."
    )
    history: list[HistoryMessage] = Field(
        default_factory=list,
        description="Earlier messages, oldest first; only the latest "
        "ASSISTANT_MAX_HISTORY_TURNS turns (question and answer) are used.",
    )
    programme: Text | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Id of a programme (GET /api/programmes) to ask about.",
    )


class CitationOut(BaseModel):
    kind: Literal["document", "staff_answer"] = Field(
        default="document",
        description="A document's sentence, or the admissions office's saved answer.",
    )
    source: str = Field(description="Document id (a saved answer: staff-answer-<id>).")
    title: str
    quote: str = Field(description="Verbatim text from the document, or the saved answer.")
    heading: str = ""
    url: str | None = Field(
        description="Where the document can be read, with this quote highlighted "
        "(GET /api/documents/{id}?quote=...#quote): under ASSISTANT_PUBLIC_BASE_URL when it is "
        "set, else a path on this server. None for a saved answer."
    )
    id: int | None = Field(default=None, description="A saved answer's id.")
    author: str | None = Field(default=None, description="Who last wrote the saved answer.")
    date: str | None = Field(default=None, description="When (YYYY-MM-DD).")


class AnswerOut(BaseModel):
    text: str
    answered: bool = Field(description="False when the documents do not hold the answer.")
    citations: list[CitationOut]
    programme: str | None
    standalone_question: str
    language: str
    clarification: bool = Field(description="True when the text asks which programme is meant.")


class DraftRequest(BaseModel):
    body_example: ClassVar[str] = '{"email": "Dear admissions office, what is the fee?"}'
    email: Text = Field(
        min_length=1,
        description="The applicant's email; at most ASSISTANT_MAX_EMAIL_CHARS characters.",
    )


class DraftOut(BaseModel):
    reply: str
    questions: list[str]
    unanswered: list[str] = Field(description="Questions the documents do not answer.")
    citations: list[CitationOut]


class FeedbackIn(BaseModel):
    body_example: ClassVar[str] = (
        '{"rating": "up", "question": "How much is the tuition fee?", "answer": "4400 euro"}'
    )
    rating: Literal["up", "down"]
    comment: Text = Field(
        default="",
        max_length=MAX_COMMENT_CHARS,
        description="Optional: what was wrong (or right).",
    )
    question: Text = Field(
        min_length=1, max_length=MAX_TEXT_CHARS, description="The question that was answered."
    )
    answer: Text = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="The answer rated.")
    sources: list[Annotated[Text, Field(max_length=MAX_ID_CHARS)]] = Field(
        default_factory=list, max_length=MAX_SOURCES, description="Ids of the cited documents."
    )
    programme: Text | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Id of the programme the answer is about.",
    )
    conversation_id: Text | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="An id the client keeps for one conversation, to read its turns together.",
    )


class FeedbackOut(BaseModel):
    id: int
    key: str = Field(description="Send it back with PATCH /api/feedback/{id} to add a comment.")
    status: Literal["stored"] = "stored"


class FeedbackCommentIn(BaseModel):
    body_example: ClassVar[str] = '{"key": "<the key POST returned>", "comment": "Wrong fee."}'
    key: Text = Field(min_length=1, max_length=64, description="The key POST returned.")
    comment: Text = Field(max_length=MAX_COMMENT_CHARS, description="What was wrong (or right).")


class ProgrammeOut(BaseModel):
    id: str
    title: str
    institution: str
    programme: str
    kind: str
    academic_year: str | None
    url: str


class DocumentOut(ProgrammeOut):
    markdown: str = Field(
        description="The document's text as indexed: Markdown, or a PDF's or web page's text."
    )


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="degraded: questions are answered, but a part (see `problems`) is not working."
    )
    programmes: int | None = None
    documents: int | None = None
    chunks: int | None = None
    feedback: Literal["ok", "unavailable"] = Field(
        default="ok", description="Whether votes (POST /api/feedback) can be stored."
    )
    rate_limit: Literal["ok", "unavailable", "off"] = Field(
        default="off",
        description="Whether requests are counted against the rate limit: unavailable while "
        "its Redis store is down or hung (requests are then let through uncounted).",
    )
    rate_limit_circuit: Literal["closed", "open", "half_open"] | None = Field(
        default=None,
        description="The circuit breaker in front of a Redis rate-limit store: open while the "
        "store is skipped, half_open while one request tries it again; null in memory.",
    )
    problems: list[str] = Field(default_factory=list, description="What is not working, if any.")


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIErrorOut(BaseModel):
    """OpenAI's error object, the shape its clients read on /v1."""

    error: OpenAIErrorDetail


class OpenAIContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: Text | None = None


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: Text | list[OpenAIContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class OpenAIStreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    body_example: ClassVar[str] = (
        '{"model": "programme-assistant", "messages": [{"role": "user", "content": "Fee?"}]}'
    )
    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: OpenAIStreamOptions | None = None
    n: int | None = Field(default=None, description="Only 1 (the default) is served.")
    max_tokens: int | None = Field(
        default=None, ge=1, description="The most tokens of the message (cl100k_base)."
    )
    max_completion_tokens: int | None = Field(
        default=None, ge=1, description="The same as `max_tokens` (OpenAI's newer name)."
    )
    programme: Text | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Extension: the programme id to ask about.",
    )
    sources: bool = Field(
        default=True,
        description="Extension: end the message with a plain-text 'Sources' block (a line per "
        "citation: number, title, address), for clients that drop `annotations`; false leaves "
        "it out.",
    )

    def token_limit(self) -> int | None:
        """The most tokens the message may have: the smaller of the two limits given."""
        limits = [n for n in (self.max_tokens, self.max_completion_tokens) if n is not None]
        return min(limits) if limits else None


DocumentUrl = Callable[[str], str]


def quoted_passage_url(document_url: str, quote: str) -> str:
    """The document view scrolled to the quote and highlighting it."""
    if not quote.strip():
        return document_url
    return f"{document_url}?{urlencode({'quote': quote.strip()})}#{QUOTE_ID}"


def _citation_out(citation: Citation, document_url: DocumentUrl) -> CitationOut:
    if citation.kind == "staff_answer":
        return CitationOut(
            kind="staff_answer",
            source=citation.source,
            title=citation.title,
            quote=citation.quote,
            url=None,
            id=citation.answer_id,
            author=citation.author,
            date=citation.date,
        )
    return CitationOut(
        source=citation.source,
        title=citation.title,
        quote=citation.quote,
        heading=citation.heading,
        url=quoted_passage_url(document_url(citation.source), citation.quote),
    )


class StaffAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=1000, description="What applicants ask.")
    answer: str = Field(
        min_length=1, max_length=4000, description="The office's answer: plain text or Markdown."
    )
    programme: str | None = Field(
        default=None, max_length=MAX_ID_CHARS, description="A programme's id; none: every one."
    )
    valid_until: dt.date | None = Field(
        default=None, description="The last day the answer is given (YYYY-MM-DD)."
    )


class StaffAnswerOut(BaseModel):
    id: int
    question: str
    answer: str
    programme: str | None
    valid_until: dt.date | None
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    retired: bool


class StaffAnswerChangeOut(BaseModel):
    at: str
    author: str
    action: Literal["created", "edited", "retired"]
    question: str
    answer: str
    programme: str | None
    valid_until: dt.date | None


class StaffAnswerDetailOut(StaffAnswerOut):
    history: list[StaffAnswerChangeOut] = Field(description="Every change, oldest first.")


def answer_out(answer: Answer, document_url: DocumentUrl) -> AnswerOut:
    return AnswerOut(
        text=answer.text,
        answered=answer.answered,
        citations=[_citation_out(c, document_url) for c in answer.citations],
        programme=answer.programme,
        standalone_question=answer.standalone_question,
        language=answer.language,
        clarification=answer.clarification,
    )


def draft_out(draft: ReplyDraft, document_url: DocumentUrl) -> DraftOut:
    return DraftOut(
        reply=draft.text,
        questions=list(draft.questions),
        unanswered=list(draft.unanswered),
        citations=[_citation_out(c, document_url) for c in draft.citations],
    )


def programme_fields(info: ProgrammeInfo, document_url: DocumentUrl) -> dict[str, Any]:
    return {
        "id": info.id,
        "title": info.title,
        "institution": info.institution,
        "programme": info.programme,
        "kind": info.kind,
        "academic_year": info.academic_year,
        "url": document_url(info.id),
    }
