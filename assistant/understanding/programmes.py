"""How people name the programmes: each document's aliases and distinctive words, and which
documents a text names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.understanding.applicant import detect_situation
from assistant.understanding.words import GENERIC_WORDS, content_terms, stems, tokenize


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
        # a name is matched as applicants' short forms are read ("BME postgrad" is "BME
        # postgraduate" once the question's "postgrad" is spelled out)
        variants |= {spelled_out(n) for n in variants}
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
    (re.compile(r"\bpostgrads?\b", re.IGNORECASE), "postgraduate"),
    (re.compile(r"\bbiomed\b", re.IGNORECASE), "biomedical"),
    (re.compile(r"\bunis?\b", re.IGNORECASE), "university"),
    (re.compile(r"\bmasters\b", re.IGNORECASE), "master"),
    (re.compile(r"\bdept\b", re.IGNORECASE), "department"),
    (re.compile(r"\bexams?\b", re.IGNORECASE), "examination"),
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
