"""Split a document into chunks and quotable units.

A *chunk* is a heading with its paragraphs, list or table (what retrieval ranks); a *unit* is one
sentence, list item or table row of a chunk, verbatim (what an answer quotes).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from langchain_core.documents import Document

from assistant.tables import read_lists, read_table

SPLITTER_VERSION = "4"  # bump when chunking changes, so ingest re-embeds everything
MAX_CHUNK_CHARS = 1500
HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_FOOTNOTE_MARK = re.compile(r"^\*(?=\w)|(?<=[\w.)])\*+$")  # "*There may be ...", "... year)*"
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")

# A sentence ends at . ! ? followed by space and a capital, unless the dot ends an abbreviation.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z0-9])")
ABBREVIATIONS = tuple(
    row["abbreviation"] for row in read_table("abbreviations.csv", ["abbreviation"])
)


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    text: str
    heading: str  # heading path, " > " separated
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Unit:
    """One quotable sentence, list item or table row, verbatim from its document."""

    id: str
    chunk_id: str
    doc_id: str
    text: str
    heading: str
    columns: tuple[str, ...] = ()  # a table row's column names
    lead: str = ""  # the sentence that introduces a list item ("The strict deadlines ... are:")


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def split_document(document: Document) -> list[Chunk]:
    """Chunks by structure: each heading with its text, list or table stays together."""
    meta = document.metadata
    sections = _sections(document.page_content)
    chunks: list[Chunk] = []
    for heading, body in sections:
        for piece in _bounded(body):
            index = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{meta['id']}:{index}",
                    doc_id=meta["id"],
                    text=piece,
                    heading=heading,
                    metadata={**meta, "heading": heading, "chunk": index},
                )
            )
    return chunks


def _sections(text: str) -> list[tuple[str, str]]:
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, str]] = []
    buffer: list[str] = []

    def flush() -> None:
        body = "\n".join(buffer).strip()
        if body:
            sections.append((" > ".join(title for _, title in path), body))
        buffer.clear()

    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path[:] = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2)))
        else:
            buffer.append(line)
    flush()
    return sections


def _bounded(body: str) -> list[str]:
    """Split an over-long section at blank lines, never inside a list or table block."""
    if len(body) <= MAX_CHUNK_CHARS:
        return [body]
    pieces: list[str] = []
    current = ""
    for block in re.split(r"\n\s*\n", body):
        if current and len(current) + len(block) > MAX_CHUNK_CHARS:
            pieces.append(current.strip())
            current = ""
        current += block + "\n\n"
    if current.strip():
        pieces.append(current.strip())
    return pieces


def split_units(chunk: Chunk) -> list[Unit]:
    """The chunk's sentences, list items and table rows (not table headers), each verbatim."""
    lines = [line.strip() for line in chunk.text.splitlines()]
    found: list[tuple[str, tuple[str, ...], str]] = []
    columns: tuple[str, ...] = ()
    lead = ""
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not line or _TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            if _TABLE_RULE.match(following):
                columns = tuple(table_cells(line))
            else:
                found.append((line, columns, ""))
        elif _LIST_ITEM.match(line):
            found.append((line, (), lead))
        else:
            sentences = split_sentences(line)
            found.extend((sentence, (), "") for sentence in sentences)
            lead = sentences[-1] if sentences and sentences[-1].endswith(":") else ""
    return [
        Unit(f"{chunk.id}:{i}", chunk.id, chunk.doc_id, text, chunk.heading, cols, lead)
        for i, (text, cols, lead) in enumerate(found)
        if re.search(r"\w", text) and not addresses_the_assistant(text)
    ]


@lru_cache(maxsize=1)
def _addressed_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in read_lists("addressed.yaml")["patterns"])


def addresses_the_assistant(text: str) -> bool:
    """Whether a sentence gives an assistant orders ("ignore previous instructions…") instead of
    telling a reader something (assistant/data/addressed.yaml): such text is never a fact."""
    return any(pattern.search(text) for pattern in _addressed_patterns())


def table_cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def split_sentences(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        candidate = paragraph[start : match.start()]
        if candidate.endswith(ABBREVIATIONS):
            continue
        sentences.append(candidate)
        start = match.end()
    sentences.append(paragraph[start:])
    return [s.strip() for s in sentences if s.strip()]


def is_list_item(text: str) -> bool:
    return bool(_LIST_ITEM.match(text))


def cited_text(unit: str) -> str:
    """What a citation of a unit quotes, verbatim: a table row as it stands, other units as read
    (list markers dropped)."""
    return unit if unit.startswith("|") else unit_display(unit)


def unit_display(text: str) -> str:
    """A unit as a reader sees it: list markers and table pipes removed (the quote stays verbatim)."""
    if text.startswith("|"):
        return " – ".join(cell for cell in table_cells(text) if cell)
    return _FOOTNOTE_MARK.sub("", _LIST_ITEM.sub("", text).strip())
