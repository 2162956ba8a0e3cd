"""The Chroma store: open it, index the corpus into it, and load what retrieval needs.

Each ingest that changes anything writes a new *generation* (a pair of collections: chunks and
units) and then flips one pointer, the metadata of the ``<name>-active`` collection, in a single
write. Readers follow the pointer, so a crash mid-ingest leaves the previous generation answering
and a running server picks up the new one without a restart. Unchanged documents are copied with
their stored vectors (never re-embedded); an unchanged corpus writes nothing at all.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from assistant.config import Settings, apply_offline_environment
from assistant.corpus import (
    SPLITTER_VERSION,
    Chunk,
    Unit,
    content_hash,
    describe,
    load_corpus,
    split_document,
    split_units,
    unit_display,
)
from assistant.errors import DocumentError, IndexNotReadyError, IngestRunningError, StoreError

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_core.documents import Document

logger = logging.getLogger(__name__)

BATCH = 64
DOC_KEYS = (
    "title",
    "institution",
    "programme",
    "kind",
    "academic_year",
    "source",
    "aliases",
    "contact",
    "path",  # the corpus file, by name: what /api/documents/{id} serves
)


def open_client(settings: Settings) -> ClientAPI:
    """The embedded on-disk client, or an HTTP client for a Chroma server (scale-out)."""
    apply_offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_mode == "http":
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        settings.store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises plain exceptions for unreachable/broken stores
        where = (
            f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_mode == "http"
            else f"the store at {settings.store_dir}"
        )
        raise StoreError(f"cannot open {where}: {exc}") from exc


def _pointer_name(name: str) -> str:
    return f"{name}-active"


def _collection_names(name: str, generation: int) -> tuple[str, str]:
    return f"{name}-g{generation}-chunks", f"{name}-g{generation}-units"


def active_generation(client: ClientAPI, name: str) -> int | None:
    try:
        pointer = client.get_collection(_pointer_name(name))
    except Exception:  # chromadb raises NotFoundError/ValueError depending on the client
        return None
    generation = (pointer.metadata or {}).get("generation")
    return int(generation) if isinstance(generation, int) and generation > 0 else None


def _generations(client: ClientAPI, name: str) -> set[int]:
    prefix = f"{name}-g"
    found: set[int] = set()
    for collection in client.list_collections():
        label = collection if isinstance(collection, str) else collection.name
        if label.startswith(prefix) and label.endswith("-chunks"):
            number = label[len(prefix) : -len("-chunks")]
            if number.isdigit():
                found.add(int(number))
    return found


# --- ingest --------------------------------------------------------------------------------


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
    chunks_name, _ = _collection_names(name, generation)
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

    _drop_unfinished(client, name, current)
    generation = max(_generations(client, name) | {current or 0}) + 1
    chunks_col, units_col = _create_generation(client, name, generation)
    _copy_unchanged(client, name, current, unchanged, chunks_col, units_col)
    _embed_into(settings, [prepared[d] for d in added + replaced], chunks_col, units_col, progress)
    _flip(client, name, generation)
    _drop_old(client, name, keep={generation, current or 0})
    if settings.chroma_mode == "embedded":
        reclaim_disk(settings.store_dir)
    return _finish(IngestReport(**{**report.__dict__, "generation": generation}), started)


def _finish(report: IngestReport, started: float) -> IngestReport:
    return IngestReport(**{**report.__dict__, "seconds": time.perf_counter() - started})


def _create_generation(
    client: ClientAPI, name: str, generation: int
) -> tuple[Collection, Collection]:
    chunks_name, units_name = _collection_names(name, generation)
    # embedding_function=None: vectors always come from our own model; Chroma's default downloads one.
    space = {"hnsw:space": "cosine"}
    chunks = client.create_collection(chunks_name, embedding_function=None, metadata=space)
    units = client.create_collection(units_name, embedding_function=None, metadata=space)
    return chunks, units


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
        _collection_names(name, current), (chunks_col, units_col), strict=True
    ):
        old = client.get_collection(old_name, embedding_function=None)
        data = old.get(
            where=cast(Any, {"doc_id": {"$in": list(doc_ids)}}),
            include=["documents", "metadatas", "embeddings"],
        )
        _add(target, data["ids"], data["documents"], data["metadatas"], data["embeddings"])


def _embed_into(
    settings: Settings,
    items: Sequence[_Prepared],
    chunks_col: Collection,
    units_col: Collection,
    progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None,
) -> None:
    if not items:
        return
    from assistant.embeddings import get_embeddings

    embeddings = get_embeddings(settings)
    with _all_cores():
        _embed_rows(embeddings, items, chunks_col, units_col, progress)


@contextmanager
def _all_cores() -> Iterator[None]:
    """Batch embedding uses every core; answering keeps its own (smaller) thread setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(before, os.cpu_count() or 1))
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
                _add(
                    collection,
                    [row[1] for row, _ in picked],
                    [row[2] for row, _ in picked],
                    [row[4] for row, _ in picked],
                    [vec for _, vec in picked],
                )


def _add(collection: Collection, ids: Any, documents: Any, metadatas: Any, embeddings: Any) -> None:
    if ids is None or len(ids) == 0:
        return
    collection.add(
        ids=list(ids), documents=list(documents), metadatas=list(metadatas), embeddings=embeddings
    )


