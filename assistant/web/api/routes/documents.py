"""The programmes and their documents: the picker's list and the target of every citation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import (
    HTMLResponse,
    PlainTextResponse,
)

from assistant.documents.pages import DocumentHeader, document_page
from assistant.errors import CorpusError, InputError
from assistant.web.api.deps import AssistantDep, document_url_for
from assistant.web.api.errors import RequestLimitError
from assistant.web.api.schemas import DOC_ID, DocumentOut, ErrorOut, ProgrammeOut, programme_fields
from assistant.web.api.security import PAGE_HEADERS

router = APIRouter()


@router.get("/api/programmes", response_model=list[ProgrammeOut], tags=["documents"])
def programmes(request: Request, assistant: AssistantDep) -> list[ProgrammeOut]:
    """The programmes the assistant knows, for a picker; `id` goes into `programme`."""
    document_url = document_url_for(request)
    return [ProgrammeOut(**programme_fields(p, document_url)) for p in assistant.programmes()]


@router.get(
    "/api/documents/{doc_id}",
    name="get_document",
    responses={
        200: {
            "content": {
                "text/html": {},
                "text/plain": {},
                "application/json": {"schema": DocumentOut.model_json_schema()},
            },
            "description": "The document's text as it was indexed (a PDF's extracted text, a "
            "web page's visible text): as a web page (for a browser, `Accept: text/html`, or "
            "`?format=html`), its quote highlighted and scrolled to with `#quote`; as text "
            "(`text/plain`, the default for other clients, or `?format=text`); as JSON with its "
            "description (`Accept: application/json` or `?format=json`).",
        },
        404: {"model": ErrorOut, "description": "No document has this id."},
        422: {"model": ErrorOut, "description": "An unknown `format`, or a `quote` too long."},
    },
    tags=["documents"],
)
def get_document(
    doc_id: str,
    request: Request,
    assistant: AssistantDep,
    format: Literal["html", "text", "json"] | None = None,
    quote: Annotated[str | None, Query(max_length=2000)] = None,
) -> Any:
    """A source document, the target of every citation's `url`."""
    if not DOC_ID.match(doc_id):
        raise _unknown_document(doc_id)
    try:
        info, markdown = assistant.document(doc_id)
    except (LookupError, OSError, InputError, CorpusError) as exc:
        raise _unknown_document(doc_id) from exc
    wanted = format or _negotiated_format(request.headers.get("accept", ""))
    if wanted == "json":
        fields = programme_fields(info, document_url_for(request))
        return DocumentOut(**fields, markdown=markdown)
    if wanted == "html":
        header = DocumentHeader(info.id, info.title, info.institution, info.academic_year)
        return HTMLResponse(document_page(header, markdown, quote), headers=PAGE_HEADERS)
    return PlainTextResponse(
        markdown,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def _negotiated_format(accept: str) -> Literal["html", "text", "json"]:
    """What the client asked for: a browser gets the page, an API client the Markdown."""
    if accept.startswith("application/json"):
        return "json"
    return "html" if "text/html" in accept else "text"


def _unknown_document(doc_id: str) -> RequestLimitError:
    shown = doc_id if DOC_ID.match(doc_id) else "this id"
    return RequestLimitError(
        404, "not_found", f"There is no document {shown!r}. GET /api/programmes lists them."
    )
