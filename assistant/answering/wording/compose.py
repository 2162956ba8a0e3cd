"""Choice -> Answer: the chosen quotes framed (programme, what was asked, the applicant's
situation), numbered, cited and dated; a question back about the programme; or a decline."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from assistant import phrases
from assistant.answering.answer import Answer, Citation, quote_of, readable
from assistant.answering.choice import Choice, Documents, group_of
from assistant.answering.selection import names_no_group
from assistant.answering.wording.decline import decline
from assistant.answering.wording.topics import institution_name, is_dated, topic_label, topic_phrase
from assistant.database.saved_answers import SavedAnswer
from assistant.retrieval.index import Evidence
from assistant.understanding.query import Query


def _past_note(
    query: Query,
    metas: Sequence[Mapping[str, str]],
    today: dt.date,
    quoted: Sequence[Evidence] = (),
) -> str:
    """One note for the reply: the figures' academic year is over (and its dates have passed),
    or the document gives none (and a year the quotes name is over), each compared with today."""
    dates = bool(_DATES & set(query.intents))
    if any(not m.get("academic_year") for m in metas):
        years = sorted({int(y) for e in quoted for y in _YEAR.findall(e.text)})
        if years and years[-1] < today.year:
            return "\n" + phrases.ANSWERS(query.language, "undated_passed", year=str(years[-1]))
        return "\n" + phrases.ANSWERS(query.language, "undated")
    past = sorted(
        {
            m.get("academic_year", "")
            for m in metas
            if _years_past(m.get("academic_year", ""), today)
        }
    )
    if not past:
        return ""
    kind = "past_dates" if dates else "past"
    return "\n" + phrases.ANSWERS(query.language, kind, year=", ".join(past))


_DATES = frozenset({"deadline", "start", "schedule"})
_YEAR = re.compile(r"\b(20\d\d)\b")


def _years_past(year: str, today: dt.date) -> bool:
    """An academic year 'YYYY-YYYY' is over after the summer of its second calendar year."""
    match = re.match(r"(\d{4})\s*[-/]\s*(\d{2,4})", year)
    if not match:
        return False
    end = match.group(2)
    return today > dt.date(int(end) if len(end) == 4 else 2000 + int(end), 8, 31)


def _citations(
    chosen: Sequence[Evidence], documents: Mapping[str, Mapping[str, str]]
) -> tuple[Citation, ...]:
    return tuple(
        Citation(
            source=e.doc_id,
            title=documents[e.doc_id]["title"],
            quote=quote_of(e),
            heading=e.heading,
        )
        for e in chosen
    )


def _group_intro(section: str, language: str) -> str:
    """'Admission for students with a Flemish Degree' introduces its quotes as 'For students with
    a Flemish Degree:'; a heading that names its group otherwise is quoted whole."""
    named = _FOR_GROUP_NAMED.search(section)
    if named is None:
        return phrases.ANSWERS(language, "section", heading=section)
    return phrases.ANSWERS(language, "group", group=section[named.end() :])


_FOR_GROUP_NAMED = re.compile(r"\bfor\s+", re.IGNORECASE)


def _numbered(chosen: Sequence[Evidence], start: int, language: str, *, listed: bool) -> str:
    """The quotes with their citation marks. A quote from a section for one group of applicants
    says for whom it holds; with ``listed``, quotes for two groups or more are a list, a line per
    group (``chosen`` in the order of ``by_group``)."""
    as_list = listed and len({g for e in chosen if (g := group_of(e))}) >= 2
    parts: list[str] = []
    shown = ""
    for i, item in enumerate(chosen):
        group = group_of(item)
        if group and group != shown:
            intro = _group_intro(group, language)
            parts.append(f"\n- {intro}" if as_list else intro)
            shown = group
        parts.append(f"{readable(item)} [{start + i}]")
    return " ".join(parts).replace(" \n- ", "\n- ")


def _no_group(query: Query, chosen: Sequence[Evidence]) -> str:
    """' (the document does not say for which applicants)' after figures that name no group,
    when the asker named theirs."""
    return (
        " " + phrases.ANSWERS(query.language, "no_group") if names_no_group(query, chosen) else ""
    )


def _with_note(text: str, note: str) -> str:
    """The note on its own line; after a list, a paragraph of its own (not part of the last item)."""
    if note and text.rsplit("\n", 1)[-1].startswith("- "):
        return f"{text}\n{note}"
    return text + note


def _situation_clause(query: Query) -> str:
    """Say which category applied, when the user described themselves rather than named it."""
    situation = query.situation
    if situation is None or situation.category is None:
        return ""
    if situation.country is None and not situation.resident_in_belgium:
        return ""
    return situation.describe(query.language).rstrip(".") + ". "


