"""Documents in: the corpus files read with their metadata (``corpus``; web pages and PDFs
through ``html/``), split into chunks and quotable units (``splitting``), embedded
(``embeddings``) and indexed into the Chroma store (``indexing``, ``store``); ``pages`` renders a
document for reading."""

from __future__ import annotations

from assistant.documents.corpus import GENERAL, load_corpus
from assistant.documents.indexing import IngestReport, index_corpus
from assistant.documents.splitting import Chunk, Unit, split_document, split_units

__all__ = [
    "GENERAL",
    "Chunk",
    "IngestReport",
    "Unit",
    "index_corpus",
    "load_corpus",
    "split_document",
    "split_units",
]
