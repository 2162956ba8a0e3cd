"""Where the reader decides: it keeps the rules' choice of quotes, vetoes it (the documents are
silent, whatever words the question shares with them), or replaces it with its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.answering.choice import (
    DECLINED,
    Choice,
    Documents,
    choice_of,
    reader_choice,
    rules_choice,
)
from assistant.answering.reading.reader import Reader, any_answers, read_evidence
from assistant.answering.selection import FOR_GROUP
from assistant.config import ReaderMode
from assistant.documents.splitting import cited_text
from assistant.retrieval.index import Evidence, RetrievalResult
from assistant.understanding.query import Query


def decide(
    query: Query,
    result: RetrievalResult,
    documents: Documents,
    mode: ReaderMode,
    reader: Callable[[], Reader],
    candidates: int,
    max_quotes: int,
    choosing: int | None = None,
) -> Choice:
    """What the answer quotes: the rules' choice, read by the reader as ``mode`` says ("off":
    not at all; "with_rules": its veto, and its choice where it is sure; "alone": its choice;
    otherwise its veto, and its choice where it is confident). ``reader`` loads the model the
    first time it is needed. The veto reads the best ``candidates`` units retrieved; where the
    reader may choose with the rules ("with_rules"), it chooses among the best ``choosing`` of
    them (default: all) and the rules' quotes."""
    ruled = rules_choice(query, result, documents, max_quotes)
    if mode == "off":
        return ruled
    shortlist = result.evidence[:candidates]
    if mode == "with_rules":
        kept = vetoed(ruled, query, lambda: reaches(reader(), ruled, query, shortlist, documents))
        rescue = not ruled.answered and not ruled.ask_back
        framed = framed_by_the_asker(query) or lists_each_group(kept)
        if not shortlist or not (rescue or (kept.answered and not framed)):
            return kept
        model = reader()
        if not rescue and any_answers(
            model, query, _quoted(kept, shortlist), documents, (), model.sure
        ):
            return kept  # the reader is sure of a quote of the rules: they keep theirs
        among = to_choose_from(kept, shortlist, choosing)
        read = read_evidence(model, query, among, len(among), documents)

        def quoted_from(level: float) -> Callable[[], Choice]:
            return lambda: choice_of(
                query, reader_choice(query, read, result.evidence, level, max_quotes), documents
            )

        if rescue:
            return rescued_by_reader(kept, read, model.sure, quoted_from(model.sure))
        return chosen_by_reader(kept, read, model.sure, quoted_from(model.threshold))
    model = reader()
    read = read_evidence(model, query, shortlist, len(shortlist), documents)

    def chosen() -> Choice:
        found = reader_choice(query, read, result.evidence, model.threshold, max_quotes)
        return choice_of(query, found, documents)

    if mode == "alone":
        return chosen()
    best = read[0][1] if read else 0.0
    return chosen_by_reader(
        vetoed(ruled, query, lambda: best >= model.veto), read, model.threshold, chosen
    )


def documents_sure(
    choice: Choice,
    query: Query,
    result: RetrievalResult,
    documents: Documents,
    mode: ReaderMode,
    reader: Callable[[], Reader],
    candidates: int,
) -> bool:
    """Whether the documents surely answer: a unit of the shortlist reaches the reader's
    threshold (not merely its veto), the quotes chosen read first. Without the reader ("off"),
    an answer from the documents is taken as sure."""
    if mode == "off":
        return True
    model = reader()
    return reaches(model, choice, query, result.evidence[:candidates], documents, model.threshold)


def reaches(
    model: Reader,
    choice: Choice,
    query: Query,
    shortlist: Sequence[Evidence],
    documents: Documents,
    level: float | None = None,
) -> bool:
    """Whether a unit of the shortlist reaches ``level`` (the reader's veto unless given), the
    choice's quotes read first: the reading usually stops at one of them."""
    first = [quote for _, quote in choice.quoted]
    return any_answers(model, query, shortlist, documents, first, level)


def vetoed(ruled: Choice, query: Query, reaches_veto: Callable[[], bool]) -> Choice:
    """The rules' choice, unless no candidate gets even the reader's lowest probability for an
    answered question (``reaches_veto`` says whether one does; it is asked only when the choice
    could be vetoed): then the documents are silent. An answer given per programme to a
    question that names none stays: the reader learnt that such a question alone does not say
    which programme, which is what that answer says."""
    per_programme = not query.programmes and len(ruled.quotes) > 1
    if ruled.answered and not per_programme and not reaches_veto():
        return DECLINED
    return ruled


def _quoted(choice: Choice, shortlist: Sequence[Evidence]) -> list[Evidence]:
    """The candidates a choice quotes."""
    quoted = set(choice.quoted)
    return [e for e in shortlist if (e.doc_id, cited_text(e.text)) in quoted]


def to_choose_from(
    choice: Choice, shortlist: Sequence[Evidence], choosing: int | None
) -> list[Evidence]:
    """The units the reader chooses its quotes among: the best ``choosing`` retrieved (all of
    the shortlist when None), and any the rules quote beyond them (the veto has read those)."""
    if choosing is None or choosing >= len(shortlist):
        return list(shortlist)
    return [*shortlist[:choosing], *_quoted(choice, shortlist[choosing:])]


def framed_by_the_asker(query: Query) -> bool:
    """Whether what the asker said about themselves (citizenship, study mode, a Flemish degree)
    or an earlier question frames the answer: then the rules, which choose the fee row or the
    list that fits it, keep their quotes (the reader reads neither)."""
    return bool(
        query.citizenship
        or query.study_mode
        or query.situation
        or query.flemish_degree is not None
        or query.previous
    )


def lists_each_group(choice: Choice) -> bool:
    """Whether an answer gives a fact for each group of applicants ("1 March for applications of
    non-EEA citizens", "1 June for applications of EEA citizens"): the rules' answer to a
    question that says which group the asker is in none of, which the reader would cut to one."""
    return sum(bool(FOR_GROUP.search(e.text)) for _, items in choice.quotes for e in items) > 1


def rescued_by_reader(
    ruled: Choice,
    read: Sequence[tuple[Evidence, float]],
    sure: float,
    chosen: Callable[[], Choice],
) -> Choice:
    """Where the rules find nothing to quote (and ask nothing back) but the reader is sure a
    sentence answers (its best probability reaches the level that at most 5% of silent
    validation questions reach), its quotes answer: a page's own wording the rules were not
    written for ("ECTS credits are transferred in line with students' home university policy.")."""
    if ruled.answered or ruled.ask_back or not read or read[0][1] < sure:
        return ruled
    choice = chosen()
    return choice if choice.answered else ruled


def chosen_by_reader(
    ruled: Choice,
    read: Sequence[tuple[Evidence, float]],
    threshold: float,
    chosen: Callable[[], Choice],
) -> Choice:
    """Where the reader is confident (its best unit reaches its threshold) and the rules quote
    none of the units it finds answering, its quotes answer instead (the composer still frames
    them: programme, academic year, the applicant's situation). A decline or a question back
    about the programme stays as it is."""
    if not ruled.answered or not read or read[0][1] < threshold:
        return ruled
    confident = {(e.doc_id, cited_text(e.text)) for e, p in read if p >= threshold}
    if set(ruled.quoted) & confident:
        return ruled
    choice = chosen()
    return choice if choice.answered else ruled
