"""Which language a question is in (English or Dutch), and Dutch questions as English search terms.

Questions are short and often mix in programme and course names, some of them Dutch
("Inleiding in Celbiologie en Anatomie van de Mens"), so the detector scores function and domain
words and leaves names out: a run of capitalised words, with the small words between them, is a
name and says nothing about the language of the question around it. English is the default.

``to_english`` rewrites a Dutch question word by word from a glossary, so that an English-language
retriever finds the passage that answers it. It is a table, not a translation model: words it does
not know (names, course codes, numbers) are kept as they are.
"""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "nl"]


def _words(text: str) -> list[str]:
    return text.split()


# Words that point to one language, with a weight: 2 for words that occur (almost) only in that
# language, 1 for words that are also frequent inside names or borrowed into the other language.
# Words common to both ("is", "in", "we", "me", "deadline", "diploma", "student") carry nothing.
_ENGLISH_WORDS: dict[str, float] = dict.fromkeys(
    _words("""
    the what when where which who whom whose why how does do did don't doesn't can can't could
    would should will won't shall i i'm i've i'd you you're your my mine much many there
    these those this that are was were have has had get gets got to for with and not about
    after before if any it it's its at by an be been being also only just than then or
    there's what's when's where's who's how's i'll yes please thanks thank hi hello fee fees
    tuition cost costs price pay paid apply applying application admission requirements
    required courses course credits credit programme program programmes duration long take
    takes taking internship internships certificate degree schedule timetable timetables
    invoice part-time full-time part full time start starts starting begin begins language
    taught teach teaching english classes class location located held where's career careers
    job jobs contact email coordinator documents document need needs register registration
    enrol enroll enrolment send sent receive received happens happen ceremony graduation
    compulsory mandatory elective electives offered give gives tell about curriculum evening
    evenings day during lectures lecture exam exams should study studying follow some other
    same
    """),
    2.0,
)
_ENGLISH_WORDS.update(dict.fromkeys(_words("a of on from as all no"), 1.0))

_DUTCH_WORDS: dict[str, float] = dict.fromkeys(
    _words("""
    wat wanneer hoeveel hoe hoelang waar waarom waarover waarvoor welke welk wie kan kun kunt
    kunnen ik je jij jullie uw het een niet geen zijn mijn krijg krijgt krijgen kost kosten
    moet moeten mag mogen er ook nog bij naar dit deze dat heb hebt heeft hebben word wordt
    worden als te aan op uit maar graag bedankt dank hallo goedemorgen goedendag ja nee wel
    veel meer zonder tijdens binnen buiten ben bent gaat gaan begint beginnen gebeurt
    mogelijk alleen enkel nodig zou zouden wil willen welkom vertel iets daarna gegeven
    vinden vind plaats zit zitten studiepunten studiepunt inschrijvingsgeld collegegeld
    studiegeld lesgeld deeltijds deeltijdse deeltijd voltijds voltijdse voltijd opleiding
    opleidingen opleidingsonderdeel opleidingsonderdelen vakken vak toelating
    toelatingsvoorwaarden toelatingsvereisten toelatingsbrief aanmelden aanmelding
    inschrijven inschrijving getuigschrift uiterste datum rooster lessenrooster uurrooster
    factuur verblijfsvergunning taalvereisten taaltest engels nederlands beroep beroepen
    werk loopbaan duur duurt locatie lessen les vereisten voorwaarden inhoud jaar
    academiejaar eerste tweede vraag vragen informatie contactpersoon betalen betaal prijs
    postgraduaat programma verplicht keuzevak keuzevakken examen examens masterproef
    proclamatie diploma-uitreiking verstuurd versturen ontvangen ontvang documenten brief
    overdag avond avonds taal opnemen studeren volgen volg nemen neem aanvragen aanvraag
    kandidaten staatsburger burgers studenten gevolgd
    """),
    2.0,
)
_DUTCH_WORDS.update(dict.fromkeys(_words("de van en om tot dan na voor met over zo u"), 1.0))

# Small words that may stand inside a name between capitalised words ("Anatomie van de Mens").
_NAME_CONNECTORS = frozenset(
    _words("in en van de het der den voor of and the for to op met with a an on")
)

_TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?|[.!?:;]")
_SENTENCE_END = frozenset(".!?:;")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words with a flag saying whether each is part of a name (and so ignored for language)."""
    words: list[tuple[str, bool]] = []
    initial = True
    for match in _TOKEN.finditer(text):
        token = match.group().replace("’", "'")
        if token in _SENTENCE_END:
            initial = True
            continue
        capitalised = token[0].isupper() or (len(token) > 1 and token.isupper())
        words.append((token, capitalised and not initial))
        initial = False
    return _extend_names(words)


def _extend_names(words: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Mark the connectors between two name words, and a capitalised first word that opens a
    name ("Inleiding in Celbiologie ..."), as part of the name."""
    flags = [is_name for _, is_name in words]
    i = 0
    while i < len(words):
        if flags[i] or words[i][0].lower() not in _NAME_CONNECTORS:
            i += 1
            continue
        j = i
        while j < len(words) and not flags[j] and words[j][0].lower() in _NAME_CONNECTORS:
            j += 1
        if i > 0 and flags[i - 1] and j < len(words) and flags[j]:
            for k in range(i, j):
                flags[k] = True
        i = j
    if (
        len(words) > 1
        and not flags[0]
        and words[0][0][0].isupper()
        and _known_weight(words[0][0].lower()) == (0.0, 0.0)
        and (flags[1] or (len(words) > 2 and flags[2]))
    ):
        flags[0] = True
    return [(word, flag) for (word, _), flag in zip(words, flags, strict=True)]


def _known_weight(word: str) -> tuple[float, float]:
    return _ENGLISH_WORDS.get(word, 0.0), _DUTCH_WORDS.get(word, 0.0)


_FIRST_WORD_BONUS = 1.5  # the opening word ("Wat", "How") sets the language of a mixed question


def language_scores(text: str) -> tuple[float, float]:
    """The English and Dutch evidence in a text, names left out."""
    english = dutch = 0.0
    factor = _FIRST_WORD_BONUS
    for token, is_name in _tokens(text):
        if is_name:
            continue
        word = token.lower()
        parts = [word, *word.split("-")] if "-" in word else [word]
        for part in parts:
            en, nl = _known_weight(part)
            if en or nl:
                english += en * factor
                dutch += nl * factor
                factor = 1.0
                break
    return english, dutch


def detect_language(text: str) -> Language:
    """ "nl" when the text is Dutch, else "en" (the default, also for ties and empty text)."""
    english, dutch = language_scores(text)
    return "nl" if dutch > english else "en"