def compose_answer(
    query: Query,
    choice: Choice,
    retrieved: tuple[str, ...],
    documents: Documents,
    today: dt.date,
    continuing: str | None = None,
) -> Answer:
    """The extractive answer: the chosen quotes, framed, cited, dated; a question back about
    which programme; or a decline.

    ``retrieved``: the documents searched, best first. ``continuing``: the programme the previous
    answer to the same message was about; an answer about it again goes on without repeating
    the programme and the applicant's situation."""
    base = Answer(
        "", False, standalone_question=query.text, language=query.language, retrieved=retrieved
    )
    if choice.ask_back:
        names = ", ".join(
            f"{documents[d]['programme'] or documents[d]['title']} ({institution_name(documents[d])})"
            for d in choice.ask_back
        )
        text = phrases.ANSWERS(
            query.language, "clarify", label=topic_label(query, query.language), names=names
        )
        return replace(base, text=text, clarification=True)
    if choice.office is not None:
        return office_answer(query, choice.office, base)
    if not choice.answered:
        return decline(query, documents, base)
    if len(choice.quotes) == 1:
        return _one_programme(query, *choice.quotes[0], documents, today, continuing, base)
    lines = [
        _situation_clause(query)
        + phrases.ANSWERS(query.language, "several", label=topic_label(query, query.language))
    ]
    chosen_all: list[Evidence] = []
    for doc_id, chosen in choice.quotes:
        meta = documents[doc_id]
        year = (
            f", {meta['academic_year']}"
            if meta.get("academic_year") and is_dated(query, chosen)
            else ""
        )
        lines.append(
            f"- {meta['programme'] or meta['title']} ({institution_name(meta)}{year}): {_numbered(chosen, len(chosen_all) + 1, query.language, listed=False)}{_no_group(query, chosen)}"
        )
        chosen_all.extend(chosen)
    text = "\n".join(lines).strip()
    note = (
        _past_note(query, [documents[d] for d, _ in choice.quotes], today, chosen_all)
        if is_dated(query, chosen_all)
        else ""
    )
    return _answered(base, text, note, _citations(chosen_all, documents))


def _one_programme(
    query: Query,
    doc_id: str,
    chosen: Sequence[Evidence],
    documents: Documents,
    today: dt.date,
    continuing: str | None,
    base: Answer,
) -> Answer:
    """An answer from one programme's quotes, opening with the programme and what was asked."""
    meta = documents[doc_id]
    dated = is_dated(query, chosen)
    topic = topic_phrase(query, meta, dated, chosen)
    if doc_id == continuing:
        label = topic_label(query, query.language, chosen)
        intro = (
            (topic[0].upper() + topic[1:] + ":")
            if label
            else phrases.ANSWERS(query.language, "also")
        )
        situation = ""
    else:
        intro = phrases.ANSWERS(
            query.language,
            "intro",
            programme=meta["programme"] or meta["title"],
            institution=institution_name(meta),
            topic=topic,
        )
        situation = _situation_clause(query)
    quoted = _numbered(chosen, 1, query.language, listed=True) + _no_group(query, chosen)
    text = f"{situation}{intro}{'' if quoted.startswith(chr(10)) else ' '}{quoted}"
    note = _past_note(query, [meta], today, chosen) if dated else ""
    return replace(_answered(base, text, note, _citations(chosen, documents)), programme=doc_id)


def _answered(base: Answer, text: str, note: str, citations: tuple[Citation, ...]) -> Answer:
    """An answer: its text with the dated note after it, and its citations."""
    return replace(
        base, text=_with_note(text, note), note=note.strip(), answered=True, citations=citations
    )


def office_answer(query: Query, saved: SavedAnswer, base: Answer) -> Answer:
    """The admissions office's saved answer, said to be theirs, dated and with the question it
    answers (so an asker sees at once what it was written for), cited as such."""
    from babel.dates import format_date

    day = dt.date.fromisoformat(saved.updated_at[:10])
    date = format_date(day, "d MMMM y", locale="nl" if query.language == "nl" else "en")
    citation = Citation(
        source=f"staff-answer-{saved.id}",
        title=phrases.ANSWERS(query.language, "office_title"),
        quote=saved.answer,
        kind="staff_answer",
        answer_id=saved.id,
        author=saved.updated_by,
        date=day.isoformat(),
    )
    return replace(
        base,
        text=phrases.ANSWERS(
            query.language,
            "office",
            date=date,
            question=saved.question,
            answer=f"{saved.answer} [1]",
        ),
        answered=True,
        citations=(citation,),
        programme=saved.programme,
    )
