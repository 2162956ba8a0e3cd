"""Sources as OpenAI clients read them: ``message.annotations`` entries of type ``url_citation``
(as OpenAI's own responses carry them), and a plain-text "Sources" block for clients that drop
annotations (LangChain's chat-completions client does)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.answering.answer import CITATION_MARK
from assistant.web.api.schemas import CitationOut


def sources_block(citations: Sequence[CitationOut]) -> str:
    """'Sources:' and a line per cited document passage: its number, title and address."""
    if not citations:
        return ""
    lines = [
        f"[{n}] {c.title}: {c.url}" if c.url else f"[{n}] {c.title}, {c.date}"
        for n, c in enumerate(citations, 1)
    ]
    return "\n\nSources:\n" + "\n".join(lines)


def url_annotations(content: str, citations: Sequence[CitationOut]) -> list[dict[str, Any]]:
    """A ``url_citation`` for each citation mark "[n]" in the content, spanning the mark; a
    citation the text never marks spans the whole content."""
    annotations: list[dict[str, Any]] = []
    marked: set[int] = set()
    for mark in CITATION_MARK.finditer(content):
        number = int(mark[1])
        if 1 <= number <= len(citations) and citations[number - 1].url:
            marked.add(number)
            annotations.append(_annotation(citations[number - 1], mark.start(), mark.end()))
    for number, citation in enumerate(citations, 1):
        if number not in marked and citation.url:  # a saved answer has no page to point to
            annotations.append(_annotation(citation, 0, len(content)))
    return annotations


def _annotation(citation: CitationOut, start: int, end: int) -> dict[str, Any]:
    return {
        "type": "url_citation",
        "url_citation": {
            "url": citation.url,
            "title": citation.title,
            "start_index": start,
            "end_index": end,
        },
    }
