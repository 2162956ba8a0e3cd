"""How people name the programmes: each document's aliases and distinctive words, and which
documents a text names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from assistant.tables import read_table
from assistant.understanding.applicant import detect_situation
from assistant.understanding.words import GENERIC_WORDS, content_terms, stems, tokenize


@dataclass(frozen=True)
class ProgrammeNames:
    """How people name each document: its aliases and the title words no other title has."""

    phrases: Mapping[str, tuple[str, ...]]  # doc id -> lower-case alias phrases
    words: Mapping[str, Mapping[str, float]]  # doc id -> its name's words, each with its weight
    # doc id -> the words only its institution's documents use
    institutions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)  # doc id -> its text, lower-cased


def programme_names(
    documents: Mapping[str, Mapping[str, str]], texts: Mapping[str, str] | None = None
) -> ProgrammeNames:
    """How each document is named: its aliases, and the words of its names, weighed by how few
    names share them. A title word that another document's text also uses ("research", "group",
    "certificate") weighs half."""
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
    institutions = {
        doc_id: tuple(w for w in content_terms(meta.get("institution", "")) if len(w) > 2)
        for doc_id, meta in documents.items()
    }
    own_names = {  # words only the documents of institutions that bear them use: "Leiden", "LUMC"
        doc_id: tuple(
            w
            for w in words
            if w not in GENERIC_WORDS
            and not any(
                w in title_words[other] for other in documents if w not in institutions[other]
            )
        )
        for doc_id, words in institutions.items()
    }
    weighted = {
        doc_id: {
            # a word of one name alone weighs 1; shared by k names, 1/k; used in another
            # document's text ("research", "group"), half that. The institution's own name
            # ("Leiden") counts through the institution rule of detect_programmes instead.
            w: (1 / counts[w]) * (0.5 if any(w in used[d] for d in used if d != doc_id) else 1)
            for w in sorted(words)
            if w not in own_names[doc_id]
        }
        for doc_id, words in title_words.items()
    }
    lowered = {doc_id: " ".join(text.lower().split()) for doc_id, text in (texts or {}).items()}
    return ProgrammeNames(phrases, weighted, own_names, lowered)


_ABBREVIATIONS = (
    (re.compile(r"\bpostgrads?\b", re.IGNORECASE), "postgraduate"),
    (re.compile(r"\bbiomed\b", re.IGNORECASE), "biomedical"),
    (re.compile(r"\bunis?\b", re.IGNORECASE), "university"),
    (re.compile(r"\bmasters\b", re.IGNORECASE), "master"),
    (re.compile(r"\bdept\b", re.IGNORECASE), "department"),
    (re.compile(r"\bexams?\b", re.IGNORECASE), "examination"),
)


_PLACES = tuple(
    (re.compile(rf"\b{re.escape(row.required('written'))}\b", re.IGNORECASE), row.required("name"))
    for row in read_table("place-names.csv", ["name", "written"])
)


def spelled_out(text: str) -> str:
    """Short forms applicants write ("biomed", "postgrad") and cities in another language or
    misspelt ("Gent", "Lueven") as the documents spell them."""
    for pattern, full in (*_ABBREVIATIONS, *_PLACES):
        text = pattern.sub(full, text)
    return text


def detect_programmes(text: str, names: ProgrammeNames, minimum: float = 1) -> tuple[str, ...]:
    """Documents the text names: a full alias (or all its words) counts most, then the words of
    a name, each weighing less the more names share it (so a new document lowers a shared word's
    weight for all alike instead of taking a programme's name away); a named institution rules
    out the others' documents, and alone names its own (several: each of them); failing all
    that, a name only one document uses names it."""
    text = spelled_out(text)
    lowered = " " + " ".join(tokenize(text.replace("'s ", " "))) + " "
    tokens = set(tokenize(text))
    scores: dict[str, float] = {}
    named = {
        doc_id
        for doc_id, phrases in names.phrases.items()
        if any(f" {' '.join(tokenize(p))} " in lowered for p in phrases)
    }
    in_full = set(named)  # each named in so many words ("the Leiden ... master and the BME ...")
    if not named:  # "the biomedical sciences master": a name in other words' order
        said = set(stems(text))
        named = {
            doc_id
            for doc_id, phrases in names.phrases.items()
            if any(len(stems(p)) > 1 and set(stems(p)) <= said for p in phrases)
        }
    named_institution = {d for d, words in names.institutions.items() if tokens & set(words)}
    for doc_id in names.phrases:
        weights = names.words[doc_id]
        score = 3 * (doc_id in named) + sum(weights[w] for w in sorted(tokens) if w in weights)
        if score and doc_id in named_institution:
            score += 1  # "the Leiden research master": the institution and a word of the name
        if score:
            scores[doc_id] = score
    if named_institution and (named_institution & set(scores) or not named):
        # "research at KU Leuven" is not about Leiden's research specialisation; but an
        # institution none of whose programmes is named may be the asker's own ("the BME
        # postgrad? I studied at Ghent")
        scores = {d: s for d, s in scores.items() if d in named_institution}
        if not scores and _names_only_its_own(tokens, named_institution, names):
            # "Is the Leiden deadline fixed yet?": the institution's programmes, each of them
            scores = {d: 1.0 for d in names.phrases if d in named_institution}
    if len(in_full & set(scores)) > 1:  # programmes named in full are all meant
        return tuple(d for d in _by_score(scores) if d in in_full)
    best = max(scores.values(), default=0.0)
    top = [d for d, s in scores.items() if s == best] if best >= minimum else []
    if len(top) != 1:
        # a name only one document uses ("the Biomedical Library") names it, or the one of
        # several equally named ("... the cluster Biomedical Information Technology ...")
        for name in proper_names(text):
            holders = [d for d in top or names.texts if name.lower() in names.texts.get(d, "")]
            if len(name.split()) > 1 and len(holders) == 1:
                return (holders[0],)
    if not top and minimum <= 1:
        return _named_together(tokens, names, named_institution)
    return tuple(top)


def _by_score(scores: dict[str, float]) -> list[str]:
    """The documents scored, the highest first; equal scores in the corpus's order (``scores``
    is built in it), so the same words name the same programmes first in every process."""
    return sorted(scores, key=lambda d: -scores[d])


GROUP_SIZE = 3  # at most this many programmes are named together by the words they share


def _named_together(
    tokens: set[str], names: ProgrammeNames, institutions: set[str]
) -> tuple[str, ...]:
    """ "the LLM", "the summer school", "the sustainable energy master": words of several
    programmes' names, none of them a name of its own, name all the programmes whose names have
    every one of them (a few at most; then which one is meant is asked)."""
    said = {w for w in tokens if any(w in words for words in names.words.values())}
    if not said:
        return ()
    group = sorted(
        d
        for d, words in names.words.items()
        if said <= set(words) and (not institutions or d in institutions)
    )
    return tuple(group) if 2 <= len(group) <= GROUP_SIZE else ()


def _names_only_its_own(tokens: set[str], named: set[str], names: ProgrammeNames) -> bool:
    """Whether the institution words said ("Leiden") name only these documents' institution:
    no other document uses them ("center", of "Leiden University Medical Center", is in others'
    texts: "is there a clinical trial center?" names no institution)."""
    said = {w for d in named for w in names.institutions.get(d, ()) if w in tokens}
    others = [body for d, body in names.texts.items() if d not in named]
    return len(named) < len(names.phrases) and not any(
        re.search(rf"\b{re.escape(w)}\b", body) for w in said for body in others
    )


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