def _flip(client: ClientAPI, name: str, generation: int) -> None:
    """The one write that makes the new generation live."""
    pointer = client.get_or_create_collection(
        _pointer_name(name), embedding_function=None, metadata={"generation": generation}
    )
    pointer.modify(metadata={"generation": generation, "updated": time.time()})


def _drop_unfinished(client: ClientAPI, name: str, current: int | None) -> None:
    """Generations newer than the active one are leftovers of an interrupted ingest."""
    for generation in _generations(client, name):
        if current is None or generation > current:
            _delete_generation(client, name, generation)


def _drop_old(client: ClientAPI, name: str, keep: set[int]) -> None:
    """Keep the new and the previous generation, so readers still on the old one finish cleanly."""
    for generation in _generations(client, name) - keep:
        _delete_generation(client, name, generation)


def _delete_generation(client: ClientAPI, name: str, generation: int) -> None:
    for collection in _collection_names(name, generation):
        try:
            client.delete_collection(collection)
        except Exception as exc:  # already gone
            logger.debug("could not delete %s: %s", collection, exc)


ORPHAN_GRACE_SECONDS = 60.0  # a server may still read a dropped generation's folder this long


def reclaim_disk(store_dir: Path) -> None:
    """Give back the disk of deleted generations: Chroma deletes a collection's rows but leaves
    its vector folder, and SQLite keeps freed pages. Only folders that no live segment names
    and that were last written over a minute ago go (a server still on a dropped generation
    reads them until it follows the pointer); a crash here leaves at worst a folder for the next
    ingest to remove."""
    import shutil
    import sqlite3

    database = store_dir / "chroma.sqlite3"
    if not database.is_file():
        return
    with closing(sqlite3.connect(database, timeout=5)) as connection:
        live = {str(row[0]) for row in connection.execute("SELECT id FROM segments")}
        settled = time.time() - ORPHAN_GRACE_SECONDS
        for folder in store_dir.iterdir():
            if (
                folder.is_dir()
                and _is_segment_name(folder.name)
                and folder.name not in live
                and folder.stat().st_mtime < settled
            ):
                shutil.rmtree(folder, ignore_errors=True)
        if connection.execute("PRAGMA freelist_count").fetchone()[0]:
            try:
                connection.execute("VACUUM")
            except sqlite3.OperationalError as exc:  # a reader is mid-transaction: next time
                logger.info("store not compacted: %s", exc)


def _is_segment_name(name: str) -> bool:
    try:
        uuid.UUID(name)
    except ValueError:
        return False
    return True


# --- loading for retrieval -----------------------------------------------------------------


@dataclass(frozen=True)
class IndexSnapshot:
    """One generation, loaded for answering: chunk texts for BM25, unit vectors for quoting."""

    generation: int
    chunk_ids: list[str]
    chunk_texts: list[str]
    chunk_metas: list[dict[str, Any]]
    unit_ids: list[str]
    unit_texts: list[str]
    unit_metas: list[dict[str, Any]]
    unit_vectors: np.ndarray
    chunks_collection: str

    def documents(self) -> dict[str, dict[str, str]]:
        """Document id -> its metadata, in corpus order."""
        docs: dict[str, dict[str, str]] = {}
        for meta in self.chunk_metas:
            docs.setdefault(str(meta["doc_id"]), {k: str(meta.get(k, "")) for k in DOC_KEYS})
        return docs


def load_snapshot(client: ClientAPI, name: str) -> IndexSnapshot:
    import numpy as np

    generation = active_generation(client, name)
    if generation is None:
        raise IndexNotReadyError("no index has been built yet: run `python ingest.py` first")
    chunks_name, units_name = _collection_names(name, generation)
    try:
        chunks = client.get_collection(chunks_name, embedding_function=None).get(
            include=["documents", "metadatas"]
        )
        units = client.get_collection(units_name, embedding_function=None).get(
            include=["documents", "metadatas", "embeddings"]
        )
    except Exception as exc:
        raise StoreError(f"the index generation {generation} cannot be read: {exc}") from exc
    chunk_metas: list[Any] = list(chunks["metadatas"] or [])
    unit_metas: list[Any] = list(units["metadatas"] or [])
    chunk_texts: list[str] = list(chunks["documents"] or [])
    unit_texts: list[str] = list(units["documents"] or [])
    chunk_order = sorted(
        range(len(chunks["ids"])),
        key=lambda i: (str(chunk_metas[i]["doc_id"]), int(chunk_metas[i]["order"])),
    )
    unit_order = sorted(
        range(len(units["ids"])),
        key=lambda i: (str(unit_metas[i]["doc_id"]), int(unit_metas[i]["order"])),
    )
    vectors = np.asarray(units["embeddings"], dtype=np.float32)
    return IndexSnapshot(
        generation=generation,
        chunk_ids=[chunks["ids"][i] for i in chunk_order],
        chunk_texts=[chunk_texts[i] for i in chunk_order],
        chunk_metas=[dict(chunk_metas[i]) for i in chunk_order],
        unit_ids=[units["ids"][i] for i in unit_order],
        unit_texts=[unit_texts[i] for i in unit_order],
        unit_metas=[dict(unit_metas[i]) for i in unit_order],
        unit_vectors=vectors[unit_order] if len(unit_order) else vectors,
        chunks_collection=chunks_name,
    )
