"""The Chroma store: open it, keep its generations, and load what retrieval needs (``indexing``
writes into it).

Each ingest that changes anything writes a new *generation* (a pair of collections: chunks and
units) and then flips one pointer, the metadata of the ``<name>-active`` collection, in a single
write. Readers follow the pointer, so a crash mid-ingest leaves the previous generation answering
and a running server picks up the new one without a restart. Unchanged documents are copied with
their stored vectors (never re-embedded); an unchanged corpus writes nothing at all.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings, apply_offline_environment
from assistant.errors import IndexNotReadyError, StoreError

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

logger = logging.getLogger(__name__)
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


def collection_names(name: str, generation: int) -> tuple[str, str]:
    return f"{name}-g{generation}-chunks", f"{name}-g{generation}-units"


def active_generation(client: ClientAPI, name: str) -> int | None:
    try:
        pointer = client.get_collection(_pointer_name(name))
    except Exception:  # chromadb raises NotFoundError/ValueError depending on the client
        return None
    generation = (pointer.metadata or {}).get("generation")
    return int(generation) if isinstance(generation, int) and generation > 0 else None


def generations(client: ClientAPI, name: str) -> set[int]:
    prefix = f"{name}-g"
    found: set[int] = set()
    for collection in client.list_collections():
        label = collection if isinstance(collection, str) else collection.name
        if label.startswith(prefix) and label.endswith("-chunks"):
            number = label[len(prefix) : -len("-chunks")]
            if number.isdigit():
                found.add(int(number))
    return found


def create_generation(
    client: ClientAPI, name: str, generation: int
) -> tuple[Collection, Collection]:
    chunks_name, units_name = collection_names(name, generation)
    # embedding_function=None: vectors always come from our own model; Chroma's default downloads one.
    space = {"hnsw:space": "cosine"}
    chunks = client.create_collection(chunks_name, embedding_function=None, metadata=space)
    units = client.create_collection(units_name, embedding_function=None, metadata=space)
    return chunks, units


def add_rows(
    collection: Collection, ids: Any, documents: Any, metadatas: Any, embeddings: Any
) -> None:
    if ids is None or len(ids) == 0:
        return
    collection.add(
        ids=list(ids), documents=list(documents), metadatas=list(metadatas), embeddings=embeddings
    )


def flip_to(client: ClientAPI, name: str, generation: int) -> None:
    """The one write that makes the new generation live."""
    pointer = client.get_or_create_collection(
        _pointer_name(name), embedding_function=None, metadata={"generation": generation}
    )
    pointer.modify(metadata={"generation": generation, "updated": time.time()})


def drop_unfinished(client: ClientAPI, name: str, current: int | None) -> None:
    """Generations newer than the active one are leftovers of an interrupted ingest."""
    for generation in generations(client, name):
        if current is None or generation > current:
            _delete_generation(client, name, generation)


def drop_old(client: ClientAPI, name: str, keep: set[int]) -> None:
    """Keep the new and the previous generation, so readers still on the old one finish cleanly."""
    for generation in generations(client, name) - keep:
        _delete_generation(client, name, generation)


def _delete_generation(client: ClientAPI, name: str, generation: int) -> None:
    for collection in collection_names(name, generation):
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
    chunks_name, units_name = collection_names(name, generation)
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
