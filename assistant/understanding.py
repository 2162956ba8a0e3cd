"""Question understanding: what is asked (intents), about which programme, for whom.

MiniLM alone does not connect "I'm from India" with "non-EEA" or "how much will it cost me" with
"tuition fee"; this module carries such cases with documented tables (the intents and the
thesaurus are data, see ``assistant/intents.py``), so retrieval and answer composition can prefer
the sentences of the right kind and decline when none exists.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.applicant import ApplicantSituation, detect_situation
from assistant.intents import FOCUS, INTENTS, INTENTS_BY_NAME, THESAURUS
from assistant.language import detect_language, to_english

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at for from by with about as is are was were be been
    being do does did have has had can could would should will shall may might must i me my
    we our you your it its this that these those there their they them he she his her what
    which who whom whose when where why how than then so such not no yes any all some each
    per also just very much many more most into over under up down out off again further
    once here both few other own same too only get got please tell know need want like would
    i'm i've it's what's am let us hi hello dear thanks thank regards ok okay
    """.split()  # noqa: SIM905 - a word list reads best as text
)


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_SUBJECT = _rx(
    r"\b(?:how (?:much|expensive) (?:is|are) (?:a |an |the )?|"
    r"how long does it take to (?:get|obtain|receive) (?:a |an |the |my )?|"
    r"(?:are|is) there (?:any |a |an |some )?|"
    r"do (?:you|they) (?:have|offer|provide|give) (?:any |a |an |some )?|"
    r"(?:do|does) (?!i |we )(?:[\w'-]+ ){1,3}?(?:offer|provide|guarantee|arrange)s? (?:any |a |an |some )?|"
    r"(?:(?:get|gets|getting|be|being) |(?:are|is) (?:[\w'-]+ ){0,3})(?=(?:paid|salaried|remunerated|compensated)\b))"
    r"((?:[\w'-]+ ?){1,4})"
)
_SUBJECT_END = _rx(
    r"\b(for|in|at|of|on|to|with|during|after|before|per|when|if|that|which|from|about|by|"
    r"i|i'd|i'm|you|we|they|it|or|and)\b.*"
)


def asked_subject(text: str) -> str | None:
    """The noun that 'Are there scholarships for ...?' or 'How much is a student room?' asks
    about: the last content word before the rest of the question."""
    match = _SUBJECT.search(text)
    if match is None:
        return None
    words = [
        w for w in content_terms(_SUBJECT_END.sub("", match.group(1))) if w not in GENERIC_WORDS
    ]
    return words[-1] if words else None


def detect_focus(text: str, intents: Sequence[str]) -> str | None:
    for pattern, name in FOCUS:
        if name in intents and pattern.search(text):
            return name
    return None


# Situations the documents distinguish, as the words that state them in a question or a sentence.
_NON_EEA = _rx(
    r"\bnon[- ]?(eea|eu|european)\b|\boutside (the )?(eea|eu|europe)\b|\bnot (from )?(the )?(eea|eu)\b"
)
_EEA = _rx(r"\b(eea|eu)\b|\beuropean\b")
_RESIDENT = _rx(r"\bresiden(ce|t)\b|\bliving in belgium\b|\blive in belgium\b")
_PART_TIME = _rx(r"\bpart[- ]?time\b|\bparttime\b")
_FULL_TIME = _rx(r"\bfull[- ]?time\b|\bfulltime\b")
_FOLLOW_UP = _rx(
    r"^\s*(and|also|or|but|what about|how about|and what|what if|same for|for (the )?(part|full)|"
    r"in that case|then)\b|\b(it|its|this programme|that programme|this one|that one|there|those|"
    r"none of (them|these))\b"
)


