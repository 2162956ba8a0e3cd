"""The fixed wordings of answers in English and Dutch, read once at import from
``assistant/data/phrases.yaml``; every phrase has both, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

from assistant.tables import DATA_DIR, Entry, read_entries

PHRASES_FILE = "phrases.yaml"
LANGUAGES = ("en", "nl")


class Phrasebook:
    """The phrases of one section of the file, by name and language."""

    def __init__(self, section: str, data_dir: Path = DATA_DIR) -> None:
        self._wordings: dict[str, dict[str, str]] = {}
        for entry in read_entries(PHRASES_FILE, ("name", *LANGUAGES), section, data_dir):
            name = entry.text("name")
            if name in self._wordings:
                raise entry.error("is given twice", "name")
            self._wordings[name] = _wordings(entry)

    def __call__(self, language: str, phrase: str, /, **values: str) -> str:
        """The phrase in ``language`` (English for a language it is not given in), filled in."""
        wordings = self._wordings[phrase]
        return wordings.get(language, wordings["en"]).format(**values)


def _wordings(entry: Entry) -> dict[str, str]:
    wordings = {language: entry.text(language) for language in LANGUAGES}
    fields = {language: _fields(entry, language) for language in LANGUAGES}
    if fields["en"] != fields["nl"]:
        en, nl = (", ".join(sorted(fields[lang])) or "none" for lang in LANGUAGES)
        raise entry.error(f"en and nl must use the same placeholders; en uses {en}, nl uses {nl}")
    return wordings


def _fields(entry: Entry, language: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(entry.text(language)))
    except ValueError as exc:
        raise entry.error(f"{language} is not a valid wording ({exc})", language) from exc
    return {field for _, field, _, _ in parsed if field is not None}


ANSWERS = Phrasebook("answer")
SITUATION = Phrasebook("situation")
SMALL_TALK = Phrasebook("small_talk")
EMAIL = Phrasebook("email")