# Dutch -> English search terms. Phrases of several words are matched before single words;
# a word with hyphens not found whole is translated part by part ("niet-EER-studenten").
_GLOSSARY: dict[str, str] = {
    # the organisation and its parts
    "faculteit": "faculty",
    "faculteiten": "faculties",
    "departement": "department",
    "departementen": "departments",
    "bestaat uit": "comprises",
    "bestaat": "comprises",
    "bestaan": "comprise",
    "omvat": "comprises",
    "onderzoeksgroepen": "research groups",
    "bibliotheek": "library",
    "doctoraat": "PhD doctoral",
    "ziekenhuis": "hospital",
    "fysica": "physics",
    "biomedische": "biomedical",
    "wetenschappen": "sciences",
    "wetenschap": "science",
    "biomedische technologie": "biomedical engineering",
    "ingenieurswetenschappen": "engineering",
    "specialisatie": "specialisation",
    "specialisaties": "specialisations",
    "afstudeerrichting": "track",
    "afstudeerrichtingen": "tracks",
    "kiezen": "choose",
    "kies": "choose",
    "medische": "medical",
    "behalen": "obtain",
    "buitenland": "abroad international exchange",
    "bedrijven": "companies industry",
    # fees
    "kost": "tuition fee",
    "kosten": "tuition fee",
    "kostprijs": "tuition fee",
    "prijs": "price tuition fee",
    "inschrijvingsgeld": "tuition fee",
    "collegegeld": "tuition fee",
    "studiegeld": "tuition fee",
    "lesgeld": "tuition fee",
    "betalen": "pay tuition fee",
    "betaal": "pay tuition fee",
    "betaling": "payment",
    "factuur": "invoice",
    "rekening": "invoice",
    # study load and organisation
    "deeltijds": "part-time",
    "deeltijdse": "part-time",
    "deeltijd": "part-time",
    "voltijds": "full-time",
    "voltijdse": "full-time",
    "voltijd": "full-time",
    "studiepunten": "ECTS credits",
    "studiepunt": "ECTS credits",
    "sp": "ECTS credits",
    "duur": "duration",
    "duurt": "duration",
    "hoelang": "duration",
    "hoe lang": "duration",
    "waar": "where",
    "locatie": "location campus",
    "campus": "location campus",
    "rooster": "schedule timetable",
    "lessenrooster": "schedule timetable",
    "uurrooster": "schedule timetable",
    "overdag": "during the day",
    "avond": "evening",
    "lessen": "classes",
    "les": "classes",
    "stage": "internship",
    "nadruk": "emphasis",
    "waar ligt de nadruk": "what is the emphasis",
    "stages": "internship",
    # application and admission
    "aanmelden": "application deadline",
    "aanmelding": "application deadline",
    "inschrijven": "application deadline",
    "inschrijving": "application deadline",
    "aanvraag": "application deadline",
    "aanvragen": "application deadline",
    "uiterste datum": "application deadline",
    "deadline": "application deadline",
    "toelating": "admission requirements",
    "toelatingsvoorwaarden": "admission requirements",
    "toelatingsvereisten": "admission requirements",
    "vooropleiding": "admission requirements",
    "toelatingsbrief": "acceptance letter",
    "motivatiebrief": "motivation letter",
    "documenten": "documents",
    "vereisten": "requirements",
    "voorwaarden": "requirements",
    "taalvereisten": "English proficiency IELTS TOEFL",
    "taaltest": "English proficiency IELTS TOEFL",
    "engels": "English proficiency IELTS TOEFL",
    "in het engels": "in English",
    "in het nederlands": "in Dutch",
    "nederlands": "Dutch",
    "taal": "language",
    # citizenship categories
    "eer": "EEA",
    "niet-eer": "non-EEA",
    "niet eer": "non-EEA",
    "niet-eu": "non-EU",
    "buiten de eu": "non-EU non-EEA",
    "buiten de eer": "non-EEA",
    "eer-burger": "EEA citizen",
    "eer-burgers": "EEA citizens",
    "verblijfsvergunning": "residence permit",
    "staatsburger": "citizen",
    "burger": "citizen",
    "burgers": "citizens",
    "nationaliteit": "nationality",
    "belgie": "Belgium",
    "vlaams diploma": "Flemish degree",
    "vlaamse diploma": "Flemish degree",
    # outcome and programme
    "diploma": "diploma certificate degree",
    "getuigschrift": "diploma certificate degree",
    "certificaat": "diploma certificate degree",
    "attest": "diploma certificate degree",
    "proclamatie": "graduation ceremony",
    "diploma-uitreiking": "graduation ceremony",
    "afstuderen": "graduation",
    "vakken": "courses",
    "vak": "course",
    "opleidingsonderdelen": "courses",
    "opleidingsonderdeel": "course",
    "cursussen": "courses",
    "keuzevak": "elective course",
    "keuzevakken": "elective courses",
    "verplicht": "compulsory",
    "verplichte": "compulsory",
    "opleiding": "programme",
    "programma": "programme",
    "programma's": "programmes",
    "groep": "group",
    "datum": "date",
    "plaats": "located",
    "postgraduaat": "postgraduate",
    "academiejaar": "academic year",
    "jaar": "year",
    "examen": "exam",
    "examens": "exams",
    "masterproef": "thesis",
    "onderzoek": "research",
    "inhoud": "content",
    "beroep": "career",
    "beroepen": "career",
    "carriere": "career",
    "werk": "career",
    "job": "career",
    "jobs": "career",
    "loopbaan": "career",
    "contact": "contact",
    "contactpersoon": "contact",
    "contacteren": "contact",
    "coordinator": "coordinator",
    # question words
    "wanneer": "when",
    "hoeveel": "how many",
    "hoeveel kost": "how much costs",
    "hoeveel is": "how much is",
    "hoeveel kosten": "how much costs",
    "hoeveel betaal": "how much pay",
    "hoeveel jaar": "how many years",
    "hoeveel jaren": "how many years",
    "hoeveel maanden": "how many months",
    "hoeveel studiepunten": "how many ECTS credits",
    "hoe veel": "how many",
    "wat": "what",
    "hoe": "how",
    "welke": "which",
    "welk": "which",
    "wie": "who",
    "waarom": "why",
    "waarover": "about what",
    # months
    "januari": "January",
    "februari": "February",
    "maart": "March",
    "april": "April",
    "mei": "May",
    "juni": "June",
    "juli": "July",
    "augustus": "August",
    "september": "September",
    "oktober": "October",
    "november": "November",
    "december": "December",
    # function words
    "de": "the",
    "het": "the",
    "een": "a",
    "en": "and",
    "of": "or",
    "van": "of",
    "voor": "for",
    "met": "with",
    "zonder": "without",
    "op": "on",
    "naar": "to",
    "uit": "from",
    "bij": "at",
    "aan": "at",
    "na": "after",
    "over": "about",
    "ik": "I",
    "je": "you",
    "jij": "you",
    "u": "you",
    "mijn": "my",
    "niet": "not",
    "geen": "no",
    "zijn": "are",
    "ben": "am",
    "krijg": "get",
    "krijgt": "get",
    "krijgen": "get",
    "kan": "can",
    "kun": "can",
    "kunt": "can",
    "kunnen": "can",
    "moet": "must",
    "moeten": "must",
    "mag": "may",
    "ook": "also",
    "dit": "this",
    "deze": "this",
    "dat": "that",
    "die": "that",
    "er": "",
    "wordt": "is",
    "worden": "are",
    "heb": "have",
    "hebt": "have",
    "heeft": "has",
    "begint": "start",
    "beginnen": "start",
    "start": "start",
    "gegeven": "taught",
    "als": "as",
    "wonen": "live",
    "woon": "live",
    "woont": "live",
    "kom": "come",
    "komt": "come",
    "komen": "come",
    "doen": "do",
    "kennen": "know",
    "studeren": "study",
    "volgen": "follow",
    "vinden": "find",
    "vind": "find",
    "mailen": "email",
    "sturen": "send",
    "versturen": "send",
    "verstuurd": "sent",
    "ontvangen": "receive",
    "gebeurt": "happens",
    "tijdens": "during",
    "traject": "track",
    "beurs": "scholarship",
    "beurzen": "scholarship",
    "studiebeurs": "scholarship",
    "huisvesting": "housing",
    "nodig": "need",
    "studenten": "students",
    "is": "is",
    "in": "in",
    "student": "student",
}
_LONGEST_PHRASE = max(len(key.split()) for key in _GLOSSARY)
# Endings of Dutch compounds, for words the glossary lacks ("masterdiploma", "inschrijfgeld").
_COMPOUND_ENDINGS = (
    ("geld", "tuition fee"),
    ("programma's", "programmes"),
    ("programma", "programme"),
    ("rooster", "schedule timetable"),
    ("diploma", "diploma certificate degree"),
    ("vereisten", "requirements"),
    ("voorwaarden", "requirements"),
)
_EDGE_PUNCTUATION = "?!.,;:()[]{}\"'“”‘’"


