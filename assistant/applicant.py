"""Read what an applicant says about themselves: citizenship, residence and previous degree.

``detect_situation`` reads those facts from a question in English or Dutch (and the commonest
French turns) and returns them as an
``ApplicantSituation`` in the documents' categories (``assistant.situation``), naming states as
``assistant.countries`` lists them. It runs on every question, so it uses only compiled regular
expressions and dictionary look-ups.

A nationality word counts only when it is about the person ("I'm Dutch", "Dutch passport",
"Indian students", "from India"), never when it names a language ("a question in Dutch",
"Dutch-taught", "I speak German", "English proficiency").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.countries import (
    CASE_SENSITIVE_ALIASES,
    COUNTRIES,
    COUNTRY_BY_NAME,
    COUNTRY_WORDS,
    EEA_MEMBERS,
    EU_MEMBERS,
    Country,
    fold,
)
from assistant.situation import (
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


# Words that name a group rather than a state.
_GROUP_EEA = ("eu/eea", "eea/eu", "eu/eer", "eer/eu", "eu", "eea", "eer", "e.u.", "e.e.a.")
_GROUP_EEA_NAMES = (
    "european union", "european economic area", "europese unie",
    "europese economische ruimte",
)  # fmt: skip
_GROUP_EUROPEAN = ("european", "europeans", "europeaan", "europeanen", "europees", "europese")
_GROUP_EUROPE = ("europe", "europa")


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation for many words, shared prefixes factored out so it matches fast."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return pattern(trie)


_NON_EEA_PATTERN = r"""
    (?:non|niet|buiten|outside(?:\s+of)?|not)[\s-]*(?:the\s+|de\s+|het\s+)?
    (?:eu/eea|eea/eu|eu/eer|eer/eu|eu|eea|eer|e\.u\.|european\s+union|european\s+economic\s+area
       |europeans?|europe|europa|europese\s+unie|europese|europees|europeanen)
  | third[\s-]countr(?:y|ies)(?:\s+nationals?)?
  | derdelanders?
"""

_MENTION = re.compile(
    rf"""(?<![\w-])(?:
      (?P<non_eea>{_NON_EEA_PATTERN})
    | (?P<group>{_trie_pattern([*_GROUP_EEA, *_GROUP_EEA_NAMES, *_GROUP_EUROPEAN, *_GROUP_EUROPE])})
    | (?P<place>{_trie_pattern(COUNTRY_WORDS)})
    | (?P<acronym>(?-i:{"|".join(CASE_SENSITIVE_ALIASES)}))
    )(?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)

_FIRST_PERSON = re.compile(
    r"\b(?:i|i'm|im|i've|i'd|me|my|mine|we|our|ik|mijn|m'n|wij|ons|onze|je|j'|moi|mon|mes)\b"
)

# Cues read on the text just before a mention (lower case, ending where the mention starts).
_SELF = re.compile(
    r"""\b(?:i'm|im|i\s+am|ik\s+ben|ben\s+ik|as\s+an?|als|we're|we\s+are|wij\s+zijn|we\s+zijn
    |je\s+suis|en\s+tant\s+que)\s+
    (?P<neg>(?:not|niet|geen|no)\s+)?
    (?:(?:also|ook|originally|oorspronkelijk|a|an|een|half|both|fully|zowel)\s+)*
    (?:[\w-]+\s+(?:and|en|&)\s+)?$""",
    re.VERBOSE,
)
_NATIONALITY_LABEL = re.compile(
    r"\b(?:nationality|citizenship|nationaliteit|nationalite)\s*(?:is\s+|:\s*|-\s*|=\s*)?$"
)
_FROM = re.compile(
    r"""\b(?:from|uit|afkomstig\s+van|(?:originaire|viens|vient|venant)\s+(?:du|de|des|d'))\s*
    (?<=\s|')(?:the\s+|de\s+|het\s+)?$""",
    re.VERBOSE,
)
_CITIZEN_OF = re.compile(
    r"""\b(?:citizens?|citizenship|nationals?|nationality|passports?|staatsburgers?|burgers?
    |onderdaan|onderdanen|nationaliteit|paspoort)\s+(?:of|van|from|uit)\s+(?:the\s+|de\s+|het\s+)?$""",
    re.VERBOSE,
)
_FOR = re.compile(r"\b(?:for|voor)\s+(?:the\s+|de\s+|het\s+)?$")
_LIVE_IN = re.compile(
    r"""\b(?:live|lives|living|lived|reside|resides|residing|resident|based|settled|staying
    |wonen|woon|woont|woonachtig|verblijf|verblijft|verblijven|gevestigd)
    \s+(?:[\w']+\s+){0,3}?(?:in|te|of)\s+(?:the\s+|de\s+|het\s+)?$
    |\b(?:habite|habitons|vis|vivons|reside|residons)\s+(?:au|aux|en|a)\s+$""",
    re.VERBOSE,
)
_STUDIED_IN = re.compile(
    r"""\b(?:studied|study|studying|graduated|gestudeerd|studeer|studeerde|afgestudeerd)
    \s+(?:[\w']+\s+){0,2}?(?:in|at|aan|te|from)\s+(?:the\s+|de\s+|het\s+|a\s+|an\s+)?$""",
    re.VERBOSE,
)
_DEGREE_BEFORE_FROM = re.compile(
    r"""\b(?:degrees?|diplomas?|bachelor'?s?|master'?s?|studies|graduated|qualifications?
    |education|university|universiteit|getuigschrift|opleiding|afgestudeerd|gestudeerd)
    \s+(?:[\w']+\s+){0,3}$""",
    re.VERBOSE,
)
_NOT_PREFIX = re.compile(r"\b(?:non|niet)[\s-]*$")
_NEGATED = re.compile(
    r"""(?:\bnot|n't|\bno|\bgeen|\bniet|\bnever|\bnooit)\s+
    (?:(?:a|an|the|een|de|het|from|uit|van|of|part|deel|have|has|hold|own|possess|heb|hebt
       |heeft|bezit|citizen|citizens|burger)\s+)*$""",
    re.VERBOSE,
)
_LOCATION = re.compile(r"\b(?:in|within|across|throughout|inside|binnen)\s+(?:the\s+|de\s+)?$")
_LIVING_OUTSIDE = re.compile(
    r"""\b(?:live|lives|living|lived|reside|resides|residing|based|wonen|woon|woont)
    \s+(?:[\w']+\s+){0,2}?$""",
    re.VERBOSE,
)
_STUDIED_OUTSIDE = re.compile(
    r"\b(?:studied|study|studying|graduated|gestudeerd|studeer|studeerde)\s+(?:[\w']+\s+){0,2}?$"
)

