"""How an answer is judged against a case: text matching, the pass rules, verbatim quotes.

Matching rules (both the answer and every alternative go through ``normalise``):

* Case is ignored, every run of whitespace (including no-break and thin spaces) is one space,
  typographic dashes and quotes are their ASCII forms.
* Thousands separators are dropped: a leading group of one to three digits followed by groups of
  exactly three digits, all separated by the same ``,`` or space, is one number
  (``4,400`` = ``4 400`` = ``4400``; ``14,55,250`` and ``2025 500`` are left alone). A dot is
  never read as a thousands separator: ``10.000`` and ``6.0`` stay as written.
* Zero cents are dropped: ``€18,016.00`` = ``€18016``.
* Ordinal suffixes after a number are dropped: ``1st March`` = ``1 March``.
* An alternative that starts (ends) with a digit matches only where that digit starts (ends) a
  whole number token, a token being digits with at most one decimal part: ``40`` does not match
  inside ``400`` or ``4400``, and ``6`` does not match ``6.0`` or ``6.5`` (``6`` and ``6.0`` are
  different tokens), while ``6`` does match ``6.`` at the end of a sentence.
* Any other alternative matches as a plain substring (``june`` matches ``1 June 2025``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.answering.answer import Citation
from eval.cases import Expect

logger = logging.getLogger(__name__)

_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    }
)
_WHITESPACE = re.compile(r"\s+")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")
_GROUPED_NUMBER = re.compile(r"(?<!\d)(?<!\d[.,])\d{1,3}(?P<sep>[, ])\d{3}(?:(?P=sep)\d{3})*(?!\d)")
_ZERO_CENTS = re.compile(r"(?<=\d)[.,]00(?!\d)")
_DECIMAL_MARKS = ".,"
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def normalise(text: str) -> str:
    """The form in which answers and expected strings are compared (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold()
    text = _WHITESPACE.sub(" ", text).strip()
    text = _ORDINAL.sub("", text)
    text = _GROUPED_NUMBER.sub(lambda match: re.sub(r"[, ]", "", match.group(0)), text)
    return _ZERO_CENTS.sub("", text)


def contains(text: str, alternative: str) -> bool:
    """Whether ``alternative`` appears in ``text`` under the matching rules."""
    needle = normalise(alternative)
    if not needle:
        return False
    haystack = normalise(text)
    start = haystack.find(needle)
    while start != -1:
        if _is_whole_number_match(haystack, start, start + len(needle)):
            return True
        start = haystack.find(needle, start + 1)
    return False


def _is_whole_number_match(haystack: str, start: int, end: int) -> bool:
    """A match whose first (last) character is a digit must not continue a number outward."""
    if haystack[start].isdigit() and start > 0:
        before = haystack[start - 1]
        if before.isdigit():
            return False
        if before in _DECIMAL_MARKS and start > 1 and haystack[start - 2].isdigit():
            return False
    if haystack[end - 1].isdigit() and end < len(haystack):
        after = haystack[end]
        if after.isdigit():
            return False
        if after in _DECIMAL_MARKS and end + 1 < len(haystack) and haystack[end + 1].isdigit():
            return False
    return True


def first_match(text: str, alternatives: Sequence[str]) -> str | None:
    return next((alt for alt in alternatives if contains(text, alt)), None)


@dataclass(frozen=True)
class Outcome:
    """What the assistant produced for one case, in the form the judge reads."""

    text: str
    answered: bool
    clarification: bool = False
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[str, ...] = ()
    error: str | None = None  # "ExceptionType: message" when the call raised
    gaps: int = 0  # questions of the message the reply marks as not answered by the documents
    small_talk: bool = False  # a reply to a greeting or a thank-you

    @property
    def declined(self) -> bool:
        """Refused to answer: not answered, not a clarifying question, not a crash."""
        return not self.answered and not self.clarification and self.error is None


@dataclass(frozen=True)
class Verdict:
    passed: bool
    why: str = ""  # the first rule that failed; empty when passed


@dataclass(frozen=True)
class Reference:
    """The corpus as the judge sees it: texts for verbatim quotes, names of the programmes."""

    texts: Mapping[str, str] = field(default_factory=dict)  # doc id -> whitespace-normalised
    programme_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # id -> keys

    def is_verbatim(self, citation: Citation) -> bool:
        """The quote appears in ``corpus/<source>.md`` once whitespace runs are one space."""
        quote = collapse_whitespace(citation.quote).strip()
        document = self.texts.get(citation.source)
        return bool(quote) and document is not None and quote in document

    def named_programmes(self, text: str) -> list[str]:
        """Ids of the programmes whose id, title, programme name or an alias the text mentions,
        with or without a trailing parenthesis such as "(Leuven)"."""
        padded = f" {name_key(text)} "
        return [
            doc_id
            for doc_id, names in self.programme_names.items()
            if any(f" {name} " in padded for name in names)
        ]


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text)