@dataclass(frozen=True)
class Query:
    """A question as understood: the text to search and what it asks, about whom."""

    text: str  # the user's words (or the rewritten standalone question)
    search_text: str  # English search text (Dutch translated, context added)
    language: str
    intents: tuple[str, ...]
    programmes: tuple[str, ...]  # document ids named or implied, best first
    citizenship: str | None = None  # "eea" | "non-eea" | "resident" (non-EEA living in Belgium)
    study_mode: str | None = None  # "full-time" | "part-time"
    situation: ApplicantSituation | None = None
    follow_up: bool = False
    focus: str | None = None  # the intent the question word asks for, if it asks several
    flemish_degree: bool | None = None
    said: str = ""  # the previous answer, when the user asks for something other than it
    subject: str | None = None  # what "is there a ...?", "how much is a ...?" asks about
    english: str = ""  # the user's words in English (Dutch translated), nothing added
    previous: str = ""  # the user's previous message in the conversation, if any
    asked: str = ""  # the question itself, when it is one of several in a message
    terms: tuple[str, ...] = field(default=(), compare=False)  # content words of the search text
    stems: tuple[str, ...] = field(default=(), compare=False)  # their stems


_ASKS_OTHER = _rx(r"\b(another|other|else|different|alternatives?|none of (those|these|them))\b")
_AMERICAN = re.compile(r"(?<=[a-z]{4})is(?=(e|es|ed|ing|ation|ations)\b)")  # specialise, -ize


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated words are kept and also split (non-eea -> non, eea)."""
    tokens: list[str] = []
    for word in _WORD.findall(_AMERICAN.sub("iz", text.lower().replace("e-mail", "email"))):
        tokens.append(word)
        if "-" in word:
            tokens.extend(part for part in word.split("-") if part)
    return tokens


def content_terms(text: str) -> list[str]:
    return [t for t in tokenize(text) if t not in STOPWORDS and len(t) > 1]


_STEMMERS = threading.local()  # a Snowball stemmer keeps state while it works: one per thread


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    """Content words reduced to their stems (deadlines -> deadlin), for lexical matching.

    A hyphenated word is stemmed part by part (part-time -> part-time), so that its parts can be
    found apart ("part time").
    """
    return [
        "-".join(_stem(part) for part in word.split("-")) if "-" in word else _stem(word)
        for word in content_terms(text)
    ]


# "I have a Flemish diploma" says who asks; it does not ask about the programme's diploma.
_OWN_DEGREE = _rx(
    r"\b(i have|i've got|i hold|i got|holding|my|ik heb)\s+(a|an|the|een)?\s*(\w+\s+){0,3}?"
    r"(diploma|degree|bachelor'?s?|master'?s?)(\s+(certificate|degree))*\b|"
    r"\b(flemish|belgian|dutch|foreign|international|vlaams|vlaamse)\s+(diploma|degree)(\s+(certificate|degree))*\b"
)


def detect_intents(text: str) -> tuple[str, ...]:
    found = [intent.name for intent in INTENTS if intent.asks.search(text)]
    if "degree" in found and not INTENTS_BY_NAME["degree"].asks.search(_OWN_DEGREE.sub(" ", text)):
        found.remove("degree")
    if "application_fee" in found and "fee" in found:
        found.remove("fee")
    if "teaching_language" in found and "language_requirement" in found:
        found.remove("language_requirement")
    if (
        "credits" in found
        and "fee" in found
        and not re.search(r"\b(euro|€|fee|tuition|cost)", text, re.I)
    ):
        found.remove("fee")
    return tuple(found)


@dataclass(frozen=True)
class ProgrammeNames:
    """How people name each document: its aliases and the title words no other title has."""

    phrases: Mapping[str, tuple[str, ...]]  # doc id -> lower-case alias phrases
    words: Mapping[str, tuple[str, ...]]  # doc id -> distinctive words
    # doc id -> the words only its institution's documents use
    institutions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)  # doc id -> its text, lower-cased


def programme_names(
    documents: Mapping[str, Mapping[str, str]], texts: Mapping[str, str] | None = None
) -> ProgrammeNames:
    """How each document is named. A title word that another document's text also uses
    ("research", "group", "certificate") does not name the document on its own."""
    phrases: dict[str, tuple[str, ...]] = {}
    title_words: dict[str, set[str]] = {}
    for doc_id, meta in documents.items():
        aliases = [a for a in meta.get("aliases", "").split("|") if a]
        names = [meta.get("title", ""), meta.get("programme", ""), *aliases]
        variants = {re.sub(r"\s*\(.*?\)", "", n).strip(" :") for n in names} | set(names)
        phrases[doc_id] = tuple(sorted({n.lower() for n in variants if n}, key=len, reverse=True))
        words = content_terms(" ".join([*names, meta.get("institution", "")]))
        title_words[doc_id] = {
            w for w in words if len(w) > 2 and not w.isdigit() and w not in GENERIC_WORDS
        }
    counts: dict[str, int] = {}
    for words_of_doc in title_words.values():
        for word in words_of_doc:
            counts[word] = counts.get(word, 0) + 1
    used = {doc_id: set(content_terms(text)) for doc_id, text in (texts or {}).items()}
    distinctive = {
        doc_id: tuple(
            sorted(
                w
                for w in words
                if counts[w] == 1 and not any(w in used[d] for d in used if d != doc_id)
            )
        )
        for doc_id, words in title_words.items()
    }
    institutions = {
        doc_id: tuple(w for w in content_terms(meta.get("institution", "")) if len(w) > 2)
        for doc_id, meta in documents.items()
    }
    institution_of = {doc_id: meta.get("institution", "") for doc_id, meta in documents.items()}
    own_names = {  # words only one institution's documents use: "Leiden", "LUMC", "Leuven"
        doc_id: tuple(
            w
            for w in words
            if w not in GENERIC_WORDS
            and not any(
                w in title_words[other]
                for other in documents
                if institution_of[other] != institution_of[doc_id]
            )
        )
        for doc_id, words in institutions.items()
    }
    lowered = {doc_id: " ".join(text.lower().split()) for doc_id, text in (texts or {}).items()}
    return ProgrammeNames(phrases, distinctive, own_names, lowered)


_ABBREVIATIONS = (
    (_rx(r"\bpostgrads?\b"), "postgraduate"),
    (_rx(r"\bbiomed\b"), "biomedical"),
    (_rx(r"\bunis?\b"), "university"),
    (_rx(r"\bmasters\b"), "master"),
    (_rx(r"\bdept\b"), "department"),
    (_rx(r"\bexams?\b"), "examination"),
)


def spelled_out(text: str) -> str:
    """Short forms applicants write ("biomed", "postgrad") as the documents spell them."""
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def detect_programmes(text: str, names: ProgrammeNames, minimum: float = 1) -> tuple[str, ...]:
    """Documents the text names: a full alias (or all its words) counts most, a distinctive word
    less; a named institution rules out the other's documents; failing all that, a name only one
    document uses names it."""
    text = spelled_out(text)
    lowered = " " + " ".join(tokenize(text.replace("'s ", " "))) + " "
    tokens = set(tokenize(text))
    scores: dict[str, float] = {}
    named = {
        doc_id
        for doc_id, phrases in names.phrases.items()
        if any(f" {' '.join(tokenize(p))} " in lowered for p in phrases)
    }
    if not named:  # "the biomedical sciences master": a name in other words' order
        said = set(stems(text))
        named = {
            doc_id
            for doc_id, phrases in names.phrases.items()
            if any(len(stems(p)) > 1 and set(stems(p)) <= said for p in phrases)
        }
    for doc_id in names.phrases:
        score = 3 * (doc_id in named) + len(tokens & set(names.words[doc_id]))
        if score:
            scores[doc_id] = score
        if doc_id in scores and tokens & set(names.institutions.get(doc_id, ())):
            scores[doc_id] += 0.5
    named_institution = {d for d, words in names.institutions.items() if tokens & set(words)}
    if named_institution:  # "research at KU Leuven" is not about Leiden's research specialisation
        scores = {d: s for d, s in scores.items() if d in named_institution}
    if not scores:  # a name only one document uses ("the Biomedical Library") names it
        for name in proper_names(text):
            holders = [d for d, body in names.texts.items() if name.lower() in body]
            if len(name.split()) > 1 and len(holders) == 1:
                scores[holders[0]] = minimum
    if not scores or max(scores.values()) < minimum:
        return ()
    best = max(scores.values())
    return tuple(sorted((d for d, s in scores.items() if s == best), key=lambda d: -scores[d]))


def without_names(text: str, names: ProgrammeNames) -> str:
    """The text with programme names removed: "certificate" in a programme's name asks nothing."""
    result = text
    for phrase in sorted((p for ps in names.phrases.values() for p in ps), key=len, reverse=True):
        result = re.sub(rf"\b{re.escape(phrase)}\b", " ", result, flags=re.IGNORECASE)
    return result


