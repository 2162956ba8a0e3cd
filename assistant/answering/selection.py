"""Which retrieved sentences answer a question: the evidence an answer quotes, chosen by the
rules or by the reader, per programme, best programme first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.answer_types import fits_answer_type
from assistant.documents.splitting import is_list_item
from assistant.retrieval.index import Evidence
from assistant.understanding.query import (
    INTENTS_BY_NAME,
    Query,
    about_other_applicants,
    stems,
    unit_citizenship,
)

# A heading for a group of people ("For non-EEA students")
FOR_GROUP = re.compile(r"\b(students?|applicants?|citizens?)\b", re.IGNORECASE)

# Intents whose facts differ between programmes: a question naming none of them is ambiguous.
PROGRAMME_SPECIFIC = frozenset(
    {
        "fee",
        "deadline",
        "start",
        "duration",
        "location",
        "degree",
        "language_requirement",
        "admission",
        "documents",
        "procedure",
        "contact",
        "schedule",
        "invoice",
    }
)
DATED = frozenset({"fee", "deadline", "start", "invoice", "schedule"})
MIN_SCORE = 0.5  # a sentence that matches no intent must be at least this close
MIN_SCORE_WITH_INTENT = 0.42
MIN_DENSE_ALONE = 0.45  # a sentence that matches no intent must also be this close in meaning
FOCUS_ELSEWHERE_LEXICAL = 0.5  # share of the question's words needed when its focus is absent
QUOTE_GAP = 0.1  # further quotes must score within this of the best one
SHORT_ITEM_WORDS = 14  # a list of items this short is an enumeration, read as a whole
SHORT_LINE_WORDS = 6  # a line this short, without a full stop, is part of a block (an address)
LISTED_INTENTS = frozenset({"tracks", "documents"})  # what the documents give as lists
_ASKS_FOR_LIST = re.compile(
    r"\b(?:what|which)\s+(?:\w+\s+)?(?!(?:is|does|was|has|this|its|us|yes|always|less)\b)(\w{3,}s)\b",
    re.IGNORECASE,
)
_COMPARES = re.compile(
    r"\b(less|more|cheaper|pricier|higher|lower|difference|differ\w*|compared?|versus|vs)\b",
    re.IGNORECASE,
)
_OTHERS = re.compile(r"\b(others|everyone else|other (students|applicants))\b", re.IGNORECASE)
# A sentence that opens by pointing back ("The center also ...") needs the one before it.
_POINTS_BACK = re.compile(
    r"^(?:[-*•]\s+)?(this|these|that|those|it|they|such|the (center|centre|programme|school|group))\b",
    re.IGNORECASE,
)


def select_evidence(query: Query, evidence: Sequence[Evidence], max_quotes: int) -> list[Evidence]:
    """The sentences of one document that answer the question, best first; [] when none does."""
    strict = {n for n in query.intents if INTENTS_BY_NAME[n].strict}
    wanted = (
        {query.focus} if query.focus and any(query.focus in e.intents for e in evidence) else strict
    )
    matching = (
        [e for e in evidence if set(e.intents) & wanted]
        if wanted
        else [e for e in evidence if e.intents]
    )
    if matching:
        usable, floor = matching, MIN_SCORE_WITH_INTENT
    elif strict:
        return []
    else:
        usable, floor = [e for e in evidence if not _about_other_topic(query, e)], MIN_SCORE
    if query.focus and query.focus not in wanted:
        # what the question word asks for is not in the document: only a sentence with the
        # question's own words answers ("who coordinates clinical studies?"), not one about
        # something else it asks ("who is the certificate's coordinator?" by its diploma)
        usable = [e for e in usable if e.lexical >= FOCUS_ELSEWHERE_LEXICAL]
    usable = [e for e in usable if fits_answer_type(query, e)]
    if not usable:
        return []
    best = usable[0]
    close_in_meaning = best.dense >= MIN_DENSE_ALONE or (best.lexical >= 0.75 and best.dense >= 0.3)
    if best.score < floor or (not best.intents and not close_in_meaning):
        return []
    shaped = shaped_answer(query, best, usable, evidence, max_quotes)
    if shaped:
        return shaped
    chosen = [best]
    for candidate in usable[1:]:
        if len(chosen) >= max_quotes or candidate.score < best.score - QUOTE_GAP:
            break
        if candidate.chunk_id == best.chunk_id or set(candidate.intents) & set(best.intents):
            listed = _enumeration(candidate, evidence)
            if listed:  # a short item quoted second still stands with its list
                return [*chosen, *listed]
            chosen.append(candidate)
    following = next(
        (e for e in evidence if e.chunk_id == best.chunk_id and e.order == best.order + 1), None
    )
    if (
        following is not None
        and following not in chosen
        and len(chosen) < max_quotes
        and following.score >= best.score - 2 * QUOTE_GAP
        and not following.text.startswith("|")
    ):
        chosen.append(following)  # the next sentence often completes the answer
    return (
        _with_every_group(query, chosen, evidence)
        + _other_intents(query, chosen, evidence, floor)
        + _other_groups(query, chosen, usable)
    )


def _about_other_topic(query: Query, item: Evidence) -> bool:
    """A list item that plainly answers another kind of question ("Copies of diplomas and
    transcripts", a document to submit) is no answer to what the question asks ("does the
    programme lead to a diploma?"), however many words they share."""
    return (
        bool(query.intents)
        and is_list_item(item.text)
        and any(
            INTENTS_BY_NAME[name].answers.search(item.text)
            for name in LISTED_INTENTS - set(query.intents)
        )
    )


def shaped_answer(
    query: Query,
    best: Evidence,
    usable: Sequence[Evidence],
    evidence: Sequence[Evidence],
    max_quotes: int,
) -> list[Evidence]:
    """Answers whose shape the document or the question decides: a list after its lead, a whole
    short list or address block, the lines a comparison needs, a sentence with the one it points
    back to. [] when the best sentence simply stands with its neighbours."""
    listed = _list_of(best, evidence, query)
    if listed:
        return [best, *listed]
    enumeration = _enumeration(best, evidence)
    if enumeration:
        return enumeration
    item = _list_asked_for(query, best, usable)
    enumeration = _enumeration(item, evidence) if item is not None else []
    if item is not None and enumeration:
        # the best sentence comes first ("you can even design your own track"), then the list
        return enumeration if best in enumeration else [best, *enumeration]
    if _COMPARES.search(query.search_text) and is_list_item(best.text) and best.intents:
        others = [
            e
            for e in evidence
            if e.chunk_id == best.chunk_id
            and e is not best
            and is_list_item(e.text)
            and set(e.intents) & set(best.intents)
            and (_OTHERS.search(query.text) or not about_other_applicants(query, e.text))
        ]
        if others:  # "do EU students pay less?" is answered by the lines for both groups
            return sorted([best, *others], key=lambda e: e.order)[:max_quotes]
    if _POINTS_BACK.match(best.text):
        before = next(
            (e for e in evidence if e.chunk_id == best.chunk_id and e.order == best.order - 1), None
        )
        if before is not None and not before.text.startswith("|"):
            return [before, best]
    return []


def _list_of(best: Evidence, evidence: Sequence[Evidence], query: Query) -> list[Evidence]:
    """A lead-in ("These tracks are:") is answered by its list; a cluster's rule by its courses."""
    if best.text.rstrip().endswith(":"):
        items = [e for e in evidence if e.lead and e.lead == best.text]
    elif "courses" in query.intents and not best.text.startswith("|"):
        items = [e for e in evidence if e.chunk_id == best.chunk_id and e.text.startswith("|")]
    else:
        return []
    return sorted(items, key=lambda e: e.order)[:8]


def _list_asked_for(query: Query, best: Evidence, usable: Sequence[Evidence]) -> Evidence | None:
    """'Which tracks ...?' is answered by a list that its lead or heading says is of tracks;
    a question about tracks or documents by a list whose lead is about them."""
    asked = _ASKS_FOR_LIST.search(query.search_text)
    noun = stems(asked.group(1)) if asked else []
    asks_one = query.intents if len(query.intents) == 1 else (query.focus,) if query.focus else ()
    listed = [INTENTS_BY_NAME[n].answers for n in asks_one if n in LISTED_INTENTS]

    def introduces(item: Evidence) -> bool:
        if any(pattern.search(item.lead) for pattern in listed):
            return True
        named = bool(noun) and noun[0] in stems(f"{item.lead} {item.heading}")
        return named and item.score >= best.score - QUOTE_GAP

    return next((e for e in usable if is_list_item(e.text) and introduces(e)), None)


def _kind(text: str) -> str:
    if is_list_item(text):
        return "item"
    if not text.startswith("|") and len(text.split()) <= SHORT_LINE_WORDS and text[-1] not in ".:":
        return "line"
    return "sentence"


def _enumeration(best: Evidence, evidence: Sequence[Evidence]) -> list[Evidence]:
    """A short list item ("CV (résumé)") or address line answers only with the rest of its
    list or block, in the document's order. Lists of figures are left to the usual selection,
    which keeps apart the lines for different applicants."""
    kind = _kind(best.text)
    if kind == "sentence":
        return []
    by_order = {e.order: e for e in evidence if e.chunk_id == best.chunk_id}
    run = [best]
    for step in (-1, 1):
        order = best.order + step
        while order in by_order and _kind(by_order[order].text) == kind:
            run.append(by_order[order])
            order += step
    if len(run) < 2 or any(
        len(e.text.split()) > SHORT_ITEM_WORDS or (kind == "item" and re.search(r"\d", e.text))
        for e in run
    ):
        return []
    return sorted(run, key=lambda e: e.order)[:10]


def _with_every_group(
    query: Query, chosen: Sequence[Evidence], evidence: Sequence[Evidence]
) -> list[Evidence]:
    """ "What is the fee?" from someone who says nothing of their situation: beside the line for
    one group of applicants, the lines of the same list for every other group it names, in the
    document's order (a situation the question gives picks its own line instead, and someone
    with a Flemish degree is none of the groups of the lists for international applicants)."""
    if query.citizenship is not None or (query.situation and query.situation.flemish_degree):
        return list(chosen)
    line = next(
        (e for e in chosen if is_list_item(e.text) and e.intents and unit_citizenship(e.text)),
        None,
    )
    if line is None:
        return list(chosen)
    groups = [
        e
        for e in evidence
        if e.chunk_id == line.chunk_id
        and (e is line or e not in chosen)
        and is_list_item(e.text)
        and e.lead == line.lead
        and set(e.intents) & set(line.intents)
        and unit_citizenship(e.text)
        and not about_other_applicants(query, e.text)
    ]
    at = chosen.index(line)
    return [*chosen[:at], *sorted(groups, key=lambda e: e.order), *chosen[at + 1 :]]


_EVERYONE = re.compile(
    r"\b(everybody|everyone|all (applicants|students)|every (applicant|student))\b", re.IGNORECASE
)


def _other_groups(
    query: Query, chosen: Sequence[Evidence], usable: Sequence[Evidence]
) -> list[Evidence]:
    """'Does the 15 September date apply to everybody?': what the section for the other group
    of applicants says on the same point."""
    best = chosen[0]
    section = best.heading.split(" > ")[-1]
    if not (_EVERYONE.search(query.text) and FOR_GROUP.search(section) and best.intents):
        return []
    other = next(
        (
            e
            for e in usable
            if set(e.intents) & set(best.intents)
            and e.heading != best.heading
            and FOR_GROUP.search(e.heading.split(" > ")[-1])
        ),
        None,
    )
    if other is None:
        return []
    same = [
        e for e in usable if e.chunk_id == other.chunk_id and set(e.intents) & set(best.intents)
    ]
    return sorted(same, key=lambda e: e.order)[:4]


def _other_intents(
    query: Query, chosen: Sequence[Evidence], evidence: Sequence[Evidence], floor: float
) -> list[Evidence]:
    """'How long would it take and what would it cost?' asks two things: answer both."""
    covered = {name for e in chosen for name in e.intents}
    extra: list[Evidence] = []
    for name in query.intents:
        if name in covered or (not INTENTS_BY_NAME[name].strict and name != "duration"):
            continue
        best = next((e for e in evidence if name in e.intents and e not in chosen), None)
        if best is not None and best.score >= floor and fits_answer_type(query, best):
            extra.append(best)
            covered.update(best.intents)
    return extra


def names_no_group(query: Query, chosen: Sequence[Evidence]) -> bool:
    """The asker names their group (non-EEA, EEA, ...) and a document answers a fee or deadline
    question with figures that name none: the one figure it gives, for whoever applies."""
    return (
        query.citizenship is not None
        and bool(_GROUPED_FIGURES & set(query.intents))
        and any(_GROUPED_FIGURES & set(e.intents) for e in chosen)
        and all(unit_citizenship(e.text) is None for e in chosen)
    )


_GROUPED_FIGURES = frozenset({"fee", "deadline"})
