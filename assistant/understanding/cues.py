"""The words around a nationality, a place or a degree that say what it tells about the person
asking: "I'm", "from", "citizen of", "live in", "students" after it, a language use, a negation.
Read in English and Dutch, and the commonest French turns; ``applicant`` weighs them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.understanding.countries import CASE_SENSITIVE_ALIASES, COUNTRY_WORDS

# Words that name a group rather than a state.
GROUP_EEA = ("eu/eea", "eea/eu", "eu/eer", "eer/eu", "eu", "eea", "eer", "e.u.", "e.e.a.")
GROUP_EEA_NAMES = (
    "european union", "european economic area", "europese unie",
    "europese economische ruimte",
)  # fmt: skip
GROUP_EUROPEAN = ("european", "europeans", "europeaan", "europeanen", "europees", "europese")
GROUP_EUROPE = ("europe", "europa")


def trie_pattern(words: Iterable[str]) -> str:
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


NON_EEA_PATTERN = r"""
    (?:non|niet|buiten|outside(?:\s+of)?|not)[\s-]*(?:the\s+|de\s+|het\s+)?
    (?:eu/eea|eea/eu|eu/eer|eer/eu|eu|eea|eer|e\.u\.|european\s+union|european\s+economic\s+area
       |europeans?|europe|europa|europese\s+unie|europese|europees|europeanen)
  | third[\s-]countr(?:y|ies)(?:\s+nationals?)?
  | derdelanders?
"""
MENTION = re.compile(
    rf"""(?<![\w-])(?:
      (?P<non_eea>{NON_EEA_PATTERN})
    | (?P<group>{trie_pattern([*GROUP_EEA, *GROUP_EEA_NAMES, *GROUP_EUROPEAN, *GROUP_EUROPE])})
    | (?P<place>{trie_pattern(COUNTRY_WORDS)})
    | (?P<acronym>(?-i:{"|".join(CASE_SENSITIVE_ALIASES)}))
    )(?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)
FIRST_PERSON = re.compile(
    r"\b(?:i|i'm|im|i've|i'd|me|my|mine|we|our|ik|mijn|m'n|wij|ons|onze|je|j'|moi|mon|mes)\b"
)

# Cues read on the text just before a mention (lower case, ending where the mention starts).
SELF = re.compile(
    r"""\b(?:i'm|im|i\s+am|ik\s+ben|ben\s+ik|as\s+an?|als|we're|we\s+are|wij\s+zijn|we\s+zijn
    |je\s+suis|en\s+tant\s+que)\s+
    (?P<neg>(?:not|niet|geen|no)\s+)?
    (?:(?:also|ook|originally|oorspronkelijk|a|an|een|half|both|fully|zowel)\s+)*
    (?:[\w-]+\s+(?:and|en|&)\s+)?$""",
    re.VERBOSE,
)
NATIONALITY_LABEL = re.compile(
    r"\b(?:nationality|citizenship|nationaliteit|nationalite)\s*(?:is\s+|:\s*|-\s*|=\s*)?$"
)
FROM = re.compile(
    r"""\b(?:from|uit|afkomstig\s+van|(?:originaire|viens|vient|venant)\s+(?:du|de|des|d'))\s*
    (?<=\s|')(?:the\s+|de\s+|het\s+)?$""",
    re.VERBOSE,
)
CITIZEN_OF = re.compile(
    r"""\b(?:citizens?|citizenship|nationals?|nationality|passports?|staatsburgers?|burgers?
    |onderdaan|onderdanen|nationaliteit|paspoort)\s+(?:of|van|from|uit)\s+(?:the\s+|de\s+|het\s+)?$""",
    re.VERBOSE,
)
FOR = re.compile(r"\b(?:for|voor)\s+(?:the\s+|de\s+|het\s+)?$")
LIVE_IN = re.compile(
    r"""\b(?:live|lives|living|lived|reside|resides|residing|resident|based|settled|staying
    |wonen|woon|woont|woonachtig|verblijf|verblijft|verblijven|gevestigd)
    \s+(?:[\w']+\s+){0,3}?(?:in|te|of)\s+(?:the\s+|de\s+|het\s+)?$
    |\b(?:habite|habitons|vis|vivons|reside|residons)\s+(?:au|aux|en|a)\s+$""",
    re.VERBOSE,
)
STUDIED_IN = re.compile(
    r"""\b(?:studied|study|studying|graduated|gestudeerd|studeer|studeerde|afgestudeerd)
    \s+(?:[\w']+\s+){0,2}?(?:in|at|aan|te|from)\s+(?:the\s+|de\s+|het\s+|a\s+|an\s+)?$""",
    re.VERBOSE,
)
DEGREE_BEFORE_FROM = re.compile(
    r"""\b(?:degrees?|diplomas?|bachelor'?s?|master'?s?|studies|graduated|qualifications?
    |education|university|universiteit|getuigschrift|opleiding|afgestudeerd|gestudeerd)
    \s+(?:[\w']+\s+){0,3}$""",
    re.VERBOSE,
)
NOT_PREFIX = re.compile(r"\b(?:non|niet)[\s-]*$")
NEGATED = re.compile(
    r"""(?:\bnot|n't|\bno|\bgeen|\bniet|\bnever|\bnooit)\s+
    (?:(?:a|an|the|een|de|het|from|uit|van|of|part|deel|have|has|hold|own|possess|heb|hebt
       |heeft|bezit|citizen|citizens|burger)\s+)*$""",
    re.VERBOSE,
)
LOCATION = re.compile(r"\b(?:in|within|across|throughout|inside|binnen)\s+(?:the\s+|de\s+)?$")
LIVING_OUTSIDE = re.compile(
    r"""\b(?:live|lives|living|lived|reside|resides|residing|based|wonen|woon|woont)
    \s+(?:[\w']+\s+){0,2}?$""",
    re.VERBOSE,
)
STUDIED_OUTSIDE = re.compile(
    r"\b(?:studied|study|studying|graduated|gestudeerd|studeer|studeerde)\s+(?:[\w']+\s+){0,2}?$"
)