def _citizenship(text: str, situation: ApplicantSituation | None) -> str | None:
    if situation is not None and situation.category:
        if situation.category.startswith("non-EEA living"):
            return "resident"
        return "non-eea" if situation.category == "non-EEA" else "eea"
    if _NON_EEA.search(text):
        return "resident" if _RESIDENT.search(text) else "non-eea"
    if _EEA.search(text):
        return "eea"
    return None


def _study_mode(text: str) -> str | None:
    if _PART_TIME.search(text):
        return "part-time"
    if _FULL_TIME.search(text):
        return "full-time"
    return None


def expand_terms(text: str) -> str:
    added = [words for pattern, words in THESAURUS if pattern.search(text)]
    return " ".join([text, *added])


@lru_cache(maxsize=1024)
def _english(text: str, language: str) -> str:
    return spelled_out(to_english(text) if language == "nl" else text)


def understand(
    message: str,
    names: ProgrammeNames,
    history: Sequence[tuple[str, str]] = (),
    programme: str | None = None,
) -> Query:
    """Understand a message in the light of the conversation so far (role, content pairs)."""
    replies = [content for role, content in history if role == "assistant"]
    if replies:
        message = resolved_ordinal(message, replies[-1])
    language = detect_language(message)
    plain = _english(message, language)
    english = expand_terms(plain)
    situation = detect_situation(message)
    asked_before = [content for role, content in history if role == "user"]
    query = Query(
        text=message,
        search_text=english,
        english=plain,
        previous=asked_before[-1] if asked_before else "",
        language=language,
        intents=detect_intents(without_names(english, names)),
        # A programme given by the page or the email yields only to a clearly named other one.
        programmes=detect_programmes(english, names, minimum=2 if programme else 1),
        citizenship=_citizenship(english, situation),
        study_mode=_study_mode(english),
        situation=situation,
    )
    query = replace(
        query,
        subject=asked_subject(english),
        focus=detect_focus(english, query.intents),
        flemish_degree=situation.flemish_degree if situation is not None else None,
    )
    previous = _previous_query(names, history)
    if previous is not None and _is_follow_up(query):
        query = _merge(query, previous)
        replies = [content for role, content in history if role == "assistant"]
        if replies and _ASKS_OTHER.search(message):
            query = replace(query, said=replies[-1])
    if not query.programmes and programme and programme in names.phrases:
        query = replace(query, programmes=(programme,))
    return replace(
        query, terms=tuple(content_terms(query.search_text)), stems=tuple(stems(query.search_text))
    )


