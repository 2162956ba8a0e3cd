"""Which language a question is in, and Dutch questions as English search terms.

The assistant serves English and Dutch. Questions are short and often mix in programme and course
names, some of them Dutch ("Inleiding in Celbiologie en Anatomie van de Mens"), so names are left
out first: a run of capitalised words, with the small words between them, is a name and says
nothing about the language of the question around it. Between English and Dutch, weighted
function and domain words decide, the opening word counting most; English is the default.

``unserved_language`` names another language a question is clearly written in (French, German,
...), found by lingua's statistical models: such a question is answered in English, opened by a
sentence naming the served languages. lingua is imported and its detector built on first use, once.

``to_english`` rewrites a Dutch question word by word from a glossary, so that an English-language
retriever finds the passage that answers it. It is a table, not a translation model: words it does
not know (names, course codes, numbers) are kept as they are.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from assistant.tables import read_table

if TYPE_CHECKING:
    from lingua import LanguageDetector

Language = Literal["en", "nl"]

SERVED_LANGUAGES_NOTE = (
    "I can answer in English or Dutch (Nederlands). Your question seems to be in {language}: "
    "this reply is in English, and asking in English or Dutch gives the best answer."
)


def _words(text: str) -> list[str]:
    return text.split()


def _load_language_words() -> tuple[dict[str, float], dict[str, float]]:
    """The weighted English and Dutch word lists of ``data/language-words.csv``."""
    words: dict[str, dict[str, float]] = {"en": {}, "nl": {}}
    for row in read_table("language-words.csv", ("word", "language", "weight")):
        word, table = row.required("word"), words[row.choice("language", ("en", "nl"))]
        weight = row.choice("weight", ("1", "2"))
        if word in table:
            raise row.error(f"{word!r} is listed twice for {row['language']}")
        table[word] = float(weight)
    return words["en"], words["nl"]


# Words that point to one language, with a weight: 2 for words that occur (almost) only in that
# language, 1 for words that are also frequent inside names or borrowed into the other language.
_ENGLISH_WORDS, _DUTCH_WORDS = _load_language_words()

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
    """ "nl" when the text is Dutch, else "en": the default, also for ties, empty text and text
    in another language (German "Wie viel kostet ..." shares words with Dutch)."""
    english, dutch = language_scores(text)
    return "nl" if dutch > english and unserved_language(text) is None else "en"


# Languages applicants commonly write in besides the served two; each costs lingua about 33 MB.
_OTHER_LANGUAGES = ("FRENCH", "GERMAN", "SPANISH")
# A question is read as another language only when lingua is this sure of it, over this many words
# (names left out): keyword queries such as "ielts leiden" or "mp cert specialisations" stay served.
_MIN_OTHER_CONFIDENCE = 0.5
_MIN_OTHER_WORDS = 3
_MAX_WORDS = 40  # enough to know the language of a long email, at a bounded cost

_detector: LanguageDetector | None = None
_detector_lock = threading.Lock()


def _language_detector() -> LanguageDetector:
    """lingua's detector for the served and the other languages, built once on first use with
    its language models loaded (about a second; loaded lazily instead, the first long question
    would wait for them)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language as LinguaLanguage
                from lingua import LanguageDetectorBuilder

                languages = ("ENGLISH", "DUTCH", *_OTHER_LANGUAGES)
                _detector = (
                    LanguageDetectorBuilder.from_languages(
                        *(getattr(LinguaLanguage, name) for name in languages)
                    )
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def load_language_models() -> None:
    """Load what telling the languages apart needs now, rather than on the first question."""
    _language_detector()


@lru_cache(maxsize=1024)  # asked of one message by detection, search terms and the note
def unserved_language(text: str) -> str | None:
    """The name of the language ("French") the text is clearly written in when that language
    is neither English nor Dutch; None for English, Dutch, short or ambiguous text."""
    words = [token for token, is_name in _tokens(text) if not is_name][:_MAX_WORDS]
    if len(words) < _MIN_OTHER_WORDS or _mostly_listed(words):
        return None
    best = _language_detector().compute_language_confidence_values(" ".join(words))[0]
    name = best.language.name
    if name in _OTHER_LANGUAGES and best.value >= _MIN_OTHER_CONFIDENCE:
        return name.capitalize()
    return None


def _mostly_listed(words: list[str]) -> bool:
    """Whether half the words or more are in the English and Dutch word lists: such a question
    is served, and lingua need not be asked."""
    listed = sum(_known_weight(word.lower()) != (0.0, 0.0) for word in words)
    return 2 * listed >= len(words)


def served_languages_note(text: str) -> str:
    """An English sentence naming the served languages when the text is in another language,
    else the empty string."""
    language = unserved_language(text)
    return SERVED_LANGUAGES_NOTE.format(language=language) if language else ""


def _load_glossary(name: str, column: str) -> dict[str, str]:
    """Search terms in English from ``data/<name>``; an empty English cell drops the word."""
    glossary: dict[str, str] = {}
    for row in read_table(name, (column, "english")):
        word, english = row.required(column), row["english"]
        if word in glossary:
            raise row.error(f"{word!r} is listed twice")
        glossary[word] = english
    return glossary


# Phrases of several words are matched before single words; a word with hyphens not found whole
# is translated part by part ("niet-EER-studenten").
_GLOSSARIES = {
    "nl": _load_glossary("glossary-nl-en.csv", "dutch"),
    # French, Belgium's other national language: its questions are read as English search terms
    # too (the answer is in English, opened by the note on the served languages).
    "fr": _load_glossary("glossary-fr-en.csv", "french"),
}
_LONGEST_PHRASE = max(len(key.split()) for glossary in _GLOSSARIES.values() for key in glossary)
# French elision: "l'admission", "d'inscription" are two words.
_ELISION = re.compile(r"^(?:[ldjmnsc]|qu)['’](?=\w)", re.IGNORECASE)
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


def to_english(text: str, source: str = "nl") -> str:
    """Rewrite a Dutch (or, with ``source="fr"``, a French) question as English search terms
    from the glossary.

    Names (runs of capitalised words) and unknown words are kept as they are; punctuation is
    dropped. Meant for text that ``detect_language`` calls Dutch, or that ``unserved_language``
    calls French.
    """
    glossary = _GLOSSARIES[source]
    tokens = [word.strip(_EDGE_PUNCTUATION) for word in text.split()]
    if source == "fr":
        tokens = [part for token in tokens for part in _elided(token)]
    tokens = [token for token in tokens if token]
    names = _name_flags(text, tokens, glossary)
    out: list[str] = []
    expansions: set[str] = set()
    i = 0
    while i < len(tokens):
        if names[i]:
            out.append(tokens[i])
            i += 1
            continue
        span, english = _translate_at(tokens, names, i, glossary, source)
        i += span
        if not english or english in expansions or (out and out[-1] == english):
            continue
        if " " in english:
            expansions.add(english)  # "tuition fee" once, however many words ask for it
        out.append(english)
    return " ".join(out)


def _elided(token: str) -> list[str]:
    """'d'inscription' -> ["d'", 'inscription']."""
    match = _ELISION.match(token)
    if match is None:
        return [token]
    return [token[: match.end()].replace("’", "'"), token[match.end() :]]


def _name_flags(text: str, tokens: list[str], glossary: dict[str, str]) -> list[bool]:
    """Which tokens belong to a name of two or more words, or are codes such as "H03I2A"."""
    name_words = {word for word, is_name in _tokens(text) if is_name}
    flags = [token in name_words for token in tokens]
    for i, token in enumerate(tokens):
        if not flags[i]:
            continue
        neighbours = [flags[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
        if not any(neighbours) and _fold(token.lower()) in glossary:
            flags[i] = False  # a single capitalised glossary word: "Engels", "EER", "België"
    return flags


def _translate_at(
    tokens: list[str], names: list[bool], i: int, glossary: dict[str, str], source: str
) -> tuple[int, str]:
    """The number of tokens consumed at ``i`` and their English rendering."""
    for size in range(min(_LONGEST_PHRASE, len(tokens) - i), 1, -1):
        if any(names[i : i + size]):
            continue
        phrase = _fold(" ".join(tokens[i : i + size]).lower()).replace("' ", "'")
        if phrase in glossary:
            return size, glossary[phrase]
    if source != "nl":
        word = _fold(tokens[i].lower())
        return 1, glossary.get(word, tokens[i])
    return 1, _translate_word(tokens[i])


def _translate_word(token: str) -> str:
    word = _fold(token.lower())
    if word in _GLOSSARIES["nl"]:
        return _GLOSSARIES["nl"][word]
    if "-" in word:
        parts = word.split("-")
        if parts[0] == "niet" and len(parts) > 1:
            rest = "-".join(token.split("-")[1:])
            return "non-" + _translate_word(rest)
        if any(part in _GLOSSARIES["nl"] for part in parts):
            pieces = [_translate_word(piece) for piece in token.split("-")]
            return " ".join(piece for piece in pieces if piece)
    for ending, english in _COMPOUND_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 3:
            return english
    return token


def _fold(word: str) -> str:
    """Accents off, so "België" and "Belgie" look the same up."""
    return word.translate(_ACCENTS)


_ACCENTS = str.maketrans("áàâäéèêëíìîïóòôöúùûüç’", "aaaaeeeeiiiioooouuuuc'")
