"""A temporary index of one or more corpus folders, for evaluating on documents beyond corpus/."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from assistant.config import Settings
from assistant.documents.corpus import SIDECAR_SUFFIXES, SUPPORTED_SUFFIXES
from assistant.errors import CorpusError


@contextmanager
def temporary_index(settings: Settings, folders: Sequence[Path]) -> Iterator[Settings]:
    """Settings whose corpus is the documents of ``folders`` together (copied into one temporary
    folder, so a file of one never replaces a file of another) and whose store is a fresh
    temporary index of them; both are removed afterwards."""
    from assistant.documents.indexing import index_corpus

    with tempfile.TemporaryDirectory(prefix="eval-corpus-") as root:
        corpus = Path(root) / "corpus"
        corpus.mkdir()
        for folder in folders:
            if not folder.is_dir():
                raise CorpusError(f"corpus folder {folder} does not exist")
            for path in sorted(folder.iterdir()):
                suffix = path.suffix.lower()
                if not path.is_file() or suffix not in (*SUPPORTED_SUFFIXES, *SIDECAR_SUFFIXES):
                    continue
                if (corpus / path.name).exists():
                    raise CorpusError(f"two folders hold a file named {path.name}")
                shutil.copyfile(path, corpus / path.name)
        indexed = settings.model_copy(
            update={
                "corpus_dir": corpus,
                "store_dir": Path(root) / "store",
                "chroma_mode": "embedded",
            }
        )
        index_corpus(indexed)
        yield indexed
