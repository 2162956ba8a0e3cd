"""Hybrid search: BM25 and dense similarity fused by reciprocal rank, aware of programmes.

Chunks are ranked (BM25 over their words, Chroma over their vectors, fused); the sentences of the
best chunks, and of the programme the question names, are then scored as candidate evidence.
"""

from __future__ import annotations

import difflib
import logging
import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from assistant.documents.corpus import GENERAL
from assistant.documents.store import IndexSnapshot
from assistant.understanding.intents import INTENTS_BY_NAME
from assistant.understanding.programmes import ProgrammeNames, programme_names, proper_names
from assistant.understanding.query import (
    Query,
    about_other_applicants,
    detect_intents,
    unit_citizenship,
)
from assistant.understanding.words import GENERIC_WORDS, stems, tokenize

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI
    from langchain_core.embeddings import Embeddings

logger = logging.getLogger(__name__)
RRF_K = 60
CANDIDATE_CHUNKS = 8
_DEGREE_LEVELS = frozenset(stems("bachelor master"))


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence, list item or table row, verbatim, with why it was picked."""

    unit_id: str
    doc_id: str
    chunk_id: str
    text: str
    heading: str
    columns: tuple[str, ...]
    score: float
    dense: float
    lexical: float
    intents: tuple[str, ...]  # the question's intents this sentence can answer
    in_programme: bool  # belongs to a programme the question names
    order: int = 0  # position in its document
    lead: str = ""  # for a list item: the sentence introducing the list


@dataclass(frozen=True)
class RetrievalResult:
    documents: tuple[str, ...]  # doc ids, best first
    chunks: tuple[str, ...]
    evidence: tuple[Evidence, ...]  # best first
    unknown: tuple[str, ...] = ()  # names in the question that the corpus never mentions
    unknown_subject: str | None = None  # what the question asks about, if the corpus never does


class SearchIndex:
    """One loaded index generation, ready to answer: BM25, Chroma, and the unit vectors."""

    def __init__(self, snapshot: IndexSnapshot, embeddings: Embeddings, client: ClientAPI) -> None:
        from langchain_chroma import Chroma
        from rank_bm25 import BM25Okapi

        self.snapshot = snapshot
        self.embeddings = embeddings
        self.vectorstore = Chroma(
            client=client,
            collection_name=snapshot.chunks_collection,
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )
        chunk_tokens = [
            stems(f"{m['title']} {m['heading']} {text}")
            for m, text in zip(snapshot.chunk_metas, snapshot.chunk_texts, strict=True)
        ]
        self.bm25 = BM25Okapi(chunk_tokens)
        self.chunk_position = {cid: i for i, cid in enumerate(snapshot.chunk_ids)}
        self.unit_tokens = [
            set(
                stems(
                    f"{m['heading'].split(' > ')[-1]} {m.get('columns', '')} {m.get('lead', '')} {text}"
                )
            )
            for m, text in zip(snapshot.unit_metas, snapshot.unit_texts, strict=True)
        ]
        self.units_by_chunk: dict[str, list[int]] = {}
        self.units_by_doc: dict[str, list[int]] = {}
        for i, meta in enumerate(snapshot.unit_metas):
            self.units_by_chunk.setdefault(str(meta["chunk_id"]), []).append(i)
            self.units_by_doc.setdefault(str(meta["doc_id"]), []).append(i)
        frequency: dict[str, int] = {}
        for tokens in self.unit_tokens:
            for token in tokens:
                frequency[token] = frequency.get(token, 0) + 1
        total = max(len(self.unit_tokens), 1)
        self.idf = {t: math.log(1 + total / f) for t, f in frequency.items()}
        self._spelled: dict[str, bool] = {}
        self.vocabulary = frozenset(frequency) | frozenset(
            t for tokens in chunk_tokens for t in tokens
        )

    @property
    def generation(self) -> int:
        return self.snapshot.generation

    @cached_property
    def documents(self) -> dict[str, dict[str, str]]:
        return self.snapshot.documents()

    @cached_property
    def names(self) -> ProgrammeNames:
        """How the documents that name a programme or institution are named (a general document
        names nothing, so it is never a programme a question could mean)."""
        named = {d: m for d, m in self.documents.items() if m.get("kind") != GENERAL}
        texts: dict[str, list[str]] = {}
        for meta, text in zip(self.snapshot.unit_metas, self.snapshot.unit_texts, strict=True):
            if str(meta["doc_id"]) in named:
                texts.setdefault(str(meta["doc_id"]), []).append(text)
        return programme_names(named, {d: " ".join(t) for d, t in texts.items()})

    def answering_for(self, query: Query) -> frozenset[str]:
        """The documents whose facts may answer the question (provenance): for a named programme,
        its own documents and its institution's unit-level ones; a general document only where
        the question names no programme and no institution."""
        named = set(query.programmes)
        institutions = {self.documents[d].get("institution", "") for d in named} - {""}
        said = set(tokenize(query.english or query.text))
        names_institution = any(said & set(words) for words in self.names.institutions.values())
        allowed = set()
        for doc_id, meta in self.documents.items():
            kind = meta.get("kind", "")
            if not named:
                fits = kind != GENERAL or not names_institution
            else:
                fits = doc_id in named or (
                    kind not in ("programme", GENERAL) and meta.get("institution") in institutions
                )
            if fits:
                allowed.add(doc_id)
        return frozenset(allowed)

    def known(self, term: str) -> bool:
        """Whether a (stemmed) word occurs in the corpus or a programme's names, allowing for a
        typo in longer words."""
        if term in self.vocabulary or term in self.name_stems or term.isdigit():
            return True
        if term not in self._spelled:
            self._spelled[term] = len(term) >= 5 and bool(self.spelling(term))
        return self._spelled[term]

    def spelling(self, term: str) -> str | None:
        matches = difflib.get_close_matches(term, self.vocabulary, n=1, cutoff=0.84)
        return matches[0] if matches else None

    @cached_property
    def name_stems(self) -> frozenset[str]:
        """Stems of the programmes' names: they say which programme, not what is asked."""
        words = " ".join(p for phrases in self.names.phrases.values() for p in phrases)
        return frozenset(stems(words)) | frozenset(stems(" ".join(GENERIC_WORDS)))

    def topic_stems(self, query: Query) -> list[str]:
        """What the question asks about: its words less the programmes' names. A degree level the
        named programme's own name does not carry ("is a bachelor enough for the postgraduate?")
        is asked about."""
        if not query.programmes:
            return [t for t in query.stems if t not in self.name_stems]
        own = " ".join(p for doc_id in query.programmes for p in self.names.phrases.get(doc_id, ()))
        asked = _DEGREE_LEVELS - set(stems(own))
        return [t for t in query.stems if t not in self.name_stems or t in asked]

    @cached_property
    def title_lines(self) -> frozenset[int]:
        """Lines that only repeat a programme's name ("Postgraduate Programme in ... (Leuven)")."""
        found = set()
        for i, text in enumerate(self.snapshot.unit_texts):
            words = set(stems(text))
            if words and words <= self.name_stems:
                found.add(i)
        return frozenset(found)

    def embed(self, text: str) -> np.ndarray:
        import numpy as np

        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def rank_chunks(self, query: Query, vector: np.ndarray) -> list[tuple[str, float]]:
        """Reciprocal rank fusion of BM25 and dense rankings, named programmes first."""
        count = len(self.snapshot.chunk_ids)
        terms = stems(query.search_text)
        fused: dict[str, float] = {}
        if terms:
            scores = self.bm25.get_scores(terms)
            lexical_order = sorted(range(count), key=lambda i: -scores[i])
            for rank, i in enumerate(lexical_order[: max(20, CANDIDATE_CHUNKS)]):
                if scores[i] > 0:
                    chunk_id = self.snapshot.chunk_ids[i]
                    fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
        dense = self.vectorstore.similarity_search_by_vector_with_relevance_scores(
            vector.tolist(), k=min(count, 20)
        )
        for rank, (document, _) in enumerate(dense):
            chunk_id = str(document.id)
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
        named = set(query.programmes)
        return sorted(
            fused.items(),
            key=lambda item: (self._doc_of(item[0]) not in named, -item[1]),
        )

    def _doc_of(self, chunk_id: str) -> str:
        return str(self.snapshot.chunk_metas[self.chunk_position[chunk_id]]["doc_id"])

    def search(self, query: Query) -> RetrievalResult:
        vector = self.embed(query.search_text)
        fused = self.rank_chunks(query, vector)
        prior = {
            chunk_id: 1.0 - rank / max(len(fused), 1) for rank, (chunk_id, _) in enumerate(fused)
        }
        allowed = self.answering_for(query)
        ranked = [
            (chunk_id, score) for chunk_id, score in fused if self._doc_of(chunk_id) in allowed
        ]
        documents: list[str] = []
        for chunk_id, _ in ranked:
            doc_id = self._doc_of(chunk_id)
            if doc_id not in documents:
                documents.append(doc_id)
        top = [chunk_id for chunk_id, _ in ranked[:CANDIDATE_CHUNKS]]
        candidates = {i for chunk_id in top for i in self.units_by_chunk.get(chunk_id, [])}
        for doc_id in query.programmes:
            candidates.update(self.units_by_doc.get(doc_id, []))
        terms = [t for t in self.topic_stems(query) if t in self.idf or not self.known(t)]
        evidence = [self._score(i, query, vector, prior, terms) for i in candidates]
        evidence.sort(key=lambda e: -e.score)
        unknown = tuple(
            name for name in proper_names(query.text) if not all(self.known(t) for t in stems(name))
        )
        subject = query.subject
        unknown_subject = (
            subject
            if subject
            and not detect_intents(subject)
            and not all(self.known(t) for t in stems(subject))
            else None
        )
        return RetrievalResult(
            tuple(documents), tuple(c for c, _ in ranked), tuple(evidence), unknown, unknown_subject
        )

    def _score(
        self, i: int, query: Query, vector: np.ndarray, prior: dict[str, float], terms: list[str]
    ) -> Evidence:
        meta = self.snapshot.unit_metas[i]
        text = self.snapshot.unit_texts[i]
        heading = str(meta["heading"])
        dense = float(self.snapshot.unit_vectors[i] @ vector)
        weight = sum(self.idf.get(t, 3.0) for t in terms) or 1.0
        lexical = sum(self.idf.get(t, 3.0) for t in terms if _mentions(self.unit_tokens[i], t))
        lexical /= weight
        sole = len(self.units_by_chunk[str(meta["chunk_id"])]) == 1  # a section's one value
        cue = _cue_text(text, heading, sole)
        intents = tuple(name for name in query.intents if INTENTS_BY_NAME[name].answers.search(cue))

        doc_id = str(meta["doc_id"])
        in_programme = doc_id in query.programmes
        score = 0.55 * dense + 0.3 * lexical + 0.1 * prior.get(str(meta["chunk_id"]), 0.0)
        score += 0.25 * bool(intents) + 0.05 * len(intents)
        if query.programmes and not in_programme:
            score -= 0.3
        about = unit_citizenship(text)
        if query.citizenship is not None and about == query.citizenship and intents:
            score += 0.25
        if len(text.split()) < 4 and not intents and not any(ch.isdigit() for ch in text):
            score -= 0.2  # a bare label ("Procedure:", "Name") answers nothing on its own
        if i in self.title_lines and not (intents and sole):
            score -= 0.5
        if text.rstrip().endswith(":") and len(text.split()) < 6:
            score -= 0.3  # a label without its list ("Procedure:")
        route = _degree_route(heading)
        wanted = _wanted_route(query)
        if route and wanted and intents:
            score += 0.25 if route == wanted else -0.3
        score -= 0.4 * about_other_applicants(query, text)
        return Evidence(
            unit_id=self.snapshot.unit_ids[i],
            doc_id=doc_id,
            chunk_id=str(meta["chunk_id"]),
            text=text,
            heading=heading,
            columns=tuple(c for c in str(meta.get("columns", "")).split("|") if c),
            score=score,
            dense=dense,
            lexical=lexical,
            intents=intents,
            in_programme=in_programme,
            order=int(meta.get("order", 0)),
            lead=str(meta.get("lead", "")),
        )


def _mentions(tokens: set[str], term: str) -> bool:
    """A unit mentions a term; "part-time" is also mentioned as "part time"."""
    return term in tokens or ("-" in term and all(p in tokens for p in term.split("-") if p))


def _cue_text(text: str, heading: str, sole: bool) -> str:
    """A section's bare value ("Expected November 2022"), or the one sentence answering a question
    heading ("When is the graduation ceremony?"), read with its heading for intent cues."""
    title = heading.split(" > ")[-1]
    if (len(text.split()) < 6 and not text.startswith("|")) or (sole and title.endswith("?")):
        return f"{title}: {text}"
    return text


def _degree_route(heading: str) -> str | None:
    """Which admission route a section is about, as the documents' headings name them."""
    lowered = heading.lower()
    if "not with a flemish degree" in lowered or "international" in lowered:
        return "international"
    if "flemish degree" in lowered:
        return "flemish"
    return None


def _wanted_route(query: Query) -> str | None:
    if query.flemish_degree is True:
        return "flemish"
    if query.flemish_degree is False or query.citizenship in ("non-eea", "resident"):
        return "international"
    return None
