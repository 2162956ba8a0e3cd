"""Retrieval: the candidate sentences for a question. Chunks are ranked by BM25 and by meaning,
fused, and their sentences scored as evidence (``index``); the LangChain retriever follows the
store's current generation (``retriever``)."""

from __future__ import annotations

from assistant.retrieval.index import Evidence, RetrievalResult, SearchIndex
from assistant.retrieval.retriever import HybridRetriever, build_retriever

__all__ = ["Evidence", "HybridRetriever", "RetrievalResult", "SearchIndex", "build_retriever"]
