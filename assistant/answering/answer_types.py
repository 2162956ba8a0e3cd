"""What kind of answer a question wants (a number, an amount, a date, an e-mail address, a place)
and whether a sentence is that kind of answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.documents.splitting import unit_display
from assistant.retrieval.index import Evidence
from assistant.understanding.query import Query

NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|hundred"
)
WANTS_NUMBER = re.compile(
    r"\b(how (much|many|long)|minimum|maximum|min|score|percentage|percent|rate|average|hoeveel|hoelang)\b",
    re.IGNORECASE,
)
WANTS_PERCENT = re.compile(
    r"\b(percentage|percent|proportion|(acceptance|admission|success) rate)\b|%", re.IGNORECASE
)
WANTS_DATE = re.compile(r"\b(what|which|exact) (date|day)\b", re.IGNORECASE)
HAS_DATE = re.compile(
    r"\d|\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\b",
    re.IGNORECASE,
)
HAS_NUMBER = re.compile(rf"\d|\b({NUMBER_WORDS})\b", re.IGNORECASE)

# "What is the tuition fee?", "how much does it cost?": answered by an amount, not by a sentence
# about fees ("the fee can differ slightly ...")
WANTS_AMOUNT = re.compile(
    r"\bhow much\b|\bwhat(?:'s| is| are| will)\b.{0,30}\b(fees?|tuition|costs?|price)\b",
    re.IGNORECASE,
)
HAS_AMOUNT = re.compile(r"\d[\d.,]*\s*(euro|eur|€)|[€$£]\s*\d", re.IGNORECASE)
WANTS_EMAIL = re.compile(r"\be-?mail(\s*-?\s*)?(address|adres)\b", re.IGNORECASE)
COUNTS_PEOPLE = re.compile(
    r"\bhow many (students|applicants|places|spots|seats|candidates)\b", re.IGNORECASE
)
WANTS_ADDRESS = re.compile(r"(?<!mail )\b(address|adres)\b", re.IGNORECASE)
WANTS_PLACE = re.compile(r"\b(which|what) (campus|city|town|building|site)\b", re.IGNORECASE)
PLACE_NAME = re.compile(r"(?<!^)(?<![.:] )\b[A-Z][a-z]{2,}")  # capitalised inside a sentence
STREET = re.compile(r"\b[A-Z][\w-]+ \d{1,4}\b|\b\d{4} [A-Z]")  # "Herestraat 49", "3000 LEUVEN"


@dataclass(frozen=True)
class AnswerType:
    """What kind of sentence a question needs, read once from its words."""

    email: bool
    address: bool
    place: bool
    number: bool
    percent: bool
    date: bool
    count_of: re.Pattern[str] | None  # "how many students": a number before "students"


@lru_cache(maxsize=1024)
def answer_type(question: str) -> AnswerType:
    counted = COUNTS_PEOPLE.search(question)
    return AnswerType(
        email=bool(WANTS_EMAIL.search(question)),
        address=bool(WANTS_ADDRESS.search(question)),
        place=bool(WANTS_PLACE.search(question)),
        number=bool(WANTS_NUMBER.search(question)),
        percent=bool(WANTS_PERCENT.search(question)),
        date=bool(WANTS_DATE.search(question)),
        count_of=re.compile(rf"\d\S*\s+(\w+\s+)?{counted.group(1)}", re.I) if counted else None,
    )


def fits_answer_type(query: Query, item: Evidence) -> bool:
    """A question asking for a number, a percentage, a date, an email or street address, a place's
    name or a count of students is only answered by a sentence that has one."""
    wanted = answer_type(query.search_text)
    text = item.text
    asks_amount = "fee" in query.intents and WANTS_AMOUNT.search(query.search_text)
    if asks_amount and not HAS_AMOUNT.search(text):
        return False
    if wanted.email and "@" not in text:
        return False
    if wanted.percent and not re.search(r"%|\bper ?cent", text):
        return False
    if wanted.date and not HAS_DATE.search(text):
        return False
    if wanted.count_of and not wanted.count_of.search(text):
        return False
    if wanted.address and not STREET.search(text):
        return False
    if wanted.place and not (PLACE_NAME.search(unit_display(text)) or STREET.search(text)):
        return False  # "which campus?" is answered by a name, not by "on-campus"
    return not wanted.number or bool(HAS_NUMBER.search(text))
