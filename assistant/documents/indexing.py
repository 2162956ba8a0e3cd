"""Index the corpus into the store: documents loaded and split, changed ones embedded, unchanged
ones copied with their stored vectors, all into a new generation that one write then makes
current. One ingest at a time (a lock file names its holder); an unchanged corpus writes nothing."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from assistant.config import Settings, apply_offline_environment
from assistant.documents.corpus import describe, load_corpus
from assistant.documents.splitting import (
    SPLITTER_VERSION,
    Chunk,
    Unit,
    content_hash,
    split_document,
    split_units,
    unit_display,
)
from assistant.documents.store import (
    DOC_KEYS,
    active_generation,
    add_rows,
    collection_names,
    create_generation,
    drop_old,
    drop_unfinished,
    flip_to,
    generations,
    open_client,
    reclaim_disk,
)
from assistant.errors import DocumentError, IngestRunningError, StoreError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_core.documents import Document


BATCH = 64


@dataclass(frozen=True)
class IngestReport:
    documents: int
    chunks: int
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[DocumentError] = field(default_factory=list)
    generation: int | None = None
    seconds: float = 0.0
    taken: dict[str, str] = field(default_factory=dict)  # doc id -> what ingest took it to be

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)


@dataclass
class _Prepared:
    document: Document
    chunks: list[Chunk]
    units: list[Unit]
    digest: str


def _prepare(document: Document) -> _Prepared:
    chunks = split_document(document)
    units = [unit for chunk in chunks for unit in split_units(chunk)]
    meta = document.metadata
    digest = content_hash(
        SPLITTER_VERSION,
        ",".join(DOC_KEYS),  # what the index records about a document; more keys, new records
        document.page_content,
        *(f"{k}={meta.get(k, '')}" for k in sorted(meta)),
    )
    return _Prepared(document, chunks, units, digest)


def _stored_digests(client: ClientAPI, name: str, generation: int | None) -> dict[str, str]:
    if generation is None:
        return {}
    chunks_name, _ = collection_names(name, generation)
    try:
        stored = client.get_collection(chunks_name).get(include=["metadatas"])
    except Exception as exc:
        raise StoreError(f"the active index {chunks_name} cannot be read: {exc}") from exc
    return {str(m["doc_id"]): str(m["doc_hash"]) for m in stored["metadatas"] or []}


def chunk_embedding_text(chunk: Chunk) -> str:
    return f"{chunk.metadata['title']}\n{chunk.heading}\n{chunk.text}"


def unit_embedding_text(unit: Unit) -> str:
    heading = unit.heading.split(" > ")[-1] if unit.heading else ""
    return f"{heading}: {unit.lead} {unit_display(unit.text)}".replace(":  ", ": ")


def _chunk_metadata(item: _Prepared, chunk: Chunk) -> dict[str, Any]:
    meta = item.document.metadata
    return {
        "doc_id": chunk.doc_id,
        "doc_hash": item.digest,
        "heading": chunk.heading,
        "order": int(chunk.metadata["chunk"]),
        **{key: str(meta.get(key, "")) for key in DOC_KEYS},
    }


def _unit_metadata(item: _Prepared, unit: Unit, order: int) -> dict[str, Any]:
    return {
        "doc_id": unit.doc_id,
        "doc_hash": item.digest,
        "chunk_id": unit.chunk_id,
        "heading": unit.heading,
        "columns": "|".join(unit.columns),
        "lead": unit.lead,
        "order": order,
    }


def ingest_lock_path(settings: Settings) -> Path:
    """The lock file next to the store folder (for a Chroma server: next to ``store_dir`` on this
    host, so ingests started from one host wait for each other)."""
    store = settings.store_dir
    return store.with_name(f"{store.name}.ingest.lock")


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """One ingest at a time per store. The lock is the kernel's (flock): it goes with the process
    that holds it, so a crashed ingest never leaves a stale lock; the file names the holder."""
    path = ingest_lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise IngestRunningError(
                f"an ingest is already running (pid {holder}) on this store ({path}); "
                "wait for it to finish, then run ingest again"
            ) from None
        _write_holder(handle, str(os.getpid()))
        try:
            yield
        finally:
            _write_holder(handle, "")


def _write_holder(handle: TextIO, pid: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(pid)
    handle.flush()


def index_corpus(
    settings: Settings,
    progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None = None,
) -> IngestReport:
    """Bring the store in line with the corpus folder; atomic, and a no-op when nothing changed.
    Raises IngestRunningError while another ingest writes the same store."""
    apply_offline_environment()
    from chromadb.errors import ChromaError

    with ingest_lock(settings):
        try:
            return _index_corpus(settings, progress)
        except ChromaError as exc:
            raise StoreError(f"the store failed during ingest: {exc}") from exc


def _index_corpus(
    settings: Settings, progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None
) -> IngestReport:
    started = time.perf_counter()
    loaded = load_corpus(settings.corpus_dir)
    prepared = {d.metadata["id"]: _prepare(d) for d in loaded.documents}
    client = open_client(settings)
    name = settings.collection
    current = active_generation(client, name)
    stored = _stored_digests(client, name, current)

    added = sorted(set(prepared) - set(stored))
    removed = sorted(set(stored) - set(prepared))
    replaced = sorted(d for d in set(prepared) & set(stored) if prepared[d].digest != stored[d])
    unchanged = sorted(d for d in set(prepared) & set(stored) if prepared[d].digest == stored[d])
    total_chunks = sum(len(p.chunks) for p in prepared.values())

    report = IngestReport(
        documents=len(prepared),
        chunks=total_chunks,
        added=added,
        replaced=replaced,
        removed=removed,
        skipped=loaded.skipped,
        generation=current,
        taken={doc_id: describe(p.document.metadata) for doc_id, p in sorted(prepared.items())},
    )
    if not report.changed and current is not None:
        return _finish(report, started)
    if not prepared:
        raise StoreError("no readable document in the corpus: nothing to index")

    drop_unfinished(client, name, current)
    generation = max(generations(client, name) | {current or 0}) + 1
    chunks_col, units_col = create_generation(client, name, generation)
    _copy_unchanged(client, name, current, unchanged, chunks_col, units_col)
    _embed_into(settings, [prepared[d] for d in added + replaced], chunks_col, units_col, progress)
    flip_to(client, name, generation)
    drop_old(client, name, keep={generation, current or 0})
    if settings.chroma_mode == "embedded":
        reclaim_disk(settings.store_dir)
    return _finish(IngestReport(**{**report.__dict__, "generation": generation}), started)


def _finish(report: IngestReport, started: float) -> IngestReport:
    return IngestReport(**{**report.__dict__, "seconds": time.perf_counter() - started})


def _copy_unchanged(
    client: ClientAPI,
    name: str,
    current: int | None,
    doc_ids: Sequence[str],
    chunks_col: Collection,
    units_col: Collection,
) -> None:
    if current is None or not doc_ids:
        return
    for old_name, target in zip(
        collection_names(name, current), (chunks_col, units_col), strict=True
    ):
        old = client.get_collection(old_name, embedding_function=None)
        data = old.get(
            where=cast(Any, {"doc_id": {"$in": list(doc_ids)}}),
            include=["documents", "metadatas", "embeddings"],
        )
        add_rows(target, data["ids"], data["documents"], data["metadatas"], data["embeddings"])


def _embed_into(
    settings: Settings,
    items: Sequence[_Prepared],
    chunks_col: Collection,
    units_col: Collection,
    progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None,
) -> None:
    if not items:
        return
    from assistant.documents.embeddings import get_embeddings

    embeddings = get_embeddings(settings, threads=os.cpu_count() or 1)  # batches use every core
    _embed_rows(embeddings, items, chunks_col, units_col, progress)


def _embed_rows(
    embeddings: Any,
    items: Sequence[_Prepared],
    chunks_col: Collection,
    units_col: Collection,
    progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None,
) -> None:
    rows: list[tuple[Collection, str, str, str, dict[str, Any]]] = []
    for item in items:
        for chunk in item.chunks:
            rows.append(
                (
                    chunks_col,
                    chunk.id,
                    chunk.text,
                    chunk_embedding_text(chunk),
                    _chunk_metadata(item, chunk),
                )
            )
        for order, unit in enumerate(item.units):
            rows.append(
                (
                    units_col,
                    unit.id,
                    unit.text,
                    unit_embedding_text(unit),
                    _unit_metadata(item, unit, order),
                )
            )
    batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    iterator: Iterable[Any] = progress(batches, len(rows), "embedding") if progress else batches
    for batch in iterator:
        vectors = embeddings.embed_documents([row[3] for row in batch])
        for collection in (chunks_col, units_col):
            picked = [
                (row, vec) for row, vec in zip(batch, vectors, strict=True) if row[0] is collection
            ]
            if picked:
                add_rows(
                    collection,
                    [row[1] for row, _ in picked],
                    [row[2] for row, _ in picked],
                    [row[4] for row, _ in picked],
                    [vec for _, vec in picked],
                )
