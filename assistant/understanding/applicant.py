"""Read what an applicant says about themselves: citizenship, residence and previous degree.

``detect_situation`` reads those facts from a question in English or Dutch (and the commonest
French turns) and returns them as an ``ApplicantSituation`` in the documents' categories
(``assistant.understanding.situation``), naming states as ``assistant.understanding.countries``
lists them; the words around each mention (``cues``) say what it tells about the person. It runs
on every question, so it uses only compiled regular expressions and dictionary look-ups.

A nationality word counts only when it is about the person ("I'm Dutch", "Dutch passport",
"Indian students", "from India"), never when it names a language ("a question in Dutch",
"Dutch-taught", "I speak German", "English proficiency").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.understanding.countries import (
    CASE_SENSITIVE_ALIASES,
    COUNTRIES,
    COUNTRY_BY_NAME,
    COUNTRY_WORDS,
    EEA_MEMBERS,
    EU_MEMBERS,
    Country,
    fold,
)
from assistant.understanding.cues import (
    ASKS_ABOUT,
    CITIZEN_NOUNS,
    CITIZEN_OF,
    CLAUSE_BREAK,
    CLAUSE_NEGATION,
    DEGREE_AFTER,
    DEGREE_BEFORE_FROM,
    FIRST_PERSON,
    FLEMISH_DEGREE,
    FOR,
    FOREIGN_DEGREE,
    FROM,
    GROUP_EUROPE,
    GROUP_EUROPEAN,
    HERE,
    LANGUAGE_USE,
    LIVE_IN,
    LIVING_OUTSIDE,
    LOCATION,
    MENTION,
    NATIONALITY_LABEL,
    NEGATED,
    NOT_PREFIX,
    PERSON_BEFORE,
    PERSON_BEFORE_FRENCH,
    PERSON_NOUN,
    RESIDENCE,
    SELF,
    STUDIED_IN,
    STUDIED_OUTSIDE,
)
from assistant.understanding.situation import (
    EEA,
    NON_EEA,
    NON_EEA_RESIDENT,
    ApplicantSituation,
    Category,
    category_terms,
)

__all__ = [
    "COUNTRIES",
    "EEA",
    "EEA_MEMBERS",
    "EU_MEMBERS",
    "NON_EEA",
    "NON_EEA_RESIDENT",
    "ApplicantSituation",
    "Category",
    "Country",
    "category_terms",
    "detect_situation",
]
_WINDOW = 60  # characters of context read on either side of a mention


@dataclass(frozen=True)
class _Claim:
    eea: bool
    country: Country | None
    strength: int  # 2: the person says it of themselves; 1: a group the question is about


@dataclass
class _Findings:
    claims: list[_Claim]
    residence: list[bool]
    degree_explicit: list[bool]
    degree_implied: list[bool]


def detect_situation(text: str) -> ApplicantSituation | None:
    """Read citizenship, residence and degree from a question; None when it says nothing."""
    folded = fold(text)
    lower = folded.lower()
    found = _Findings(claims=[], residence=[], degree_explicit=[], degree_implied=[])
    for match in MENTION.finditer(folded):
        _read_mention(match, lower, found)
    for match in RESIDENCE.finditer(lower):
        if not _asks_about(lower, match.start()):
            found.residence.append(not _clause_negated(lower, match.start()))
    for match in FLEMISH_DEGREE.finditer(lower):
        if not _asks_about(lower, match.start()):
            found.degree_explicit.append(not _clause_negated(lower, match.start()))
    for _match in FOREIGN_DEGREE.finditer(lower):
        found.degree_implied.append(False)

    eea, country = _resolve_citizenship(found.claims)
    resident = bool(found.residence) and all(found.residence)
    flemish: bool | None = None
    if found.degree_explicit:
        flemish = all(found.degree_explicit)
    elif found.degree_implied:
        flemish = False
    if eea is None and not found.residence and flemish is None:
        return None
    return ApplicantSituation(
        country=country.short_name if country else None,
        eea=eea,
        resident_in_belgium=resident,
        flemish_degree=flemish,
    )


def _read_mention(match: re.Match[str], lower: str, found: _Findings) -> None:
    start, end = match.span()
    prefix = lower[max(0, start - _WINDOW) : start]
    suffix = lower[end : end + _WINDOW]
    word = lower[start:end]
    if match.group("non_eea") is not None:
        _read_group(word, prefix, suffix, False, found)
    elif match.group("group") is not None:
        _read_group_word(word, prefix, suffix, found)
    else:
        if match.group("place") is not None:
            country, kind = COUNTRY_WORDS[word]
        else:
            country, kind = COUNTRY_BY_NAME[CASE_SENSITIVE_ALIASES[match.group()]], "name"
        if kind == "name":
            _read_country_name(country, prefix, suffix, found)
        else:
            _read_demonym(country, kind == "people", prefix, suffix, found)


def _read_group_word(word: str, prefix: str, suffix: str, found: _Findings) -> None:
    if word in GROUP_EUROPE:
        if FROM.search(prefix) or CITIZEN_OF.search(prefix):
            _read_group(word, prefix, suffix, True, found)
        return
    if word in GROUP_EUROPEAN:
        if LANGUAGE_USE.match(suffix):
            return
        if PERSON_NOUN.match(suffix) or SELF.search(prefix) or NATIONALITY_LABEL.search(prefix):
            _read_group(word, prefix, suffix, True, found)
        return
    _read_group(word, prefix, suffix, True, found)


def _read_group(word: str, prefix: str, suffix: str, eea: bool, found: _Findings) -> None:
    """A group word: EU, EEA, European, non-EEA, outside the EU, and their Dutch forms."""
    person = PERSON_NOUN.match(suffix)
    if person is None and LOCATION.search(prefix):
        return  # "recognised in the EU"
    from_cue = FROM.search(prefix) is not None
    self_cue = SELF.search(prefix) is not None or NATIONALITY_LABEL.search(prefix) is not None
    if word.startswith(("outside", "buiten")):
        if LIVING_OUTSIDE.search(prefix):
            found.residence.append(False)
            return
        if STUDIED_OUTSIDE.search(prefix):
            found.degree_implied.append(False)
            return
        if not (person or from_cue or self_cue or PERSON_BEFORE.search(prefix)):
            return  # "recognised outside the EU" is about a diploma, not a person
    if NEGATED.search(prefix):
        eea = not eea
    citizen = person is not None and person.group("noun") in CITIZEN_NOUNS
    about_self = _speaks_of_self(prefix) and (from_cue or self_cue or citizen)
    found.claims.append(_Claim(eea=eea, country=None, strength=2 if about_self else 1))


def _read_demonym(
    country: Country, plural: bool, prefix: str, suffix: str, found: _Findings
) -> None:
    """A nationality adjective or noun: "Indian", "Dutch", "Belg", "Duitse", "Norwegians"."""
    if NOT_PREFIX.search(prefix) or LANGUAGE_USE.match(suffix):
        return
    self_cue = SELF.search(prefix)
    if self_cue is not None:
        if self_cue.group("neg") is None:
            found.claims.append(_Claim(country.eea, country, 2))
        return
    if NATIONALITY_LABEL.search(prefix) or HERE.match(suffix):
        found.claims.append(_Claim(country.eea, country, 2))
        return
    person = PERSON_NOUN.match(suffix)
    if person is not None:
        if not NEGATED.search(prefix):
            citizen = person.group("noun") in CITIZEN_NOUNS
            strength = 2 if citizen and _speaks_of_self(prefix) else 1
            found.claims.append(_Claim(country.eea, country, strength))
        return
    if PERSON_BEFORE_FRENCH.search(prefix):
        found.claims.append(_Claim(country.eea, country, 2 if _speaks_of_self(prefix) else 1))
    elif plural and FOR.search(prefix):
        found.claims.append(_Claim(country.eea, country, 1))
    elif DEGREE_AFTER.match(suffix) and country.name != "Belgium":
        found.degree_implied.append(False)


def _read_country_name(country: Country, prefix: str, suffix: str, found: _Findings) -> None:
    """A state's name: "from India", "citizen of Norway", "live in Belgium", "uit Marokko"."""
    if NOT_PREFIX.search(prefix):
        return
    strength = 2 if _speaks_of_self(prefix) else 1
    if LIVE_IN.search(prefix):
        if not _clause_negated(prefix, len(prefix)):
            found.residence.append(country.name == "Belgium")
        return
    if STUDIED_IN.search(prefix):
        if country.name != "Belgium":
            found.degree_implied.append(False)
        return
    if CITIZEN_OF.search(prefix):
        if not NEGATED.search(prefix):
            found.claims.append(_Claim(country.eea, country, strength))
        return
    from_cue = FROM.search(prefix)
    if from_cue is not None:
        before = prefix[: from_cue.start()]
        if DEGREE_BEFORE_FROM.search(before):
            if country.name != "Belgium":
                found.degree_implied.append(False)
        elif not NEGATED.search(prefix) and not _clause_negated(before, len(before)):
            found.claims.append(_Claim(country.eea, country, strength))
        return
    person = PERSON_NOUN.match(suffix)
    if person is not None and not LANGUAGE_USE.match(suffix):
        citizen = person.group("noun") in CITIZEN_NOUNS
        found.claims.append(_Claim(country.eea, country, strength if citizen else 1))
    elif FOR.search(prefix):
        found.claims.append(_Claim(country.eea, country, 1))