_ORDINAL = _rx(
    r"\bthe (first|second|third|fourth|fifth|last)(?: (?:one|course|track|option|item)\b|(?=\s*[?.!,]|\s*$))"
)
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_QUOTED_ITEM = re.compile(r"“([^”]{2,80})”|\b([A-Z][^\[\]“”:]{1,80}?) \([A-Z0-9]{6}\): \d+ ECTS")
_PROSE_LIST = re.compile(r"(?:\b(?:are|is|contains?|includes?|:)\s+)([^.:;]+,[^.:;]+)")


def listed_items(reply: str) -> list[str]:
    """The items a previous answer listed: its quoted items and course rows, else the items of a
    list in its prose ("contains A, B and C")."""
    quoted = [(a or b).strip() for a, b in _QUOTED_ITEM.findall(reply)]
    if len(quoted) >= 2:
        return quoted
    lists = _PROSE_LIST.findall(reply)
    if not lists:
        return []
    parts = re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", max(lists, key=len))
    return [p.strip() for p in parts if p.strip()]


def resolved_ordinal(message: str, reply: str) -> str:
    """'How many credits is the first one?' after a list: the first item of that list."""
    match = _ORDINAL.search(message)
    items = listed_items(reply) if match else []
    index = _ORDINALS[match.group(1).lower()] if match else 0
    if match is None or not items or index >= len(items):
        return message
    return message[: match.start()] + items[index] + message[match.end() :]


