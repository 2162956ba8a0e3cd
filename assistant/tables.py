"""Tables shipped as data in ``assistant/data/``, read once at import and checked row by row.

A table is a UTF-8 CSV file whose first line names its columns. Lines starting with ``#`` are
comments and blank lines are skipped. Anything malformed raises ``DataTableError`` naming the
file and the line, so a bad edit stops the assistant at start-up rather than changing answers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import DataTableError

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Row:
    """One data row of a table: its cells by column name, and where it stands in the file."""

    path: Path
    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]

    def error(self, reason: str) -> DataTableError:
        return DataTableError(self.path, self.line, reason)

    def choice(self, column: str, allowed: Sequence[str]) -> str:
        """The cell, which must be one of ``allowed``."""
        value = self.cells[column]
        if value not in allowed:
            expected = ", ".join(repr(option) for option in allowed)
            raise self.error(f"{column} is {value!r}; expected one of {expected}")
        return value

    def required(self, column: str) -> str:
        value = self.cells[column]
        if not value:
            raise self.error(f"{column} is empty")
        return value


def read_table(name: str, columns: Sequence[str], data_dir: Path = DATA_DIR) -> list[Row]:
    """The rows of ``data_dir/name``, whose header must be exactly ``columns``."""
    path = data_dir / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataTableError(path, 0, f"cannot be read: {exc}") from exc
    reader = csv.reader(_without_comments(text))
    header = next((cells for cells in reader if cells), None)
    if header is None or [cell.strip() for cell in header] != list(columns):
        line = reader.line_num if header is not None else 0
        raise DataTableError(path, line, f"the header must be {','.join(columns)}")
    rows: list[Row] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            reason = f"{len(cells)} cells; expected {len(columns)} ({','.join(columns)})"
            raise DataTableError(path, reader.line_num, reason)
        values = {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}
        rows.append(Row(path, reader.line_num, values))
    return rows


def _without_comments(text: str) -> Iterator[str]:
    """The lines of ``text`` with comments blanked, so the reader's line numbers stay true."""
    for line in text.splitlines(keepends=True):
        yield "\n" if line.lstrip().startswith("#") else line
