"""The LangChain retriever over the live index: it follows the store's current generation, so a
re-ingest is picked up without a restart."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.config import Settings
from assistant.documents.store import active_generation, load_snapshot, open_client
from assistant.retrieval.index import RetrievalResult, SearchIndex
from assistant.understanding.query import Query

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 2.0


class HybridRetriever(BaseRetriever):
    """LangChain retriever over the active index generation; reloads when ingest flips it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    embeddings: Any
    k: int = 5
    _client: Any = None
    _index: SearchIndex | None = None
    _checked: float = 0.0
    _lock: Any = None

    def model_post_init(self, context: Any) -> None:
        self._lock = threading.Lock()

    def index(self, refresh: bool = False) -> SearchIndex:
        """The loaded generation, refreshed (at most every few seconds) when a newer one is live."""
        now = time.monotonic()
        if self._index is not None and not refresh and now - self._checked < REFRESH_SECONDS:
            return self._index
        with self._lock:
            if self._client is None:
                self._client = open_client(self.settings)
            self._checked = now
            live = active_generation(self._client, self.settings.collection)
            if self._index is None or (live is not None and live != self._index.generation):
                snapshot = load_snapshot(self._client, self.settings.collection)
                self._index = SearchIndex(snapshot, self.embeddings, self._client)
                logger.info("loaded index generation %s", snapshot.generation)
            return self._index

    def search(self, query: Query) -> tuple[SearchIndex, RetrievalResult]:
        """Search the live generation; if an ingest dropped it meanwhile (Chroma says the
        collection, or a segment of it, is gone), follow the pointer and search once more."""
        from chromadb.errors import InternalError, NotFoundError

        index = self.index()
        try:
            return index, index.search(query)
        except (NotFoundError, InternalError):
            logger.info("generation %s was replaced while in use; reloading", index.generation)
            index = self.index(refresh=True)
            return index, index.search(query)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        from assistant.understanding.query import understand

        index, result = self.search(understand(query, self.index().names))
        documents = []
        for chunk_id in result.chunks[: self.k]:
            position = index.chunk_position[chunk_id]
            documents.append(
                Document(
                    page_content=index.snapshot.chunk_texts[position],
                    metadata={**index.snapshot.chunk_metas[position], "chunk_id": chunk_id},
                    id=chunk_id,
                )
            )
        return documents


def build_retriever(
    settings: Settings, embeddings_factory: Callable[[Settings], Any] | None = None
) -> HybridRetriever:
    from assistant.documents.embeddings import get_embeddings

    embeddings = (embeddings_factory or get_embeddings)(settings)
    return HybridRetriever(settings=settings, embeddings=embeddings, k=settings.top_k)