def name_key(text: str) -> str:
    """Programme names compare on lower-case words: punctuation and spacing are ignored."""
    folded = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY).casefold()
    return " ".join(re.findall(r"\w+", folded))


def load_reference(corpus_dir: str | Path) -> Reference:
    """Read every ``*.md`` in the corpus folder; programmes are the documents of kind programme."""
    texts: dict[str, str] = {}
    programme_names: dict[str, tuple[str, ...]] = {}
    for path in sorted(Path(corpus_dir).glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        texts[path.stem] = collapse_whitespace(raw)
        meta = _front_matter(raw, path)
        if meta.get("kind", "programme") == "programme":
            programme_names[path.stem] = _names(path.stem, meta)
    if not texts:
        logger.warning(
            "no corpus documents in %s: every citation will count as invalid", corpus_dir
        )
    return Reference(texts=texts, programme_names=programme_names)


def _front_matter(raw: str, path: Path) -> dict[str, Any]:
    if not raw.startswith("---"):
        return {}
    parts = raw.split("\n---", 1)
    try:
        meta = yaml.safe_load(parts[0].removeprefix("---"))
    except yaml.YAMLError as exc:
        logger.warning("%s: unreadable front matter (%s)", path, exc)
        return {}
    return meta if isinstance(meta, dict) else {}


def _names(doc_id: str, meta: Mapping[str, Any]) -> tuple[str, ...]:
    candidates = [doc_id, meta.get("id"), meta.get("title"), meta.get("programme")]
    aliases = meta.get("aliases")
    if isinstance(aliases, list):
        candidates.extend(aliases)
    names = [name for name in candidates if isinstance(name, str)]
    names += [_TRAILING_PARENTHESIS.sub("", name) for name in names]  # "... (Leuven)"
    keys = {name_key(name) for name in names}
    return tuple(sorted(key for key in keys if key))


def judge(expect: Expect, outcome: Outcome, reference: Reference) -> Verdict:
    """Apply the pass rules; ``why`` names the first one that failed."""
    if outcome.error is not None:
        return Verdict(False, f"error: {outcome.error}")
    if expect.refuse:
        return _judge_refusal(expect, outcome)
    if expect.small_talk:
        if outcome.small_talk:
            return Verdict(True)
        return Verdict(False, "small talk answered as a question")
    if outcome.clarification:
        if not expect.clarify_ok:
            return Verdict(False, "asked for clarification but should answer")
        named = reference.named_programmes(outcome.text)
        if len(named) < 2:
            return Verdict(
                False, f"clarification names {len(named)} candidate programmes {named}, needs 2"
            )
        return Verdict(True)
    if not outcome.answered:
        return Verdict(False, "declined but should answer")
    for group in expect.facts:
        if first_match(outcome.text, group) is None:
            return Verdict(False, f"missing fact {list(group)}")
    forbidden = first_match(outcome.text, expect.forbid)
    if forbidden is not None:
        return Verdict(False, f"forbidden {forbidden!r} present")
    if expect.sources:
        cited = list(dict.fromkeys(citation.source for citation in outcome.citations))
        if not set(cited) & set(expect.sources):
            shown = ", ".join(cited) if cited else "nothing"
            return Verdict(False, f"cited {shown}, expected one of {list(expect.sources)}")
    if expect.gaps and not outcome.gaps:
        return Verdict(
            False, f"{expect.gaps} question(s) not answered by the documents, none marked"
        )
    return Verdict(True)


def _judge_refusal(expect: Expect, outcome: Outcome) -> Verdict:
    if outcome.clarification:
        return Verdict(False, "asked for clarification but should decline")
    if outcome.answered:
        return Verdict(False, "answered but should decline")
    forbidden = first_match(outcome.text, expect.forbid)
    if forbidden is not None:
        return Verdict(False, f"forbidden {forbidden!r} present")
    return Verdict(True)
