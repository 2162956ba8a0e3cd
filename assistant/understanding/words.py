"""The words of a text as the assistant compares them: tokens, content words and stems, and the
words too common to name a topic."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Short forms written with dots read as one word: "LL.M." is "llm", "M.Sc." "msc", "Ph.D." "phd".
_DOTTED = re.compile(r"(?<![\w.@-])(?:[a-z]{1,2}\.){1,3}[a-z]{1,2}\b\.?")


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


_AMERICAN = re.compile(r"(?<=[a-z]{4})is(?=(e|es|ed|ing|ation|ations)\b)")  # specialise, -ize


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated words are kept and also split (non-eea -> non, eea)."""
    tokens: list[str] = []
    lowered = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text.lower())
    lowered = lowered.replace("e-mail", "email")
    for word in _WORD.findall(_AMERICAN.sub("iz", lowered)):
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
    applying applied application credit credits ects
    """.split()  # noqa: SIM905 - a word list reads best as text
)