# Cues read on the text just after a mention.
PERSON_NOUN = re.compile(
    r"""^(?:[\s-]+(?:and|en|or|&|/)\s+[\w-]+)?[\s-]+
    (?:(?:postgraduate|postgraduaat|graduate|undergraduate|master'?s?|bachelor'?s?|phd|doctoral
       |exchange|prospective|international|full-time|part-time|new|future|young|adult)[\s-]+)?
    (?P<noun>citizens?|citizenship|nationals?|nationality|passports?|passport-holders?|id
      |identity|staatsburgers?|burgers?|onderdaan|onderdanen|nationaliteit|paspoort
      |identiteitskaart|students?|studente|studenten|applicants?|candidates?|kandidaat|kandidaten
      |aanvragers?|person|persoon|people|guy|girl|woman|women|man|men)\b""",
    re.VERBOSE,
)
CITIZEN_NOUNS = frozenset(
    {
        "citizen", "citizens", "citizenship", "national", "nationals", "nationality",
        "passport", "passports", "passport-holder", "passport-holders", "id", "identity",
        "staatsburger", "staatsburgers", "burger", "burgers", "onderdaan", "onderdanen",
        "nationaliteit", "paspoort", "identiteitskaart",
    }
)  # fmt: skip

# "Indian here", "Dutch student here"
HERE = re.compile(r"^(?:[\s-]+(?:student|applicant))?\s+here\b")
LANGUAGE_USE = re.compile(
    r"""^[\s-]*(?:speak\w*|sprek\w*|talig\w*|taught|language|languages|taal|medium|proficiency
    |course|courses|class|classes|lesson\w*|les|lessen|cursus\w*|version|translation|text
    |question|answer|tests?|level|skills?|words?|resident|residents|residence|residency)\b""",
    re.VERBOSE,
)
DEGREE_AFTER = re.compile(
    r"""^[\s-]+(?:[\w'-]+[\s-]+)?(?:degree|diploma|bachelor'?s?|master'?s?|university
    |qualification|getuigschrift|universiteit)\b""",
    re.VERBOSE,
)
BELGIAN_PLACES = r"""(?:belgium|belgie|belgique|leuven|louvain|heverlee|kessel-lo|wilsele
    |brussels|brussel|bruxelles|antwerp|antwerpen|ghent|gent|bruges|brugge|liege|luik|namur
    |namen|hasselt|mechelen|kortrijk|ostend|oostende|charleroi|genk|aalst|tienen|diest)"""
