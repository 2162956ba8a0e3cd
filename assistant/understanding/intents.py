"""What a question can ask: the intents, the question words that pick one, and the words
applicants use for what the documents call otherwise.

The tables are data (``assistant/data/intents.yaml`` and ``thesaurus.yaml``), read once at import;
a malformed entry stops the assistant at start-up with the file and line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.tables import DATA_DIR, read_entries

INTENTS_FILE = "intents.yaml"
THESAURUS_FILE = "thesaurus.yaml"


@dataclass(frozen=True)
class Intent:
    """A kind of question: words that ask it, and text that can answer it."""

    name: str
    asks: re.Pattern[str]
    answers: re.Pattern[str]
    strict: bool  # when no sentence of the programme matches `answers`, the documents are silent
    label_en: str
    label_nl: str


def load_intents(data_dir: Path = DATA_DIR) -> tuple[Intent, ...]:
    """The intents, in the order they are reported."""
    placeholders = _placeholders(data_dir)
    intents: list[Intent] = []
    keys = ("name", "asks", "answers", "strict", "label_en", "label_nl")
    for entry in read_entries(INTENTS_FILE, keys, "intents", data_dir):
        name = entry.text("name")
        if any(intent.name == name for intent in intents):
            raise entry.error("is given twice", "name")
        intents.append(
            Intent(
                name,
                entry.pattern("asks", placeholders),
                entry.pattern("answers", placeholders),
                entry.flag("strict"),
                entry.text("label_en"),
                entry.text("label_nl"),
            )
        )
    return tuple(intents)


def load_focus(
    intents: tuple[Intent, ...], data_dir: Path = DATA_DIR
) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The question words that decide which intent is wanted, first match first."""
    placeholders = _placeholders(data_dir)
    names = [intent.name for intent in intents]
    focus: list[tuple[re.Pattern[str], str]] = []
    for entry in read_entries(INTENTS_FILE, ("intent", "asks"), "focus", data_dir):
        name = entry.text("intent")
        if name not in names:
            raise entry.error(f"intent {name!r} is not one of the intents", "intent")
        focus.append((entry.pattern("asks", placeholders), name))
    return tuple(focus)


def load_thesaurus(data_dir: Path = DATA_DIR) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Patterns of applicants' words, each with the documents' words it adds to a search."""
    entries = read_entries(THESAURUS_FILE, ("pattern", "adds"), data_dir=data_dir)
    return tuple((entry.pattern("pattern"), entry.text("adds")) for entry in entries)


def _placeholders(data_dir: Path) -> dict[str, str]:
    entries = read_entries(INTENTS_FILE, ("name", "pattern"), "placeholders", data_dir)
    return {entry.text("name"): entry.pattern("pattern").pattern for entry in entries}


INTENTS = load_intents()
INTENTS_BY_NAME = {intent.name: intent for intent in INTENTS}
# The question word decides what kind of answer is wanted, when the question asks several things.
FOCUS = load_focus(INTENTS)
# The documents' word is added to the search text (never replacing the user's), so both
# retrievers can find it.
THESAURUS = load_thesaurus()
