"""Data tables in assistant/data/: read with their line numbers, and a bad row named exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigurationError, DataTableError
from assistant.tables import DATA_DIR, read_table


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
        ("countries.csv", 9, 199),
        ("glossary-nl-en.csv", 2, 259),
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