# Cues read on the text just after a mention.
_PERSON_NOUN = re.compile(
    r"""^(?:[\s-]+(?:and|en|or|&|/)\s+[\w-]+)?[\s-]+
    (?:(?:postgraduate|postgraduaat|graduate|undergraduate|master'?s?|bachelor'?s?|phd|doctoral
       |exchange|prospective|international|full-time|part-time|new|future|young|adult)[\s-]+)?
    (?P<noun>citizens?|citizenship|nationals?|nationality|passports?|passport-holders?|id
      |identity|staatsburgers?|burgers?|onderdaan|onderdanen|nationaliteit|paspoort
      |identiteitskaart|students?|studente|studenten|applicants?|candidates?|kandidaat|kandidaten
      |aanvragers?|person|persoon|people|guy|girl|woman|women|man|men)\b""",
    re.VERBOSE,
)
_CITIZEN_NOUNS = frozenset(
    {
        "citizen", "citizens", "citizenship", "national", "nationals", "nationality",
        "passport", "passports", "passport-holder", "passport-holders", "id", "identity",
        "staatsburger", "staatsburgers", "burger", "burgers", "onderdaan", "onderdanen",
        "nationaliteit", "paspoort", "identiteitskaart",
    }
)  # fmt: skip
# "Indian here", "Dutch student here"
_HERE = re.compile(r"^(?:[\s-]+(?:student|applicant))?\s+here\b")
_LANGUAGE_USE = re.compile(
    r"""^[\s-]*(?:speak\w*|sprek\w*|talig\w*|taught|language|languages|taal|medium|proficiency
    |course|courses|class|classes|lesson\w*|les|lessen|cursus\w*|version|translation|text
    |question|answer|tests?|level|skills?|words?|resident|residents|residence|residency)\b""",
    re.VERBOSE,
)
_DEGREE_AFTER = re.compile(
    r"""^[\s-]+(?:[\w'-]+[\s-]+)?(?:degree|diploma|bachelor'?s?|master'?s?|university
    |qualification|getuigschrift|universiteit)\b""",
    re.VERBOSE,
)

_BELGIAN_PLACES = r"""(?:belgium|belgie|belgique|leuven|louvain|heverlee|kessel-lo|wilsele
    |brussels|brussel|bruxelles|antwerp|antwerpen|ghent|gent|bruges|brugge|liege|luik|namur
    |namen|hasselt|mechelen|kortrijk|ostend|oostende|charleroi|genk|aalst|tienen|diest)"""
