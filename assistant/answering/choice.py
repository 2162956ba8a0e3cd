"""What an answer quotes, per programme, before it is worded: chosen by the rules (the
sentences each document offers) or by the reader (the sentences it finds answering)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answering.selection import (
    FOR_GROUP,
    PROGRAMME_SPECIFIC,
    names_no_group,
    select_evidence,
    shaped_answer,
)
from assistant.database.saved_answers import SavedAnswer
from assistant.documents.corpus import GENERAL
from assistant.documents.splitting import cited_text, unit_display
from assistant.retrieval.index import Evidence, RetrievalResult
from assistant.understanding.query import Query

Documents = Mapping[str, Mapping[str, str]]
Found = list[tuple[str, list[Evidence]]]  # quotes per document, best document first

AMBIGUITY_GAP = 0.35  # with no programme named, programmes answering this well are all offered
READER_GAP = 0.3  # further quotes must be within this probability of the best one


@dataclass(frozen=True)
class Choice:
    """The quotes an answer gives: per programme, in the order they are shown (one programme,
    or two side by side). None, with ``ask_back`` empty: the documents do not answer.
    ``ask_back``: more programmes answer a question that names none than an answer can hold,
    so it asks which one is meant. ``office``: the documents are silent and the admissions office
    has saved an answer to this question."""

    quotes: tuple[tuple[str, tuple[Evidence, ...]], ...] = ()
    ask_back: tuple[str, ...] = ()
    office: SavedAnswer | None = None  # where the documents are silent: the office's answer

    @property
    def answered(self) -> bool:
        return bool(self.quotes) or self.office is not None

    @property
    def quoted(self) -> list[tuple[str, str]]:
        """(document, verbatim quote) of every quote, in order."""
        return [(doc, cited_text(e.text)) for doc, items in self.quotes for e in items]


DECLINED = Choice()


def strength(chosen: Sequence[Evidence]) -> float:
    """How well a document answers: its best quote (a context sentence may come first)."""
    return max(e.score for e in chosen)


def choice_of(query: Query, found: Found, documents: Documents) -> Choice:
    """The programmes an answer speaks of, among those with quotes: the best one; two side by
    side, or a question back listing them, when the question names none and several answer it
    about as well."""
    if PROGRAMME_SPECIFIC & set(query.intents):  # a general document's figures are no programme's
        found = [(doc, chosen) for doc, chosen in found if documents[doc].get("kind") != GENERAL]
    if not found:
        return DECLINED
    top = strength(found[0][1])
    close = [doc for doc, chosen in found if strength(chosen) >= top - AMBIGUITY_GAP]
    # A programme whose one figure names no group is as much an answer to "the fee for non-EEA
    # students?" and is listed beside the others, but never turns an answer into "which
    # programme?" (over two programmes).
    joined = [
        doc
        for doc, chosen in found
        if doc in close or (not query.programmes and names_no_group(query, chosen))
    ]
    candidates = joined if len(joined) <= 2 else close
    several = len(candidates) > 1 and (
        len(query.programmes) > 1  # a name that fits several ("the biomedical sciences master")
        or (not query.programmes and bool(PROGRAMME_SPECIFIC & set(query.intents)))
    )
    if several and len(candidates) > 2:
        return Choice(ask_back=tuple(candidates))
    shown = [pair for pair in found if pair[0] in candidates] if several else found[:1]
    return Choice(
        quotes=tuple(
            (doc, tuple(by_group(_without_year_labels(chosen, documents[doc]))))
            for doc, chosen in shown
        )
    )


def rules_choice(
    query: Query, result: RetrievalResult, documents: Documents, max_quotes: int
) -> Choice:
    """The rules' choice: each document's answering sentences; none when the question names
    something the documents never mention."""
    if result.unknown and (
        not query.programmes
        or _elsewhere(query, result.unknown)
        or _asked_for(query, result.unknown)
    ):
        return DECLINED  # it names something (a school, a test) the documents never mention
    if result.unknown_subject:
        return DECLINED  # it asks about something (scholarships, a visa) they never mention
    return choice_of(query, answering_documents(query, result, max_quotes), documents)


def answering_documents(query: Query, result: RetrievalResult, max_quotes: int) -> Found:
    """Each document that answers, with its quotes, best document first."""
    by_doc: dict[str, list[Evidence]] = {}
    for item in result.evidence:
        by_doc.setdefault(item.doc_id, []).append(item)
    if query.programmes:
        by_doc = {d: e for d, e in by_doc.items() if d in query.programmes}
    if query.said:  # "any other option?" is not answered by what was just said
        said = " ".join(query.said.split()).lower()
        by_doc = {
            d: [e for e in items if unit_display(e.text).lower() not in said]
            for d, items in by_doc.items()
        }
    found = [
        (doc, chosen)
        for doc, items in by_doc.items()
        if (chosen := select_evidence(query, items, max_quotes))
    ]
    found.sort(key=lambda pair: -strength(pair[1]))
    return found


def reader_choice(
    query: Query,
    read: Sequence[tuple[Evidence, float]],
    evidence: Sequence[Evidence],
    threshold: float,
    max_quotes: int,
) -> Found:
    """The quotes per document that the reader finds answer the question, best document first;
    [] when no unit reaches the threshold (the documents are silent). A quote keeps the list it
    introduces and the sentence it points back to."""
    if not read or read[0][1] < threshold:
        return []
    top = read[0][1]
    by_doc: dict[str, list[Evidence]] = {}
    for item, probability in read:
        if probability >= threshold and probability >= top - READER_GAP:
            by_doc.setdefault(item.doc_id, []).append(item)
    found: Found = []
    for doc_id, accepted in by_doc.items():
        best = accepted[0]
        own = [e for e in evidence if e.doc_id == doc_id]
        shaped = shaped_answer(query, best, accepted, own, max_quotes)
        quotes = list(shaped) if shaped else [best]
        for item in accepted[1:]:
            if len(quotes) >= max_quotes:
                break
            if item not in quotes:
                quotes.append(item)
        found.append((doc_id, sorted(quotes, key=lambda e: (e.chunk_id != best.chunk_id, e.order))))
    return found


def _elsewhere(query: Query, names: Sequence[str]) -> bool:
    """The programme asked about is at an institution the documents do not cover
    ("the MSc Biomedical Engineering at TU Delft"), not the asker's own past ("I studied at X")."""
    return any(
        re.search(
            rf"\b(programme|program|master|msc|postgraduate|course|degree|engineering|sciences?|"
            rf"physics)\s+(at|of|in)\s+(the\s+)?(\w+\s+)?{re.escape(name)}\b",
            query.text,
            re.IGNORECASE,
        )
        for name in names
    )


