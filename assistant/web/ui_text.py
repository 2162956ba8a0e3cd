"""What the UI shows as text: answers and sources as Markdown, errors as advice.

A message's content is the text itself; its lists, line breaks and emphasis render as Markdown,
while HTML tags and link syntax that come from an answer or a document show as the characters
they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from assistant.answering.answer import Citation
from assistant.conversation.assistant import ReplyDraft
from assistant.documents.splitting import unit_display
from assistant.errors import FeedbackStoreError, IndexNotReadyError, InputError, StoreError

Message = dict[str, Any]

DOCUMENTS_PATH = "/api/documents/"

# What would stop text from showing as itself: the start of an HTML tag or autolink, and the
# "[" of a link or image. Everything else (lists, line breaks, emphasis) renders as Markdown.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINK_START = re.compile(r"\[(?=[^\]\n]*\]\()")
_LINK_TEXT = re.compile(r"([\\\[\]<>*_`])")


def chat_markdown(text: str) -> str:
    """Text as the chat shows it: Markdown, except that no HTML tag or link survives."""
    return _LINK_START.sub(r"\\[", _HTML_START.sub(r"\\<", text))


def _link_text(text: str) -> str:
    return _LINK_TEXT.sub(r"\\\1", text)


def document_link(doc_id: str, quote_text: str = "") -> str:
    """The document view, scrolled to the quote and highlighting it when one is given."""
    url = DOCUMENTS_PATH + quote(doc_id, safe="")
    if quote_text.strip():
        url += "?" + urlencode({"quote": quote_text.strip()}) + "#quote"
    return url


def sources_markdown(
    citations: Sequence[Citation], heading: str = "Sources:", *, titled: bool = True
) -> str:
    """Each citation by number, linked to the quoted passage in its document, and the quote.

    With ``titled`` each line names its document (and its section); without, the heading names
    the one document they all come from and each line names its section only.
    """
    blocks = [heading] if heading else []
    for number, citation in enumerate(citations, start=1):
        title = citation.title or citation.source
        section = citation.heading.split(" > ")[-1]
        if section == title:
            section = ""
        link = document_link(citation.source, citation.quote)
        if citation.kind == "staff_answer":  # the office's saved answer: no document to open
            line = f"[{number}] {chat_markdown(title)}, {citation.date}"
        elif titled or not section:
            line = f"[{number}] [{_link_text(title)}]({link})"
            line += f" · {chat_markdown(section)}" if section and titled else ""
        else:
            line = f"[{number}] [{_link_text(section)}]({link})"
        quoted = "\n".join(
            f"> {chat_markdown(row)}" if row.strip() else ">"
            for row in unit_display(citation.quote).splitlines()
        )
        blocks.append(f"{line}\n{quoted}" if quoted else line)
    return "\n\n".join(blocks)


def sources_title(citations: Sequence[Citation]) -> str:
    """The fold's title: how many sources, and their document when they all share one."""
    titles = {c.title or c.source for c in citations}
    count = f"Sources ({len(citations)})"
    return f"{count} · {chat_markdown(titles.pop())}" if len(titles) == 1 else count


def sources_message(citations: Sequence[Citation]) -> Message:
    """An answer's sources as one folded message under it: opened, each quote with its link."""
    one_document = len({c.title or c.source for c in citations}) == 1
    return {
        "role": "assistant",
        "content": sources_markdown(citations, "", titled=not one_document),
        "metadata": {"title": sources_title(citations), "status": "done"},
    }


def friendly_error(exc: Exception) -> str:
    """What a person can do about a failure, without internals."""
    if isinstance(exc, InputError):
        return str(exc) or "This question cannot be answered as written."
    if isinstance(exc, IndexNotReadyError):
        return "The documents have not been indexed yet: the administrator has to run ingest."
    if isinstance(exc, FeedbackStoreError):
        return "Your vote could not be saved: the feedback store is not working right now."
    if isinstance(exc, StoreError):
        return "The document store is not reachable right now. Please try again in a minute."
    return "Something went wrong while answering. Please try again."


def unique_sources(citations: Sequence[Citation]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.source for c in citations))


def draft_status_markdown(draft: ReplyDraft) -> str:
    """The questions found in the email, the unanswered ones marked for staff."""
    if not draft.questions:
        return "No questions were found in this email."
    unanswered = set(draft.unanswered)
    lines = [
        f"- ⚠ **Needs your answer (not in the documents):** {chat_markdown(q)}"
        if q in unanswered
        else f"- ✓ Answered: {chat_markdown(q)}"
        for q in draft.questions
    ]
    header = f"**{len(draft.questions)} question(s) found, {len(unanswered)} need your answer.**"
    return header + "\n\n" + "\n".join(lines)


def draft_sources(draft: ReplyDraft) -> tuple[Citation, ...]:
    """The draft's sources in the order of its [n] marks: those of its answered questions."""
    sources: list[Citation] = []
    for answer in draft.answers:
        if answer.answered:
            sources.extend(c for c in answer.citations if c not in sources)
    return tuple(sources)