RESIDENCE = re.compile(
    rf"""\b(?:live|lives|living|lived|reside|resides|residing|resident|based|settled|staying
       |wonen|woon|woont|woonachtig|verblijf|verblijft|verblijven|gevestigd)
       \s+(?:[\w']+\s+){{0,3}}?(?:in|te|of)\s+{BELGIAN_PLACES}\b
    | \b(?:residen(?:ce|cy|t)|resident's)[\s-]+(?:permit|card|status|visa)s?\b
    | \bpermit\s+of\s+(?:residence|stay)\b
    | \bbelgian\s+(?:residence|residency|resident|residents|permit|id\s+card)\b
    | \bverblijfs(?:vergunning|kaart|titel|document|recht)\w*
    | \bin\s+belgie\s+(?:wonen|woon|woont|gevestigd|verblijven)\b""",
    re.VERBOSE | re.IGNORECASE,
)
FLEMISH_UNIVERSITIES = r"""(?:flanders|vlaanderen|ku\s*leuven|kul|leuven|ugent|ghent\s+university
    |universiteit\s+gent|gent|ghent|vub|vrije\s+universiteit\s+brussel|uantwerpen|antwerp
    |universiteit\s+antwerpen|university\s+of\s+antwerp|antwerpen|uhasselt|hasselt\s+university
    |universiteit\s+hasselt|hasselt)"""
FLEMISH_DEGREE = re.compile(
    rf"""\bflemish\s+(?:[\w']+\s+)?(?:degree|diploma|bachelor|master|qualification|university
       |universities|institution|school)
    | \bvlaamse?\s+(?:[\w']+\s+)?(?:diploma|bachelor|master|universiteit|hogeschool|onderwijs
       |getuigschrift|instelling)
    | \b(?:studied|studying|graduated|gestudeerd|studeerde|afgestudeerd)\s+(?:[\w']+\s+){{0,2}}?
       (?:in|at|aan|from|te)\s+(?:the\s+|de\s+)?{FLEMISH_UNIVERSITIES}\b
    | \b(?:degree|diploma|bachelor'?s?|master'?s?)\s+(?:[\w']+\s+)?(?:from|at|of|van|aan)\s+
       (?:the\s+|de\s+)?{FLEMISH_UNIVERSITIES}\b
    | \b(?:in|aan)\s+(?:de\s+)?{FLEMISH_UNIVERSITIES}\s+(?:gestudeerd|afgestudeerd)""",
    re.VERBOSE | re.IGNORECASE,
)
FOREIGN_DEGREE = re.compile(
    r"""\binternational\s+(?:students?|applicants?)\b
    | \binternationale\s+(?:student\w*|kandida\w*)
    | \bforeign\s+(?:students?|applicants?|degrees?|diplomas?|qualifications?)\b
    | \bbuitenlandse?\s+(?:student\w*|diploma\w*|getuigschrift\w*)""",
    re.VERBOSE | re.IGNORECASE,
)

# French puts the nationality after the person: "un étudiant marocain", "les candidats belges"
PERSON_BEFORE_FRENCH = re.compile(
    r"\b(?:etudiante?s?|candidate?s?|ressortissante?s?|citoyens?|citoyennes?|personnes?)\s+$"
)
PERSON_BEFORE = re.compile(
    r"""\b(?:students?|studenten|applicants?|citizens?|nationals?|people|kandidaten|aanvragers?
    |burgers?)\s+(?:from\s+|van\s+|uit\s+)?$""",
    re.VERBOSE,
)
ASKS_ABOUT = re.compile(
    r"""\b(?:need|needs|require|requires|required|apply\s+for|applying\s+for|get|obtain|request
    |nodig|aanvragen|vereist|krijgen|krijg|verkrijgen|hoe)\b""",
    re.VERBOSE,
)
CLAUSE_BREAK = re.compile(r"[,.;:!?()]|\b(?:but|and|maar|en|though|although|while)\b")
CLAUSE_NEGATION = re.compile(
    r"\b(?:not|no|without|never|niet|geen|zonder|nooit)\b|n't\b"
)  # fmt: skip
