"""The fixed wordings in assistant/data/phrases.yaml: both languages, the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import phrases
from assistant.errors import DataTableError
from assistant.phrases import PHRASES_FILE, Phrasebook


def _phrasebook(tmp_path: Path, entries: str) -> Phrasebook:
    (tmp_path / PHRASES_FILE).write_text(f"# wordings\nanswer:\n{entries}", encoding="utf-8")
    return Phrasebook("answer", tmp_path)


def test_a_phrase_is_filled_in_its_language_and_in_english_for_others(tmp_path: Path) -> None:
    book = _phrasebook(tmp_path, "  - name: hi\n    en: 'Dear {name},'\n    nl: 'Beste {name},'\n")
    assert book("nl", "hi", name="Ana") == "Beste Ana,"
    assert book("fr", "hi", name="Ana") == "Dear Ana,"


def test_a_phrase_missing_a_language_names_the_file_line_and_phrase(tmp_path: Path) -> None:
    with pytest.raises(DataTableError) as caught:
        _phrasebook(tmp_path, "  - name: hi\n    en: 'Hello!'\n  - name: bye\n    en: 'Bye!'\n")
    assert str(caught.value) == f"{tmp_path / PHRASES_FILE}:3: 'hi': missing nl"


def test_placeholders_differing_between_languages_are_named(tmp_path: Path) -> None:
    entries = "  - name: hi\n    en: 'Dear {name},'\n    nl: 'Beste {naam},'\n"
    with pytest.raises(DataTableError) as caught:
        _phrasebook(tmp_path, entries)
    assert str(caught.value) == (
        f"{tmp_path / PHRASES_FILE}:3: 'hi': en and nl must use the same placeholders; "
        "en uses name, nl uses naam"
    )


def test_an_empty_wording_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(
        DataTableError, match=r"phrases\.yaml:5: 'hi': nl must be a non-empty string$"
    ):
        _phrasebook(tmp_path, "  - name: hi\n    en: 'Hello!'\n    nl: ''\n")


def test_a_phrase_given_twice_is_named(tmp_path: Path) -> None:
    entries = "  - name: hi\n    en: 'a'\n    nl: 'b'\n  - name: hi\n    en: 'c'\n    nl: 'd'\n"
    with pytest.raises(DataTableError, match=r"phrases\.yaml:6: 'hi': is given twice$"):
        _phrasebook(tmp_path, entries)


def test_the_shipped_phrases_keep_their_spaces_and_line_breaks() -> None:
    assert phrases.ANSWERS("en", "covers", questions="“Q?”") == (
        " They do answer questions such as “Q?”"
    )
    assert phrases.SMALL_TALK("nl", "hello") == "Hallo! "
    assert phrases.EMAIL("en", "sign_off") == "Kind regards,\nThe admissions team"
    assert phrases.EMAIL("nl", "greeting_name", name="Ana") == "Beste Ana,"
