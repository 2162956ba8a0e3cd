"""The checkable facts of a text, and what a quote states, for the grounding guard.

``extract_facts`` reads figures (amounts, percentages, credits, scores, years), dates, months,
academic years, e-mail addresses, course codes and proper names from a sentence or a quote, each
in a normalised form, so that "€4,400" and "4400 euro" or "March 1st" and "1 March" compare
equal. ``QuoteFacts`` holds what one quote states in those forms, with the stems of its content
words; ``missing_words`` tells which words of a sentence no quote has.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# A citation marker such as [1] or [1, 2]: masked before facts are read, so its numbers are none.
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass(frozen=True)
class Fact:
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

WORD = re.compile(r"[^\W\d_][\w'’-]*")
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
        self.masked = MARKER.sub(lambda m: "\x00" * len(m.group(0)), text)

    def take(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """The matches of ``pattern`` that overlap nothing taken before; each is masked."""
        for match in list(pattern.finditer(self.masked)):
            if "\x00" not in self.masked[match.start() : match.end()]:
                self.mask(match.start(), match.end())
                yield match

    def mask(self, start: int, end: int) -> None:
        self.masked = self.masked[:start] + "\x00" * (end - start) + self.masked[end:]


def extract_facts(text: str) -> tuple[list[Fact], str]:
    """The facts in ``text``, and the text with every fact masked (what the word check reads)."""
    source = _Text(text)
    facts = [Fact("e-mail address", m.group(0), m.group(0).lower()) for m in source.take(_EMAIL)]
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _DAY_MONTH, _MONTH_DAY):
        for match in source.take(pattern):
            month_text = match.group("month").rstrip(".").lower()
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
            day = int(match.group("day"))
            if 1 <= day <= 31 and 1 <= month <= 12:
                key = (day, month, _year(match.group("year")))
                facts.append(Fact("date", match.group(0), key))
    for match in source.take(_ACADEMIC_YEAR):
        first, second = int(match.group("first")), int(match.group("second"))
        if second < 100:
            second += first - first % 100
        if second == first + 1:
            facts.append(Fact("academic year", match.group(0), (first, second)))
        else:
            facts.append(Fact("figure", match.group("first"), (frozenset({first}), None)))
            facts.append(Fact("figure", match.group("second"), (frozenset({second}), None)))
    facts += [Fact("course code", m.group(0), m.group(0)) for m in source.take(_COURSE_CODE)]
    for match in source.take(_FIGURE):
        unit_text = match.group("unit") or match.group("pre") or ""
        unit = _UNITS.get(re.sub(r"\s+", " ", unit_text.lower()))
        values = _number_values(match.group("number"))
        facts.append(Fact("figure", match.group(0).strip(), (values, unit)))
    for match in source.take(_BARE_MONTH):
        facts.append(Fact("month", match.group(0), _MONTHS[match.group(0).lower()]))
    facts += _names(source)
    return facts, source.masked


def _names(source: _Text) -> list[Fact]:
    """Runs of capitalised words ("Faculty of Engineering Science"), and single capitalised
    words that do not open the sentence ("taught in English")."""
    masked = source.masked
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for word in WORD.finditer(masked):
        text = word.group(0)
        adjacent = bool(current) and masked[current[-1].end() : word.start()].isspace()
        if adjacent and (text[0].isupper() or text in _NAME_CONNECTORS):
            current.append(word)
            continue
        runs.append(current)
        current = [word] if text[0].isupper() else []
    runs.append(current)
    facts: list[Fact] = []
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
            facts.append(Fact("name", surface, _name_key(surface)))
            source.mask(run[0].start(), run[-1].end())
    return facts


@dataclass
class QuoteFacts:
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
    def of(cls, quote: str) -> QuoteFacts:
        words = _content_words(quote + " " + re.sub(r"(?<=\w)-(?=\w)", " ", quote))
        evidence = cls(name_text=f" {_name_key(quote)} ", stems={stem for _, stem in words})
        for fact in extract_facts(quote)[0]:
            evidence.add(fact)
        return evidence

    def add(self, fact: Fact) -> None:
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

    def states(self, fact: Fact) -> bool:
        return _MATCHERS[fact.kind](self, fact.key)


def _states_figure(evidence: QuoteFacts, key: Any) -> bool:
    values, unit = key
    if unit is None:
        return any(value in evidence.values for value in values)
    return any(
        (value, unit) in evidence.figures or (value, None) in evidence.figures for value in values
    )


_MATCHERS: dict[str, Callable[[QuoteFacts, Any], bool]] = {
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
    facts = [fact for fact in extract_facts(text)[0] if fact.kind in _CHECKABLE]
    if evidence is not None:
        sources = [QuoteFacts.of(quote) for quote in evidence]
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


def missing_words(prose: str, sources: Sequence[QuoteFacts]) -> tuple[list[str], int]:
    """The content words of ``prose`` (a sentence without its facts) that no source has, and
    how many content words it has."""
    words = _content_words(prose)
    missing = [word for word, stem in words if not any(stem in src.stems for src in sources)]
    return list(dict.fromkeys(missing)), len(words)