_RESIDENCE = re.compile(
    rf"""\b(?:live|lives|living|lived|reside|resides|residing|resident|based|settled|staying
       |wonen|woon|woont|woonachtig|verblijf|verblijft|verblijven|gevestigd)
       \s+(?:[\w']+\s+){{0,3}}?(?:in|te|of)\s+{_BELGIAN_PLACES}\b
    | \b(?:residen(?:ce|cy|t)|resident's)[\s-]+(?:permit|card|status|visa)s?\b
    | \bpermit\s+of\s+(?:residence|stay)\b
    | \bbelgian\s+(?:residence|residency|resident|residents|permit|id\s+card)\b
    | \bverblijfs(?:vergunning|kaart|titel|document|recht)\w*
    | \bin\s+belgie\s+(?:wonen|woon|woont|gevestigd|verblijven)\b""",
    re.VERBOSE | re.IGNORECASE,
)
_FLEMISH_UNIVERSITIES = r"""(?:flanders|vlaanderen|ku\s*leuven|kul|leuven|ugent|ghent\s+university
    |universiteit\s+gent|gent|ghent|vub|vrije\s+universiteit\s+brussel|uantwerpen|antwerp
    |universiteit\s+antwerpen|university\s+of\s+antwerp|antwerpen|uhasselt|hasselt\s+university
    |universiteit\s+hasselt|hasselt)"""
_FLEMISH_DEGREE = re.compile(
    rf"""\bflemish\s+(?:[\w']+\s+)?(?:degree|diploma|bachelor|master|qualification|university
       |universities|institution|school)
    | \bvlaamse?\s+(?:[\w']+\s+)?(?:diploma|bachelor|master|universiteit|hogeschool|onderwijs
       |getuigschrift|instelling)
    | \b(?:studied|studying|graduated|gestudeerd|studeerde|afgestudeerd)\s+(?:[\w']+\s+){{0,2}}?
       (?:in|at|aan|from|te)\s+(?:the\s+|de\s+)?{_FLEMISH_UNIVERSITIES}\b
    | \b(?:degree|diploma|bachelor'?s?|master'?s?)\s+(?:[\w']+\s+)?(?:from|at|of|van|aan)\s+
       (?:the\s+|de\s+)?{_FLEMISH_UNIVERSITIES}\b
    | \b(?:in|aan)\s+(?:de\s+)?{_FLEMISH_UNIVERSITIES}\s+(?:gestudeerd|afgestudeerd)""",
    re.VERBOSE | re.IGNORECASE,
)
_FOREIGN_DEGREE = re.compile(
    r"""\binternational\s+(?:students?|applicants?)\b
    | \binternationale\s+(?:student\w*|kandida\w*)
    | \bforeign\s+(?:students?|applicants?|degrees?|diplomas?|qualifications?)\b
    | \bbuitenlandse?\s+(?:student\w*|diploma\w*|getuigschrift\w*)""",
    re.VERBOSE | re.IGNORECASE,
)
# French puts the nationality after the person: "un étudiant marocain", "les candidats belges"
_PERSON_BEFORE_FRENCH = re.compile(
    r"\b(?:etudiante?s?|candidate?s?|ressortissante?s?|citoyens?|citoyennes?|personnes?)\s+$"
)
_PERSON_BEFORE = re.compile(
    r"""\b(?:students?|studenten|applicants?|citizens?|nationals?|people|kandidaten|aanvragers?
    |burgers?)\s+(?:from\s+|van\s+|uit\s+)?$""",
    re.VERBOSE,
)
_ASKS_ABOUT = re.compile(
    r"""\b(?:need|needs|require|requires|required|apply\s+for|applying\s+for|get|obtain|request
    |nodig|aanvragen|vereist|krijgen|krijg|verkrijgen|hoe)\b""",
    re.VERBOSE,
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?()]|\b(?:but|and|maar|en|though|although|while)\b")
_CLAUSE_NEGATION = re.compile(
    r"\b(?:not|no|without|never|niet|geen|zonder|nooit)\b|n't\b"
)  # fmt: skip

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
    for match in _MENTION.finditer(folded):
        _read_mention(match, lower, found)
    for match in _RESIDENCE.finditer(lower):
        if not _asks_about(lower, match.start()):
            found.residence.append(not _clause_negated(lower, match.start()))
    for match in _FLEMISH_DEGREE.finditer(lower):
        if not _asks_about(lower, match.start()):
            found.degree_explicit.append(not _clause_negated(lower, match.start()))
    for _match in _FOREIGN_DEGREE.finditer(lower):
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
    if word in _GROUP_EUROPE:
        if _FROM.search(prefix) or _CITIZEN_OF.search(prefix):
            _read_group(word, prefix, suffix, True, found)
        return
    if word in _GROUP_EUROPEAN:
        if _LANGUAGE_USE.match(suffix):
            return
        if _PERSON_NOUN.match(suffix) or _SELF.search(prefix) or _NATIONALITY_LABEL.search(prefix):
            _read_group(word, prefix, suffix, True, found)
        return
    _read_group(word, prefix, suffix, True, found)


