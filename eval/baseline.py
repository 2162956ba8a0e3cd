"""The plain retrieval recipe many tutorials ship, as a point of comparison.

Load every ``corpus/*.md`` with ``TextLoader``, split with
``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``, embed with the project's
embedding model into an in-memory Chroma collection, retrieve the dense top 4, and answer with
the best chunk verbatim. It never declines, never asks back, and ignores the conversation.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answering.answer import Answer, Citation
from assistant.config import Settings, apply_offline_environment
from assistant.conversation.assistant import ReplyDraft, Turn
from assistant.documents.embeddings import get_embeddings

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.vectorstores import VectorStore

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4


class BaselineAssistant:
    """Dense top-4 over fixed-size chunks; the answer is the best chunk's text."""

    def __init__(self, store: VectorStore, top_k: int = TOP_K) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self._store = store
        self._top_k = top_k

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        chunks = self._store.similarity_search(message, k=self._top_k)
        if not chunks:
            return Answer(text="", answered=True)
        best = chunks[0]
        source = _doc_id(best)
        return Answer(
            text=best.page_content,
            answered=True,
            citations=(Citation(source=source, title=source, quote=best.page_content),),
            programme=source,
            standalone_question=message,
            retrieved=tuple(_doc_id(chunk) for chunk in chunks),
        )

    def draft_reply(self, email_text: str) -> ReplyDraft:
        """The whole email is the query; the reply is the best chunk."""
        answer = self.ask(email_text)
        return ReplyDraft(
            text=answer.text, questions=(email_text,), answers=(answer,), unanswered=()
        )


def build_baseline(settings: Settings) -> BaselineAssistant:
    """Index the corpus the tutorial way into a fresh in-memory Chroma collection."""
    apply_offline_environment()
    import chromadb
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    with warnings.catch_warnings():  # the package announces its own sunset on import
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.document_loaders import TextLoader

    paths = sorted(Path(settings.corpus_dir).glob("*.md"))
    documents = [doc for path in paths for doc in TextLoader(str(path), encoding="utf-8").load()]
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(documents)
    client = chromadb.EphemeralClient(settings=chromadb.config.Settings(anonymized_telemetry=False))
    store = Chroma(
        collection_name=f"baseline-{uuid.uuid4().hex[:12]}",
        embedding_function=get_embeddings(settings),
        client=client,
    )
    if chunks:
        store.add_documents(chunks)
    logger.info("baseline: %d documents, %d chunks", len(documents), len(chunks))
    return BaselineAssistant(store)


def _doc_id(chunk: Document) -> str:
    return Path(str(chunk.metadata.get("source", ""))).stem
