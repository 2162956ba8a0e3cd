"""Tables shipped as data in ``assistant/data/``, read once at import and checked row by row.

A table is a UTF-8 CSV file whose first line names its columns. Lines starting with ``#`` are
comments and blank lines are skipped. A table of entries whose values are patterns or several
lines (intents, phrases) is a YAML list of mappings instead. Anything malformed raises
``DataTableError`` naming the file and the line, so a bad edit stops the assistant at start-up
rather than changing answers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

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
    reader = csv.reader(_without_comments(_read_text(path)))
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


@dataclass(frozen=True)
class Entry:
    """One entry of a list in a YAML file: its values by key, and the lines they stand on."""

    path: Path
    line: int
    name: str  # how errors name the entry: its `name`, else its place in the list
    values: dict[str, object]
    lines: dict[str, int]

    def error(self, reason: str, key: str | None = None) -> DataTableError:
        line = self.lines.get(key, self.line) if key else self.line
        return DataTableError(self.path, line, f"{self.name}: {reason}")

    def text(self, key: str) -> str:
        """The value, which must be a non-empty string."""
        value = self.values[key]
        if not isinstance(value, str) or not value:
            raise self.error(f"{key} must be a non-empty string", key)
        return value

    def flag(self, key: str) -> bool:
        value = self.values[key]
        if not isinstance(value, bool):
            raise self.error(f"{key} must be true or false", key)
        return value

    def pattern(self, key: str, placeholders: Mapping[str, str] | None = None) -> re.Pattern[str]:
        """The value as a case-insensitive regular expression: a string, or a list of strings
        joined without a separator, whose ``{NAME}`` placeholders stand for other patterns."""
        value = self.values[key]
        if isinstance(value, list) and value and all(isinstance(p, str) for p in value):
            value = "".join(value)
        if not isinstance(value, str) or not value:
            raise self.error(f"{key} must be a pattern or a list of pattern lines", key)
        known = placeholders or {}

        def substitute(match: re.Match[str]) -> str:
            if match[1] not in known:
                raise self.error(f"{key} uses the unknown placeholder {match[0]}", key)
            return known[match[1]]

        text = _PLACEHOLDER.sub(substitute, value)
        try:
            return re.compile(text, re.IGNORECASE)
        except re.error as exc:
            raise self.error(f"{key} is not a valid pattern ({exc}): {value}", key) from exc


_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z_]*)\}")


def read_entries(
    name: str, keys: Sequence[str], section: str | None = None, data_dir: Path = DATA_DIR
) -> list[Entry]:
    """The entries of the list in ``data_dir/name`` (under ``section`` when the file has
    several), each having exactly ``keys``."""
    path = data_dir / name
    document = _yaml_document(path)
    if section is not None:
        pairs = document.value if isinstance(document, yaml.MappingNode) else []
        found = [value for key, value in pairs if key.value == section]
        if not found:
            raise DataTableError(path, 0, f"has no section {section!r}")
        document = found[0]
    if not isinstance(document, yaml.SequenceNode):
        where = f"{section} " if section else ""
        raise DataTableError(path, document.start_mark.line + 1, f"{where}must be a list")
    return [_entry(path, node, index, keys) for index, node in enumerate(document.value, 1)]


def read_lists(name: str, data_dir: Path = DATA_DIR) -> dict[str, tuple[str, ...]]:
    """The YAML mapping in ``data_dir/name`` of names to lists of strings, each name once."""
    path = data_dir / name
    document = _yaml_document(path)
    if not isinstance(document, yaml.MappingNode):
        raise DataTableError(path, document.start_mark.line + 1, "must map names to lists")
    lists: dict[str, tuple[str, ...]] = {}
    for key, value in document.value:
        line, given = key.start_mark.line + 1, str(key.value)
        if given in lists:
            raise DataTableError(path, line, f"{given!r} is given twice")
        items = value.value if isinstance(value, yaml.SequenceNode) else None
        if not items or not all(_is_text(item) for item in items):
            raise DataTableError(path, line, f"{given!r} must map to a list of texts")
        lists[given] = tuple(str(item.value) for item in items)
    return lists


def _is_text(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataTableError(path, 0, f"cannot be read: {exc}") from exc


def _yaml_document(path: Path) -> yaml.Node:
    try:
        document = _composed(_read_text(path))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise DataTableError(path, line, f"is not valid YAML: {exc.problem}") from exc
    if document is None:
        raise DataTableError(path, 0, "is empty")
    return document


@lru_cache(maxsize=8)
def _composed(text: str) -> yaml.Node | None:
    """The YAML text as nodes, parsed once however many sections of a file are read (the nodes
    are only read, never changed)."""
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _entry(path: Path, node: yaml.Node, index: int, keys: Sequence[str]) -> Entry:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise DataTableError(path, line, f"entry {index} must be a mapping of {', '.join(keys)}")
    constructor = yaml.SafeLoader("")
    values = {str(k.value): constructor.construct_object(v, deep=True) for k, v in node.value}
    lines = {str(k.value): v.start_mark.line + 1 for k, v in node.value}
    given = values.get("name")
    entry = Entry(
        path, line, repr(given) if isinstance(given, str) else f"entry {index}", values, lines
    )
    for key in values:
        if key not in keys:
            raise entry.error(f"unknown key {key!r}; expected {', '.join(keys)}", key)
    missing = [key for key in keys if key not in values]
    if missing:
        raise entry.error(f"missing {', '.join(missing)}")
    return entry
