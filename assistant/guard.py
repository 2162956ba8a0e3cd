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
(pass ``min_word_support=0`` when the answer and the quotes differ in language).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class GroundingReport:
    ok: bool
    unsupported: tuple[str, ...] = ()  # each offending item, quoted, with the reason


_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKER_WITH_SPACE = re.compile(r"([ \t]*)\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_quotes(text: str) -> tuple[int, ...]:
    """The quote numbers the markers in ``text`` refer to, in order of first mention."""
    numbers: dict[int, None] = {}
    for marker in _MARKER.finditer(text):
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


# --- facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fact:
    kind: str  # figure, date, month, academic year, e-mail address, course code, name
    surface: str  # as written
    key: Any  # the normalised form compared with the evidence's


_MONTHS = {
    "january": 1, "jan": 1, "januari": 1, "february": 2, "feb": 2, "februari": 2,
    "march": 3, "mar": 3, "maart": 3, "mrt": 3, "april": 4, "apr": 4, "may": 5, "mei": 5,
    "june": 6, "jun": 6, "juni": 6, "july": 7, "jul": 7, "juli": 7, "august": 8, "aug": 8,
    "augustus": 8, "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th|ste|de|e)?"
_DAY_MONTH = re.compile(
    rf"(?<![\w.,])(?P<day>\d{{1,2}}){_ORDINAL}(?:\s+of)?\s+(?P<month>{_MONTH})(?!\w)"
    r"(?:,?\s+(?P<year>\d{4})(?!\d))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}}){_ORDINAL}(?![\w])(?:,?\s+(?P<year>\d{{4}})(?!\d))?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b")
_NUMERIC_DATE = re.compile(
    r"(?<![\w.,/])(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})(?![\w/])"
)
# A month named without a day. English names only when capitalised ("may" is a verb) and
# no abbreviations ("Jan" is a name).
_BARE_MONTH = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?i:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
    r"november|december))\b"
)
_ACADEMIC_YEAR = re.compile(
    r"(?<![\w.,])(?P<first>(?:19|20)\d{2})\s*[-–—/]\s*(?P<second>(?:19|20)\d{2}|\d{2})(?![\w])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_COURSE_CODE = re.compile(r"\b(?=[A-Z0-9]*\d)[A-Z][A-Z0-9]{4,7}\b")
_FIGURE = re.compile(
    r"(?:(?P<pre>€|\$|£|\b(?:eur|euro|usd|gbp)\b)\s?)?"
    r"(?<![\w.,])(?P<number>\d(?:[\d.,]*\d)?)" + _ORDINAL + r"(?!\w)"
    r"(?:\s?(?P<unit>%|€|\$|£|(?:percent|procent|euros?|eur|usd|dollars?|gbp|ects|ec|"
    r"credits?|study\s+points?|studiepunten)\b))?",
    re.IGNORECASE,
)
_UNITS = {
    "%": "%", "percent": "%", "procent": "%", "€": "EUR", "eur": "EUR", "euro": "EUR",
    "euros": "EUR", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "£": "GBP",
    "gbp": "GBP", "ects": "credits", "ec": "credits", "credit": "credits", "credits": "credits",
    "study point": "credits", "study points": "credits", "studiepunten": "credits",
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NAME_CONNECTORS = {"of", "de", "van", "der", "den", "von", "du", "la", "le", "and", "en", "for"}
_NAME_CONNECTORS |= {"voor", "the"}


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SENTENCE_STARTERS = _word_set(
    "the a an this that these those there here it its in on at for to from with by of as if "
    "when while after before during yes no please note each every all both some most many "
    "our your you we they he she his her their my also however but and or so then thus "
    "therefore unfortunately currently today de het een deze dit die dat er hier op aan van "
    "met bij als wanneer na tijdens ja nee let ook maar je jij u uw wij ze zij hun mijn elke "
    "alle beide"
) | _word_set(  # imperatives that open a sentence of advice ("Contact Prof. Maes")
    "contact send apply visit register check see fill write email e-mail mail ask read find "
    "follow take choose submit upload go use pay start complete neem stuur schrijf bekijk vul "
    "kies betaal registreer meld"
)


def _number_values(number: str) -> frozenset[Decimal]:
    """The values a written number can mean: "4,400" is 4400 (or 4.4 in Dutch), "6.0" is 6."""
    plain = number
    separators = [char for char in plain if char in ".,"]
    groups = re.split(r"[.,]", plain)
    candidates: list[str] = []
    if not separators:
        candidates.append(plain)
    elif len(set(separators)) == 2:
        decimal_mark = plain[max(plain.rfind("."), plain.rfind(","))]
        whole, _, fraction = plain.rpartition(decimal_mark)
        candidates.append(re.sub(r"[.,]", "", whole) + "." + fraction)
    elif all(len(group) == 3 for group in groups[1:]):
        candidates.append("".join(groups))  # thousands separators
        if len(groups) == 2:
            candidates.append(groups[0] + "." + groups[1])
    elif len(groups) == 2:
        candidates.append(groups[0] + "." + groups[1])
    else:
        candidates.extend(groups)
    values: set[Decimal] = set()
    for candidate in candidates:
        try:
            values.add(Decimal(candidate))
        except InvalidOperation:
            continue
    return frozenset(values)


def _name_key(text: str) -> str:
    """Lower case, possessives and plural -s dropped, punctuation to spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    words = [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[^\W_]+", text)]
    return " ".join(words)


def _year(value: str | None) -> int | None:
    if value is None:
        return None
    year = int(value)
    return year + 2000 if year < 100 else year


_THOUSANDS_SPACE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")


class _Text:
    """A sentence or quote whose matched spans are masked so that each fact is read once."""

    def __init__(self, text: str) -> None:
        text = _THOUSANDS_SPACE.sub("", text)  # before NFKC turns a no-break space into " "
        text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
        self.masked = _MARKER.sub(lambda m: "\x00" * len(m.group(0)), text)

    def take(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """The matches of ``pattern`` that overlap nothing taken before; each is masked."""
        for match in list(pattern.finditer(self.masked)):
            if "\x00" not in self.masked[match.start() : match.end()]:
                self.mask(match.start(), match.end())
                yield match

    def mask(self, start: int, end: int) -> None:
        self.masked = self.masked[:start] + "\x00" * (end - start) + self.masked[end:]


def _extract(text: str) -> tuple[list[_Fact], str]:
    """The facts in ``text``, and the text with every fact masked (what the word check reads)."""
    source = _Text(text)
    facts = [_Fact("e-mail address", m.group(0), m.group(0).lower()) for m in source.take(_EMAIL)]
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _DAY_MONTH, _MONTH_DAY):
        for match in source.take(pattern):
            month_text = match.group("month").rstrip(".").lower()
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
            day = int(match.group("day"))
            if 1 <= day <= 31 and 1 <= month <= 12:
                key = (day, month, _year(match.group("year")))
                facts.append(_Fact("date", match.group(0), key))
    for match in source.take(_ACADEMIC_YEAR):
        first, second = int(match.group("first")), int(match.group("second"))
        if second < 100:
            second += first - first % 100
        if second == first + 1:
            facts.append(_Fact("academic year", match.group(0), (first, second)))
        else:
            facts.append(_Fact("figure", match.group("first"), (frozenset({first}), None)))
            facts.append(_Fact("figure", match.group("second"), (frozenset({second}), None)))
    facts += [_Fact("course code", m.group(0), m.group(0)) for m in source.take(_COURSE_CODE)]
    for match in source.take(_FIGURE):
        unit_text = match.group("unit") or match.group("pre") or ""
        unit = _UNITS.get(re.sub(r"\s+", " ", unit_text.lower()))
        values = _number_values(match.group("number"))
        facts.append(_Fact("figure", match.group(0).strip(), (values, unit)))
    for match in source.take(_BARE_MONTH):
        facts.append(_Fact("month", match.group(0), _MONTHS[match.group(0).lower()]))
    facts += _names(source)
    return facts, source.masked


def _names(source: _Text) -> list[_Fact]:
    """Runs of capitalised words ("Faculty of Engineering Science"), and single capitalised
    words that do not open the sentence ("taught in English")."""
    masked = source.masked
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for word in _WORD.finditer(masked):
        text = word.group(0)
        adjacent = bool(current) and masked[current[-1].end() : word.start()].isspace()
        if adjacent and (text[0].isupper() or text in _NAME_CONNECTORS):
            current.append(word)
            continue
        runs.append(current)
        current = [word] if text[0].isupper() else []
    runs.append(current)
    facts: list[_Fact] = []
    for run in runs:
        while run and run[-1].group(0) in _NAME_CONNECTORS:
            run.pop()
        if not run:
            continue
        opens_sentence = not re.search(r"[^\W_]", masked[: run[0].start()].split(":")[-1])
        if opens_sentence:
            while run and run[0].group(0).lower() in _SENTENCE_STARTERS:
                run.pop(0)
                opens_sentence = False
            while run and run[0].group(0) in _NAME_CONNECTORS:
                run.pop(0)
        capitalised = [w for w in run if w.group(0)[0].isupper()]
        if len(capitalised) >= 2 or (
            len(capitalised) == 1 and not opens_sentence and len(capitalised[0].group(0)) > 1
        ):
            surface = masked[run[0].start() : run[-1].end()]
            facts.append(_Fact("name", surface, _name_key(surface)))
            source.mask(run[0].start(), run[-1].end())
    return facts


@dataclass
class _Evidence:
    """What one quote states, in the normalised forms the facts are compared in."""

    figures: set[tuple[Decimal, str | None]] = field(default_factory=set)
    values: set[Decimal] = field(default_factory=set)
    dates: set[tuple[int, int, int | None]] = field(default_factory=set)
    months: set[int] = field(default_factory=set)
    academic_years: set[tuple[int, int]] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    name_text: str = ""
    stems: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, quote: str) -> _Evidence:
        words = _content_words(quote + " " + re.sub(r"(?<=\w)-(?=\w)", " ", quote))
        evidence = cls(name_text=f" {_name_key(quote)} ", stems={stem for _, stem in words})
        for fact in _extract(quote)[0]:
            evidence.add(fact)
        return evidence

    def add(self, fact: _Fact) -> None:
        key = fact.key
        if fact.kind == "figure":
            values, unit = key
            self.values.update(values)
            self.figures.update((value, unit) for value in values)
        elif fact.kind == "date":
            day, month, year = key
            self.dates.update({(day, month, year), (day, month, None)})
            self.months.add(month)
            self.values.add(Decimal(day))
            if year is not None:
                self.values.add(Decimal(year))
        elif fact.kind == "month":
            self.months.add(key)
        elif fact.kind == "academic year":
            self.academic_years.add(key)
            self.values.update(Decimal(year) for year in key)
        elif fact.kind == "e-mail address":
            self.emails.add(key)
        elif fact.kind == "course code":
            self.codes.add(key)

    def states(self, fact: _Fact) -> bool:
        return _MATCHERS[fact.kind](self, fact.key)


def _states_figure(evidence: _Evidence, key: Any) -> bool:
    values, unit = key
    if unit is None:
        return any(value in evidence.values for value in values)
    return any(
        (value, unit) in evidence.figures or (value, None) in evidence.figures for value in values
    )


_MATCHERS: dict[str, Callable[[_Evidence, Any], bool]] = {
    "figure": _states_figure,
    "date": lambda evidence, key: key in evidence.dates,
    "month": lambda evidence, key: key in evidence.months,
    "academic year": lambda evidence, key: key in evidence.academic_years,
    "e-mail address": lambda evidence, key: key in evidence.emails,
    "course code": lambda evidence, key: key in evidence.codes,
    "name": lambda evidence, key: f" {key} " in evidence.name_text,
}


_CHECKABLE = {"figure", "date", "academic year", "e-mail address", "course code"}


def checkable_facts(text: str, evidence: Sequence[str] | None = None) -> tuple[str, ...]:
    """The figures, dates, academic years, e-mail addresses and course codes in ``text``, as
    written; only those some ``evidence`` states, when it is given."""
    facts = [fact for fact in _extract(text)[0] if fact.kind in _CHECKABLE]
    if evidence is not None:
        sources = [_Evidence.of(quote) for quote in evidence]
        facts = [fact for fact in facts if any(source.states(fact) for source in sources)]
    return tuple(fact.surface for fact in facts)


# --- wording ---------------------------------------------------------------------------------

_STOP_WORDS = _word_set(
    "a about above after again against all also am an and any are as at be because been before "
    "being below between both but by can could did do does doing down during each either else "
    "few for from further had has have having he her here hers him his how however i if in "
    "into is it its itself just least less let like made make many may me might more most much "
    "must my need needs no nor not now of off on once one only or other our out over own per "
    "please same shall she should so some such than that the their them then there these they "
    "this those through thus to too under until up upon very via was we were what when where "
    "which while who whom whose why will with within without would yes yet you your yours "
    "able answer answers applies apply based can't cannot certain following given include "
    "includes including information note offered offers provide provides question quote quotes "
    "regarding related required requires take takes taken well within programme programmes "
    "program programs opleiding "
    "aan al alle als bij dan dat de deze die dit door een en er geen het hier hij hoe hun ik "
    "in is je jij kan kunnen maar met moet moeten na naar niet nog of om onder ook op over per "
    "te tot u uit uw van veel voor want was wat we welke wij worden wordt zal ze zich zijn zo "
    "zoals zij"
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ies", "ed", "es", "s")


def _content_words(text: str) -> list[tuple[str, str]]:
    """The words that carry content, each with a crude stem: "registration" and "registered"
    share one."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    words = []
    for word in re.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", text):
        stem = word.replace("-", "").split("'")[0]
        if word in _STOP_WORDS or stem in _STOP_WORDS or len(stem) < 4:
            continue
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
                stem = stem[: -len(suffix)]
                break
        words.append((word, stem[:6]))
    return words


_MIN_WORDS_TO_JUDGE = 3


def _missing_words(prose: str, sources: Sequence[_Evidence]) -> tuple[list[str], int]:
    """The content words of ``prose`` (a sentence without its facts) that no source has, and
    how many content words it has."""
    words = _content_words(prose)
    missing = [word for word, stem in words if not any(stem in src.stems for src in sources)]
    return list(dict.fromkeys(missing)), len(words)


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
    quotes = [_Evidence.of(quote) for quote in evidence]
    trusted = [_Evidence.of(context)] if context.strip() else []
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
    quotes: Sequence[_Evidence],
    trusted: Sequence[_Evidence],
    require_citations: bool,
    min_word_support: float,
) -> list[str]:
    unsupported: list[str] = []
    facts, prose = _extract(sentence)
    markers = cited_quotes(sentence)
    for number in markers:
        if not 1 <= number <= len(quotes):
            unsupported.append(f'"[{number}]": there is no quote {number} to cite')
    cited = [quotes[number - 1] for number in markers if 1 <= number <= len(quotes)]
    is_claim = bool(facts) or (
        bool(_WORD.search(_MARKER.sub(" ", sentence))) and not _SMALL_TALK.match(sentence)
    )
    if not is_claim:
        return unsupported
    if require_citations and not markers:
        if not _restates(facts, prose, trusted):
            unsupported.append(f'"{_excerpt(sentence)}": a claim without a citation marker')
        return unsupported + _unsupported_facts(facts, [*quotes, *trusted])
    support = [*(cited if require_citations else quotes), *trusted]
    missing, total = _missing_words(prose, support)
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


def _unsupported_facts(facts: Sequence[_Fact], sources: Sequence[_Evidence]) -> list[str]:
    return [
        f'"{fact.surface}": {fact.kind} not in the evidence'
        for fact in facts
        if not any(source.states(fact) for source in sources)
    ]


def _restates(facts: Sequence[_Fact], prose: str, trusted: Sequence[_Evidence]) -> bool:
    """Whether an uncited sentence only repeats the trusted context: all its facts, and most of
    its words."""
    if not trusted or not all(any(t.states(fact) for t in trusted) for fact in facts):
        return False
    missing, total = _missing_words(prose, trusted)
    return total > 0 and total - len(missing) >= 0.5 * total


def _excerpt(sentence: str, limit: int = 60) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"
