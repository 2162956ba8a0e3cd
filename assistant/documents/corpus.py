"""Load the corpus documents (Markdown with front matter; HTML or PDF with a sidecar YAML) with
their metadata; ``splitting`` cuts them into chunks and quotable units.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from assistant.documents.splitting import HEADING
from assistant.errors import CorpusError, DocumentError, InputError

logger = logging.getLogger(__name__)
SUPPORTED_SUFFIXES = (".md", ".txt", ".html", ".htm", ".pdf")
METADATA_KEYS = ("id", "title", "institution", "programme", "kind", "academic_year", "source")
SIDECAR_SUFFIXES = (
    ".yaml",
    ".yml",
)  # NAME.yaml beside NAME.html or NAME.pdf names what it is about
GENERAL = "general"  # the kind of a document that names no programme or institution
PAGE_TITLE = "page_title"  # a web page's <title> or a PDF's title: a label, not a claim
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


class CorpusLoader(BaseLoader):
    """A LangChain loader for one corpus file: Markdown/text with YAML front matter, HTML, PDF."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lazy_load(self) -> Iterator[Document]:
        suffix = self.path.suffix.lower()
        try:
            if suffix in (".md", ".txt"):
                text, meta = _read_text(self.path)
            elif suffix in (".html", ".htm"):
                text, meta = _read_html(self.path)
            elif suffix == ".pdf":
                text, meta = _read_pdf(self.path)
            else:
                raise DocumentError(str(self.path), f"unsupported file type {suffix}")
        except DocumentError:
            raise
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            raise DocumentError(str(self.path), f"cannot be read: {exc}") from exc
        except Exception as exc:  # parsers raise their own types on broken files
            raise DocumentError(str(self.path), f"cannot be parsed: {exc}") from exc
        if not text.strip():
            raise DocumentError(str(self.path), "is empty")
        meta = {**_read_sidecar(self.path), **meta}
        yield Document(page_content=text, metadata=_complete_metadata(meta, self.path, text))


def _read_sidecar(path: Path) -> dict[str, Any]:
    """The metadata a sidecar ``NAME.yaml`` gives an HTML page or a PDF (never followed out of
    the folder)."""
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_suffix(suffix)
        if sidecar.is_symlink() or not sidecar.is_file():
            continue
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
        if not isinstance(meta, dict):
            raise DocumentError(str(path), f"{sidecar.name} is not a mapping")
        return meta
    return {}


def _read_text(path: Path) -> tuple[str, dict[str, Any]]:
    raw = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(raw)
    if not match:
        return raw, {}
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise DocumentError(str(path), "front matter is not a mapping")
    return raw[match.end() :], meta


def _read_html(path: Path) -> tuple[str, dict[str, Any]]:
    """HTML to Markdown-like text, keeping only what a reader of the page sees."""
    from bs4 import BeautifulSoup

    from assistant.documents.html.text import drop_hidden

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    drop_hidden(soup)
    meta: dict[str, Any] = {}
    for tag in soup.find_all("meta"):
        name, value = tag.get("name"), tag.get("content")
        if isinstance(name, str) and name in METADATA_KEYS and value:
            meta[name] = value
    if soup.title and soup.title.string:
        meta[PAGE_TITLE] = soup.title.string.strip()
    lines: list[str] = []
    body = soup.body or soup
    for tag in body.find_all(["h1", "h2", "h3", "h4", "p", "li", "tr"]):
        text = " ".join(tag.get_text(" ", strip=True).split())
        if not text:
            continue
        if tag.name[0] == "h":
            lines += ["", "#" * int(tag.name[1]) + " " + text, ""]
        elif tag.name == "li":
            lines.append("- " + text)
        elif tag.name == "tr":
            cells = [c.get_text(" ", strip=True) for c in tag.find_all(["td", "th"])]
            lines.append("| " + " | ".join(cells) + " |")
        else:
            lines += ["", text, ""]
    return "\n".join(lines), meta


def _read_pdf(path: Path) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [page.extract_text() or "" for page in reader.pages]
    title = reader.metadata.title if reader.metadata is not None else None
    meta: dict[str, Any] = {PAGE_TITLE: str(title)} if title else {}
    return "\n\n".join(pages), meta