def _read_group(word: str, prefix: str, suffix: str, eea: bool, found: _Findings) -> None:
    """A group word: EU, EEA, European, non-EEA, outside the EU, and their Dutch forms."""
    person = _PERSON_NOUN.match(suffix)
    if person is None and _LOCATION.search(prefix):
        return  # "recognised in the EU"
    from_cue = _FROM.search(prefix) is not None
    self_cue = _SELF.search(prefix) is not None or _NATIONALITY_LABEL.search(prefix) is not None
    if word.startswith(("outside", "buiten")):
        if _LIVING_OUTSIDE.search(prefix):
            found.residence.append(False)
            return
        if _STUDIED_OUTSIDE.search(prefix):
            found.degree_implied.append(False)
            return
        if not (person or from_cue or self_cue or _PERSON_BEFORE.search(prefix)):
            return  # "recognised outside the EU" is about a diploma, not a person
    if _NEGATED.search(prefix):
        eea = not eea
    citizen = person is not None and person.group("noun") in _CITIZEN_NOUNS
    about_self = _speaks_of_self(prefix) and (from_cue or self_cue or citizen)
    found.claims.append(_Claim(eea=eea, country=None, strength=2 if about_self else 1))


def _read_demonym(
    country: Country, plural: bool, prefix: str, suffix: str, found: _Findings
) -> None:
    """A nationality adjective or noun: "Indian", "Dutch", "Belg", "Duitse", "Norwegians"."""
    if _NOT_PREFIX.search(prefix) or _LANGUAGE_USE.match(suffix):
        return
    self_cue = _SELF.search(prefix)
    if self_cue is not None:
        if self_cue.group("neg") is None:
            found.claims.append(_Claim(country.eea, country, 2))
        return
    if _NATIONALITY_LABEL.search(prefix) or _HERE.match(suffix):
        found.claims.append(_Claim(country.eea, country, 2))
        return
    person = _PERSON_NOUN.match(suffix)
    if person is not None:
        if not _NEGATED.search(prefix):
            citizen = person.group("noun") in _CITIZEN_NOUNS
            strength = 2 if citizen and _speaks_of_self(prefix) else 1
            found.claims.append(_Claim(country.eea, country, strength))
        return
    if _PERSON_BEFORE_FRENCH.search(prefix):
        found.claims.append(_Claim(country.eea, country, 2 if _speaks_of_self(prefix) else 1))
    elif plural and _FOR.search(prefix):
        found.claims.append(_Claim(country.eea, country, 1))
    elif _DEGREE_AFTER.match(suffix) and country.name != "Belgium":
        found.degree_implied.append(False)


def _read_country_name(country: Country, prefix: str, suffix: str, found: _Findings) -> None:
    """A state's name: "from India", "citizen of Norway", "live in Belgium", "uit Marokko"."""
    if _NOT_PREFIX.search(prefix):
        return
    strength = 2 if _speaks_of_self(prefix) else 1
    if _LIVE_IN.search(prefix):
        if not _clause_negated(prefix, len(prefix)):
            found.residence.append(country.name == "Belgium")
        return
    if _STUDIED_IN.search(prefix):
        if country.name != "Belgium":
            found.degree_implied.append(False)
        return
    if _CITIZEN_OF.search(prefix):
        if not _NEGATED.search(prefix):
            found.claims.append(_Claim(country.eea, country, strength))
        return
    from_cue = _FROM.search(prefix)
    if from_cue is not None:
        before = prefix[: from_cue.start()]
        if _DEGREE_BEFORE_FROM.search(before):
            if country.name != "Belgium":
                found.degree_implied.append(False)
        elif not _NEGATED.search(prefix) and not _clause_negated(before, len(before)):
            found.claims.append(_Claim(country.eea, country, strength))
        return
    person = _PERSON_NOUN.match(suffix)
    if person is not None and not _LANGUAGE_USE.match(suffix):
        citizen = person.group("noun") in _CITIZEN_NOUNS
        found.claims.append(_Claim(country.eea, country, strength if citizen else 1))
    elif _FOR.search(prefix):
        found.claims.append(_Claim(country.eea, country, 1))


def _last_clause(text: str) -> str:
    return _CLAUSE_BREAK.split(text[-_WINDOW:])[-1]


def _speaks_of_self(prefix: str) -> bool:
    """Whether the clause that leads up to a mention is in the first person."""
    return _FIRST_PERSON.search(_last_clause(prefix)) is not None


def _clause_negated(text: str, position: int) -> bool:
    """Whether a negation stands earlier in the same clause as ``position``."""
    return _CLAUSE_NEGATION.search(_last_clause(text[:position])) is not None


def _asks_about(text: str, position: int) -> bool:
    """Whether the clause asks about getting something ("do I need a residence permit")."""
    return _ASKS_ABOUT.search(_last_clause(text[:position])) is not None


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