def to_english(text: str) -> str:
    """Rewrite a Dutch question as English search terms from the glossary.

    Names (runs of capitalised words) and unknown words are kept as they are; punctuation is
    dropped. Meant for text that ``detect_language`` calls Dutch.
    """
    tokens = [word.strip(_EDGE_PUNCTUATION) for word in text.split()]
    tokens = [token for token in tokens if token]
    names = _name_flags(text, tokens)
    out: list[str] = []
    expansions: set[str] = set()
    i = 0
    while i < len(tokens):
        if names[i]:
            out.append(tokens[i])
            i += 1
            continue
        span, english = _translate_at(tokens, names, i)
        i += span
        if not english or english in expansions or (out and out[-1] == english):
            continue
        if " " in english:
            expansions.add(english)  # "tuition fee" once, however many Dutch words ask for it
        out.append(english)
    return " ".join(out)


def _name_flags(text: str, tokens: list[str]) -> list[bool]:
    """Which tokens belong to a name of two or more words, or are codes such as "H03I2A"."""
    name_words = {word for word, is_name in _tokens(text) if is_name}
    flags = [token in name_words for token in tokens]
    for i, token in enumerate(tokens):
        if not flags[i]:
            continue
        neighbours = [flags[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
        if not any(neighbours) and _fold(token.lower()) in _GLOSSARY:
            flags[i] = False  # a single capitalised glossary word: "Engels", "EER", "België"
    return flags


def _translate_at(tokens: list[str], names: list[bool], i: int) -> tuple[int, str]:
    """The number of tokens consumed at ``i`` and their English rendering."""
    for size in range(min(_LONGEST_PHRASE, len(tokens) - i), 1, -1):
        if any(names[i : i + size]):
            continue
        phrase = _fold(" ".join(tokens[i : i + size]).lower())
        if phrase in _GLOSSARY:
            return size, _GLOSSARY[phrase]
    return 1, _translate_word(tokens[i])


def _translate_word(token: str) -> str:
    word = _fold(token.lower())
    if word in _GLOSSARY:
        return _GLOSSARY[word]
    if "-" in word:
        parts = word.split("-")
        if parts[0] == "niet" and len(parts) > 1:
            rest = "-".join(token.split("-")[1:])
            return "non-" + _translate_word(rest)
        if any(part in _GLOSSARY for part in parts):
            pieces = [_translate_word(piece) for piece in token.split("-")]
            return " ".join(piece for piece in pieces if piece)
    for ending, english in _COMPOUND_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 3:
            return english
    return token


def _fold(word: str) -> str:
    """Accents off, so "België" and "Belgie" look the same up."""
    return word.translate(_ACCENTS)


_ACCENTS = str.maketrans("áàâäéèêëíìîïóòôöúùûüç", "aaaaeeeeiiiioooouuuuc")