def names_something(meta: dict[str, Any]) -> bool:
    """Whether a document's own metadata (front matter, a sidecar, or a page's meta tags; not a
    page's <title>) says what it is; one that does not is a general document."""
    return any(meta.get(key) for key in ("id", "title", "programme", "institution", "kind"))


def describe(meta: dict[str, Any]) -> str:
    """What ingest took a document to be, in the words its metadata gives."""
    if meta.get("kind") == GENERAL:
        return "a general document: it answers no question about a programme or institution"
    where = f" ({meta['institution']})" if meta.get("institution") else ""
    return (
        f"{meta.get('kind') or 'programme'} {meta.get('programme') or meta.get('title')!r}{where}"
    )


def _complete_metadata(meta: dict[str, Any], path: Path, text: str) -> dict[str, Any]:
    """The document's metadata. A document that names nothing answers for nothing: its kind is
    ``general``, with no programme or institution, whatever its text claims to be about."""
    first_heading = next((m.group(2) for m in map(HEADING.match, text.splitlines()) if m), None)
    title = str(meta.get("title") or meta.get(PAGE_TITLE) or first_heading or path.stem)
    year = meta.get("academic_year")
    aliases = meta.get("aliases") or []
    named = names_something(meta)
    return {
        "id": str(meta.get("id") or path.stem),
        "title": title,
        "institution": str(meta.get("institution") or ""),
        "programme": str(meta.get("programme") or title) if named else "",
        "kind": str(meta.get("kind") or "programme") if named else GENERAL,
        "academic_year": str(year) if year else "",
        "source": str(meta.get("source") or path.name),
        "aliases": "|".join(str(a) for a in aliases),
        "contact": str(meta.get("contact") or ""),
        "path": path.name,
    }


def document_text(corpus_dir: Path, name: str, doc_id: str) -> str:
    """The text of the corpus file ``name`` as ingest read it (a PDF's extracted text, an HTML
    page's visible text, a Markdown file without its front matter), checked to be ``doc_id``."""
    if not name:
        raise InputError(f"the index has no file for {doc_id!r}: run ingest again")
    path = corpus_dir / name
    if _refusal(path, corpus_dir.resolve()) is not None or not path.is_file():
        raise InputError(f"the document {doc_id!r} is indexed but no longer in the corpus folder")
    document = next(CorpusLoader(path).lazy_load())
    if document.metadata["id"] != doc_id:
        raise InputError(f"{name} no longer holds {doc_id!r}: run ingest again")
    return document.page_content


@dataclass(frozen=True)
class LoadReport:
    documents: list[Document]
    skipped: list[DocumentError]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The supported files of the folder, links and special files included (see ``_refusal``)."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    return sorted(p for p in corpus_dir.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)


def _refusal(path: Path, folder: Path) -> str | None:
    """Why a corpus entry is not read, or None: only regular files inside the folder are, so a
    link to ``/proc/self/environ`` or to any file elsewhere never reaches the index."""
    try:
        target = path.resolve(strict=True)
        mode = os.stat(target).st_mode
    except (OSError, RuntimeError) as exc:  # a dangling or looping link
        return f"cannot be read: {exc}"
    if target.parent != folder:
        return f"is a link to {target}, outside the corpus folder: not read"
    if not stat.S_ISREG(mode):
        return "is not a regular file: not read"
    return None


def load_corpus(corpus_dir: Path) -> LoadReport:
    """Every supported regular file in the folder; broken, empty or linked-out ones are reported,
    not raised. Two files with one id raise: which one answered would depend on file names."""
    documents: list[Document] = []
    skipped: list[DocumentError] = []
    seen: dict[str, str] = {}
    folder = corpus_dir.resolve()
    for path in corpus_files(corpus_dir):
        try:
            refusal = _refusal(path, folder)
            if refusal is not None:
                raise DocumentError(str(path), refusal)
            document = next(CorpusLoader(path).lazy_load())
        except DocumentError as error:
            logger.warning("skipped %s", error)
            skipped.append(error)
            continue
        doc_id = document.metadata["id"]
        if doc_id in seen:
            raise CorpusError(
                f"two files give the id {doc_id!r}: {seen[doc_id]} and {path.name}; "
                "give each document its own id (nothing was indexed)"
            )
        seen[doc_id] = path.name
        documents.append(document)
    return LoadReport(documents, skipped)


# --- splitting -----------------------------------------------------------------------------