def _last_clause(text: str) -> str:
    return CLAUSE_BREAK.split(text[-_WINDOW:])[-1]


def _speaks_of_self(prefix: str) -> bool:
    """Whether the clause that leads up to a mention is in the first person."""
    return FIRST_PERSON.search(_last_clause(prefix)) is not None


def _clause_negated(text: str, position: int) -> bool:
    """Whether a negation stands earlier in the same clause as ``position``."""
    return CLAUSE_NEGATION.search(_last_clause(text[:position])) is not None


def _asks_about(text: str, position: int) -> bool:
    """Whether the clause asks about getting something ("do I need a residence permit")."""
    return ASKS_ABOUT.search(_last_clause(text[:position])) is not None


def _resolve_citizenship(claims: list[_Claim]) -> tuple[bool | None, Country | None]:
    """The strongest claims win. Both EEA and non-EEA said of oneself is a dual citizenship,
    which counts as EEA; said of groups, it is a comparison and tells nothing about the person.
    """
    if not claims:
        return None, None
    strongest = max(claim.strength for claim in claims)
    top = [claim for claim in claims if claim.strength == strongest]
    values = {claim.eea for claim in top}
    if len(values) > 1 and strongest < 2:
        return None, None
    eea = True in values
    country = next((c.country for c in top if c.eea == eea and c.country is not None), None)
    return eea, country
