"""The grounding guard: does a generated answer state only what the evidence says?

``check_grounding(text, evidence)`` splits ``text`` into sentences and extracts the checkable
facts of each: figures (amounts, percentages, credits, scores, years), dates, academic years,
e-mail addresses, course codes and proper names. Every fact must occur in the evidence, and
every sentence that makes a claim must cite the quote(s) it relies on with a marker such as
``[1]`` or ``[1, 2]``, numbered like ``evidence`` (from 1); a sentence's facts must occur in the
quotes it cites. Small talk ("Hope this helps!") makes no claim and needs no marker, nor does a
sentence that only restates trusted ``context`` (the draft's own framing). And most of a
claim's content words must occur in the quotes it cites, so that a sentence of invented prose
("a renowned expert in education policy") fails even without a figure in it.

Paraphrase passes as long as the facts are the evidence's own: "€4,400" matches "4400 euro",
"March 1st" matches "1 March", "Faculty of Engineering Sciences" matches "Faculty of
Engineering Science". The check is lexical on purpose (regular expressions over normalised
text, no model): deterministic and fast. It cannot see a wrong relation between correct facts
(calling the full-time fee the part-time fee); what it guarantees is that no figure, date, name
or address reaches the reader unless a cited document states it. Numbers written as words
("two years") are not checked; the word check compares stems and cannot follow a translation
(pass ``min_word_support=0`` when the answer and the quotes differ in language). The facts and
words are read by ``assistant.answering.llm.facts``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answering.llm.facts import (
    MARKER,
    WORD,
    Fact,
    QuoteFacts,
    checkable_facts,
    extract_facts,
    missing_words,
)

__all__ = [
    "GroundingReport",
    "check_grounding",
    "checkable_facts",
    "cited_quotes",
    "renumber_markers",
    "strip_markers",
]


@dataclass(frozen=True)
class GroundingReport:
    ok: bool
    unsupported: tuple[str, ...] = ()  # each offending item, quoted, with the reason


_MARKER_WITH_SPACE = re.compile(r"([ \t]*)\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_quotes(text: str) -> tuple[int, ...]:
    """The quote numbers the markers in ``text`` refer to, in order of first mention."""
    numbers: dict[int, None] = {}
    for marker in MARKER.finditer(text):
        for number in marker.group(1).split(","):
            numbers[int(number)] = None
    return tuple(numbers)


def renumber_markers(text: str, numbers: Mapping[int, int]) -> str:
    """``text`` with the quote numbers in its markers mapped through ``numbers``; a number
    missing from ``numbers`` is dropped, and so is a marker left empty."""

    def renumber(marker: re.Match[str]) -> str:
        old = (int(number) for number in marker.group(2).split(","))
        new = dict.fromkeys(numbers[number] for number in old if number in numbers)
        return f"{marker.group(1)}[{', '.join(str(number) for number in new)}]" if new else ""

    return _MARKER_WITH_SPACE.sub(renumber, text)


def strip_markers(text: str) -> str:
    """``text`` for a reader: citation markers removed, spacing before punctuation repaired."""
    without = _MARKER_WITH_SPACE.sub("", text)
    without = re.sub(r"[ \t]+([.,;:!?)])", r"\1", without)
    return re.sub(r"[ \t]{2,}", " ", without).strip()


# --- sentences -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+[\"”’')]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)|\n+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:prof|dr|mr|mrs|ms|st|no|nr|vs|approx|incl|excl|resp|cf|dept|ca|bijv|e\.g|i\.e|"
    r"f\.e|o\.a)|\b[A-Z])\.$",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        pieces.append(text[start : end.end()])
        start = end.end()
    pieces.append(text[start:])
    merged: list[str] = []
    for piece in pieces:
        if merged and (_ABBREVIATION.search(merged[-1].rstrip()) or _in_quotation(merged[-1])):
            merged[-1] += piece
        else:
            merged.append(piece)
    return [sentence.strip() for sentence in merged if sentence.strip()]


def _in_quotation(text: str) -> bool:
    """Whether ``text`` ends inside a quotation: a quoted passage is one sentence, cited once."""
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1


_SMALL_TALK = re.compile(
    r"^\W*(?:i\s+)?(?:hope (?:this|that|it) helps|hope this answers|thanks?\b|thank you|"
    r"you'?re welcome|let me know|feel free|good luck|hello|hi\b|dear\b|kind regards|"
    r"best regards|best wishes|happy to help|glad to help|is there anything else|"
    r"(?:do you have )?any (?:other|more|further) questions|sure\W*$|certainly\W*$|"
    r"of course\W*$|hopelijk|succes\b|met vriendelijke groet|graag gedaan|laat (?:het )?"
    r"me (?:het )?weten|bedankt|dank (?:je|u)|hallo|beste\b|veel succes)",
    re.IGNORECASE,
)


_MIN_WORDS_TO_JUDGE = 3  # fewer content words than this are not judged


# --- the check -------------------------------------------------------------------------------


def check_grounding(
    text: str,
    evidence: Sequence[str],
    *,
    context: str = "",
    require_citations: bool = True,
    min_word_support: float = 0.5,
) -> GroundingReport:
    """Report every fact of ``text`` that ``evidence`` does not state, every claim without a
    marker citing an existing quote, and every claim whose content words are mostly not in the
    quotes it cites (fewer than ``min_word_support`` of them; 0 turns the word check off).

    ``context`` is trusted text the answer may restate without a citation, such as the
    extractive draft's own words around its quotes ("For the programme X (KU Leuven), the fee
    for 2024-2025:"): its facts and words count as supported, and a sentence made only of them
    needs no marker. ``require_citations=False`` checks facts and words against all quotes,
    for text whose markers have been removed."""
    quotes = [QuoteFacts.of(quote) for quote in evidence]
    trusted = [QuoteFacts.of(context)] if context.strip() else []
    unsupported: list[str] = []
    if not text.strip():
        unsupported.append('"": the answer is empty')
    for sentence in _sentences(text):
        unsupported += _check_sentence(
            sentence, quotes, trusted, require_citations, min_word_support
        )
    return GroundingReport(ok=not unsupported, unsupported=tuple(unsupported))


def _check_sentence(
    sentence: str,
    quotes: Sequence[QuoteFacts],
    trusted: Sequence[QuoteFacts],
    require_citations: bool,
    min_word_support: float,
) -> list[str]:
    unsupported: list[str] = []
    facts, prose = extract_facts(sentence)
    markers = cited_quotes(sentence)
    for number in markers:
        if not 1 <= number <= len(quotes):
            unsupported.append(f'"[{number}]": there is no quote {number} to cite')
    cited = [quotes[number - 1] for number in markers if 1 <= number <= len(quotes)]
    is_claim = bool(facts) or (
        bool(WORD.search(MARKER.sub(" ", sentence))) and not _SMALL_TALK.match(sentence)
    )
    if not is_claim:
        return unsupported
    if require_citations and not markers:
        if not _restates(facts, prose, trusted):
            unsupported.append(f'"{_excerpt(sentence)}": a claim without a citation marker')
        return unsupported + _unsupported_facts(facts, [*quotes, *trusted])
    support = [*(cited if require_citations else quotes), *trusted]
    missing, total = missing_words(prose, support)
    judged = min_word_support > 0 and total >= _MIN_WORDS_TO_JUDGE
    if judged and total - len(missing) < min_word_support * total:
        where = "cited quotes" if require_citations else "evidence"
        unsupported.append(
            f'"{_excerpt(sentence)}": most of its words are not in the {where} '
            f"({', '.join(missing)})"
        )
    unsupported += _unsupported_facts(facts, [*quotes, *trusted])
    if require_citations and cited:
        for fact in facts:
            if any(q.states(fact) for q in quotes) and not any(q.states(fact) for q in support):
                where = ", ".join(f"[{number}]" for number in markers)
                unsupported.append(f'"{fact.surface}": {fact.kind} not in the cited quote {where}')
    return unsupported


def _unsupported_facts(facts: Sequence[Fact], sources: Sequence[QuoteFacts]) -> list[str]:
    return [
        f'"{fact.surface}": {fact.kind} not in the evidence'
        for fact in facts
        if not any(source.states(fact) for source in sources)
    ]


def _restates(facts: Sequence[Fact], prose: str, trusted: Sequence[QuoteFacts]) -> bool:
    """Whether an uncited sentence only repeats the trusted context: all its facts, and most of
    its words."""
    if not trusted or not all(any(t.states(fact) for t in trusted) for fact in facts):
        return False
    missing, total = missing_words(prose, trusted)
    return total > 0 and total - len(missing) >= 0.5 * total


def _excerpt(sentence: str, limit: int = 60) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"