def _previous_query(names: ProgrammeNames, history: Sequence[tuple[str, str]]) -> Query | None:
    """The conversation's standing question: the last user turns, folded oldest first."""
    users = [content for role, content in history if role == "user"][-3:]
    if not users:
        return None
    folded: Query | None = None
    for content in users:
        current = understand(content, names)
        folded = (
            current if folded is None or not _is_follow_up(current) else _merge(current, folded)
        )
    assert folded is not None
    assistant_turns = [content for role, content in history if role == "assistant"]
    if not folded.programmes and assistant_turns:
        named = detect_programmes(assistant_turns[-1], names)
        if len(named) == 1:
            folded = replace(folded, programmes=named)
    return folded


def _is_follow_up(query: Query) -> bool:
    if _FOLLOW_UP.search(query.search_text):
        return True
    words = content_terms(query.search_text)
    missing_topic = not query.intents or not query.programmes
    return len(words) <= 4 and missing_topic


def _merge(query: Query, previous: Query) -> Query:
    intents = query.intents or previous.intents
    if (
        query.intents
        and set(query.intents) <= {"duration", "procedure"}
        and query.focus != "procedure"
        and previous.intents
    ):
        # "and part-time?", "and if I register part-time?" name a study mode, not a new topic
        intents = previous.intents if query.study_mode else query.intents
    programmes = query.programmes or previous.programmes
    topic = " ".join(
        INTENTS_BY_NAME[name].label_en for name in intents if name not in query.intents
    )
    return replace(
        query,
        search_text=" ".join(p for p in (query.search_text, topic) if p),
        intents=intents,
        programmes=programmes,
        citizenship=_merged_citizenship(query, previous),
        study_mode=query.study_mode or previous.study_mode,
        situation=query.situation or previous.situation,
        focus=query.focus or (previous.focus if not query.intents else None),
        flemish_degree=query.flemish_degree
        if query.flemish_degree is not None
        else previous.flemish_degree,
        follow_up=True,
    )


def _merged_citizenship(query: Query, previous: Query) -> str | None:
    """'And if I live in Belgium with a residence permit?' refines an earlier non-EEA."""
    if query.citizenship is not None:
        return query.citizenship
    if _RESIDENT.search(query.search_text) and previous.citizenship in (None, "non-eea"):
        return "resident"
    return previous.citizenship


def unit_citizenship(text: str) -> str | None:
    """Which applicants a sentence is about, in the documents' own categories."""
    if _NON_EEA.search(text):
        return "resident" if _RESIDENT.search(text) else "non-eea"
    if _EEA.search(text):
        return "eea"
    return None


def about_other_applicants(query: Query, text: str) -> bool:
    """The sentence is about applicants other than the one asking (EEA vs non-EEA, living in
    Belgium or not)."""
    about = unit_citizenship(text)
    abroad = query.situation is not None and query.situation.resident_in_belgium is False
    if about == "resident" and abroad and query.citizenship != "resident":
        return True  # "I live in Chile": not the line for those living in Belgium
    return query.citizenship is not None and about is not None and about != query.citizenship


# Words that carry no topic of their own in a question; never a reason to decline.
GENERIC_WORDS = frozenset(
    """
    real really actually exactly possible able going still someone something thing things
    etc kind sort way lot bit bits cool great nice sure mind guess wonder wondering curious
    interested planning plan considering thinking looking question questions answer info
    information details detail anything everything everybody anyone people person student
    students study studying programme program programmes programs course university
    universities school master masters postgrad postgraduate bachelor year years month
    months time times day days week weeks today new first second next last end soon later
    already yet usually normally typically exactly option options choice choose chose good
    alternative alternatives substitute replacement
    best better fine correct right wrong true false find found look see say said mean means
    give given gives make makes take takes taking happen happens happening work works apply
    applying applied application
    """.split()  # noqa: SIM905 - a word list reads best as text
)


_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]+)*|\b[A-Z]{2,6}\b")


def proper_names(text: str) -> list[str]:
    """Capitalised names inside a sentence ("Harvard Medical School") and acronyms ("GRE"),
    countries excepted."""
    found: list[str] = []
    for match in _PROPER.finditer(text.strip()):
        name = match.group(0)
        if (
            detect_situation(f"I am from {name}") is None
            and detect_situation(f"I am {name}") is None
        ):
            found.append(name)
    return found