def _asked_for(query: Query, names: Sequence[str]) -> bool:
    """A test or grade asked for as a requirement ("do I need the GRE?", "minimum GPA"), not
    the asker's own background ("my BSc from IIT")."""
    return any(
        re.search(
            rf"\b(take|need|needs|require[sd]?|submit|minimum|min|expect)\s+((a|an|the|my|any)\s+)?"
            rf"{re.escape(name)}\b|\b{re.escape(name)}\s+(score|result|requirement)s?\b",
            query.text,
            re.IGNORECASE,
        )
        for name in names
    )


def _without_year_labels(chosen: Sequence[Evidence], meta: Mapping[str, str]) -> list[Evidence]:
    """A line that only names the academic year ("Academic Year 2024-2025") says nothing the
    answer's own framing does not say: it is not quoted beside the figures."""
    year = meta.get("academic_year", "")
    kept = [e for e in chosen if not (year and year in e.text and len(e.text.split()) <= 4)]
    return kept or list(chosen)


def group_of(item: Evidence) -> str:
    """The section a quote stands in when that section is for one group of applicants
    ("Admission for students with a Flemish Degree"); '' when it holds for everyone."""
    section = item.heading.split(" > ")[-1]
    return section if FOR_GROUP.search(section) else ""


def by_group(chosen: Sequence[Evidence]) -> list[Evidence]:
    """Quotes for several groups of applicants, each group's together (the quotes for everyone
    first, then the groups in the order they first come); other answers as they are."""
    groups = list(dict.fromkeys(group_of(e) for e in chosen))
    if len([g for g in groups if g]) < 2:
        return list(chosen)
    groups.sort(key=bool)  # stable: '' first
    return sorted(chosen, key=lambda e: groups.index(group_of(e)))
