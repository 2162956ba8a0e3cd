"""Data tables in assistant/data/: read with their line numbers, and a bad row or entry named
exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import ConfigurationError, DataTableError
from assistant.tables import DATA_DIR, read_entries, read_lists, read_table
from assistant.understanding.intents import (
    FOCUS,
    INTENTS,
    INTENTS_BY_NAME,
    INTENTS_FILE,
    THESAURUS,
    load_focus,
    load_intents,
)


def _table(tmp_path: Path, text: str) -> Path:
    (tmp_path / "t.csv").write_text(text, encoding="utf-8")
    return tmp_path


def test_rows_keep_their_line_numbers_past_comments_and_blank_lines(tmp_path: Path) -> None:
    data_dir = _table(tmp_path, "# a comment, with a comma\nword,weight\n\nthe,2\n# more\nde,1\n")
    rows = read_table("t.csv", ("word", "weight"), data_dir)
    assert [(row.line, row.cells) for row in rows] == [
        (4, {"word": "the", "weight": "2"}),
        (6, {"word": "de", "weight": "1"}),
    ]


def test_a_row_with_too_few_cells_names_the_file_and_line(tmp_path: Path) -> None:
    data_dir = _table(tmp_path, "word,weight\nthe,2\nde\n")
    with pytest.raises(DataTableError) as caught:
        read_table("t.csv", ("word", "weight"), data_dir)
    assert str(caught.value) == f"{data_dir / 't.csv'}:3: 1 cells; expected 2 (word,weight)"
    assert isinstance(caught.value, ConfigurationError)


def test_a_wrong_header_names_the_columns_expected(tmp_path: Path) -> None:
    data_dir = _table(tmp_path, "# words\nword,language\n")
    with pytest.raises(DataTableError, match=r"t\.csv:2: the header must be word,weight$"):
        read_table("t.csv", ("word", "weight"), data_dir)


def test_a_value_outside_its_choices_names_the_line_and_the_choices(tmp_path: Path) -> None:
    (row,) = read_table("t.csv", ("word", "weight"), _table(tmp_path, "word,weight\nthe,3\n"))
    with pytest.raises(DataTableError, match=r"t\.csv:2: weight is '3'; expected one of '1', '2'$"):
        row.choice("weight", ("1", "2"))


def test_a_missing_table_is_reported_by_path(tmp_path: Path) -> None:
    with pytest.raises(DataTableError, match=r"missing\.csv: cannot be read"):
        read_table("missing.csv", ("word",), tmp_path)


@pytest.mark.parametrize(
    ("name", "columns", "rows"),
    [
        ("countries.csv", 11, 199),
        ("email-words.csv", 3, 88),
        ("glossary-nl-en.csv", 2, 278),
        ("language-words.csv", 3, 397),
    ],
)
def test_the_shipped_tables_are_whole(name: str, columns: int, rows: int) -> None:
    header = next(
        line
        for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    )
    table = read_table(name, tuple(header.split(",")))
    assert len(header.split(",")) == columns
    assert len(table) == rows


def _entries(tmp_path: Path, text: str) -> Path:
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_entries_keep_the_lines_of_their_values(tmp_path: Path) -> None:
    data_dir = _entries(
        tmp_path, "# words\nwords:\n  - name: a\n    pattern:\n      - 'x|'\n      - 'y'\n"
    )
    (entry,) = read_entries("t.yaml", ("name", "pattern"), "words", data_dir)
    assert (entry.line, entry.lines) == (3, {"name": 3, "pattern": 5})
    assert entry.pattern("pattern") == re.compile("x|y", re.IGNORECASE)


def test_a_placeholder_stands_for_its_pattern(tmp_path: Path) -> None:
    (entry,) = read_entries(
        "t.yaml", ("pattern",), data_dir=_entries(tmp_path, "- pattern: a{B}\\d{2}\n")
    )
    assert entry.pattern("pattern", {"B": "(?:b|c)"}).pattern == r"a(?:b|c)\d{2}"
    with pytest.raises(
        DataTableError, match=r"t\.yaml:1: entry 1: pattern uses the unknown placeholder \{B\}$"
    ):
        entry.pattern("pattern", {"C": "c"})


def test_an_unknown_or_missing_key_names_the_file_line_and_entry(tmp_path: Path) -> None:
    data_dir = _entries(tmp_path, "- name: a\n  pattern: x\n- name: b\n  patern: x\n")
    with pytest.raises(
        DataTableError, match=r"t\.yaml:4: 'b': unknown key 'patern'; expected name, pattern$"
    ):
        read_entries("t.yaml", ("name", "pattern"), data_dir=data_dir)
    data_dir = _entries(tmp_path, "- name: a\n  pattern: x\n- name: b\n")
    with pytest.raises(DataTableError, match=r"t\.yaml:3: 'b': missing pattern$"):
        read_entries("t.yaml", ("name", "pattern"), data_dir=data_dir)


def test_lists_by_name_read_whole_and_a_bad_one_names_its_line(tmp_path: Path) -> None:
    data_dir = _entries(tmp_path, "doc-a:\n  - What is the fee?\n  - Where?\ndoc-b:\n  - Who?\n")
    assert read_lists("t.yaml", data_dir) == {
        "doc-a": ("What is the fee?", "Where?"),
        "doc-b": ("Who?",),
    }
    data_dir = _entries(tmp_path, "doc-a:\n  - What is the fee?\ndoc-b: Who?\n")
    with pytest.raises(DataTableError, match=r"t\.yaml:3: 'doc-b' must map to a list of texts$"):
        read_lists("t.yaml", data_dir)
    data_dir = _entries(tmp_path, "doc-a:\n  - Who?\ndoc-a:\n  - Where?\n")
    with pytest.raises(DataTableError, match=r"t\.yaml:3: 'doc-a' is given twice$"):
        read_lists("t.yaml", data_dir)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    data_dir = _entries(tmp_path, "- name: a\n  pattern: 'x\n- name: b\n")
    with pytest.raises(DataTableError, match=r"t\.yaml:4: is not valid YAML"):
        read_entries("t.yaml", ("name", "pattern"), data_dir=data_dir)


def test_a_bad_intent_pattern_names_the_file_line_intent_and_error(tmp_path: Path) -> None:
    text = (DATA_DIR / INTENTS_FILE).read_text(encoding="utf-8")
    broken = text.replace(r"asks: '\b(graduation|ceremony", r"asks: '\b((graduation|ceremony", 1)
    assert broken != text
    (tmp_path / INTENTS_FILE).write_text(broken, encoding="utf-8")
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if r"'\b((graduation" in row)
    with pytest.raises(DataTableError) as caught:
        load_intents(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / INTENTS_FILE}:{line}: 'graduation': asks is not a valid pattern "
        r"(missing ), unterminated subpattern at position 2): \b((graduation|ceremony|commencement)\b"
    )


def test_a_focus_on_no_intent_is_named(tmp_path: Path) -> None:
    text = (DATA_DIR / INTENTS_FILE).read_text(encoding="utf-8")
    (tmp_path / INTENTS_FILE).write_text(text.replace("- intent: emphasis", "- intent: emphassis"))
    with pytest.raises(DataTableError, match=r"'emphassis' is not one of the intents$"):
        load_focus(load_intents(tmp_path), tmp_path)


def test_the_shipped_intents_and_thesaurus_are_whole() -> None:
    assert len(INTENTS) == 26 and INTENTS[0].name == "application_fee"
    assert [name for _, name in FOCUS][:3] == ["credits", "duration", "fee"]
    assert len(THESAURUS) == 27 and THESAURUS[-1][1] == "structured around"
    deadline = INTENTS_BY_NAME["deadline"]
    assert deadline.answers.search("apply by 1 March 2026") and deadline.strict


# --------------------------------------------------------------------------- general knowledge only

_STREET = re.compile(
    r"\b([A-Z][a-z]+(?:straat|strasse|straße|burg|laan|weg|plein|gracht|street|road|avenue))"
    r"\s+\d"
)


def _document_names() -> set[str]:
    """Every programme's title, name and aliases, its institution's, and the streets of its
    addresses, for the seeds and the test bed's pages."""
    from assistant.config import PROJECT_ROOT
    from assistant.documents.corpus import load_corpus

    names: set[str] = set()
    for folder in (
        "corpus",
        "eval/testbed",
        "eval/testbed/former-held-out",
        "eval/testbed/held-out",
    ):
        for document in load_corpus(PROJECT_ROOT / folder).documents:
            meta = document.metadata
            aliases = meta.get("aliases", "")
            aliases = aliases.split("|") if isinstance(aliases, str) else list(aliases or [])
            for name in (meta.get("title"), meta.get("programme"), *aliases):
                if name and len(str(name).split()) >= 2:
                    names.add(str(name).lower())
            names.update(street.lower() for street in _STREET.findall(document.page_content))
    return names


def test_the_general_tables_name_no_programme_and_no_address_of_a_document() -> None:
    """Knowledge in assistant/data stays general (applicant categories, intents, phrasings): a
    programme's name or a street of a document there would fit the tables to those documents.
    Per-document settings keyed by document id (suggestions.yaml) are the exception."""
    names = _document_names()
    assert len(names) > 20  # the seeds' and the test bed's names were found
    found = {
        path.name: sorted(n for n in names if re.search(rf"\b{re.escape(n)}\b", text))
        for path in sorted(DATA_DIR.iterdir())
        if path.suffix in (".csv", ".yaml") and path.name != "suggestions.yaml"
        for text in [path.read_text(encoding="utf-8").lower()]
    }
    assert {name: hits for name, hits in found.items() if hits} == {}
