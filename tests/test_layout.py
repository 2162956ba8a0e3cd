"""The package shows the stages a message passes through, and imports flow one way: documents in
-> understanding -> retrieval -> answering -> conversation -> web. A module may import from its
own stage, an earlier one, or the top (config, errors, tables, phrases, database); only the command line
(``assistant.cli``) reaches every stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
STAGES = ("documents", "understanding", "retrieval", "answering", "conversation", "web")
TOP = frozenset({"__init__", "config", "errors", "tables", "phrases", "database"})
ENTRY_POINTS = frozenset({"cli"})
MAX_MODULE_LINES = 400
MAX_PACKAGE_MODULES = 10

MODULES = sorted(PACKAGE.rglob("*.py"))


def dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    """0 for the top, 1.. for the stages in order, one past the last for the command line."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in TOP:
        return 0
    if parts[1] in ENTRY_POINTS:
        return len(STAGES) + 1
    return STAGES.index(parts[1]) + 1


def imported_modules(path: Path) -> set[str]:
    """Every ``assistant`` module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("assistant."))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "assistant":
                found.update(f"assistant.{a.name}" for a in node.names)
            elif node.module.startswith("assistant."):
                found.add(node.module)
    return found


def test_every_module_sits_at_the_top_or_in_a_stage() -> None:
    for path in MODULES:
        module = dotted(path)
        parts = module.split(".")
        assert len(parts) == 1 or parts[1] in (*STAGES, *TOP, *ENTRY_POINTS), module


@pytest.mark.parametrize("path", MODULES, ids=lambda p: dotted(p))
def test_imports_point_only_to_the_same_stage_an_earlier_one_or_the_top(path: Path) -> None:
    importer = dotted(path)
    later = sorted(m for m in imported_modules(path) if rank(m) > rank(importer))
    assert not later, f"{importer} imports from a later stage: {later}"


def test_the_layout_check_catches_an_import_from_a_later_stage(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from assistant.web.ui import build_ui\n")
    assert rank("assistant.web.ui") > rank("assistant.understanding.query")
    assert imported_modules(module) == {"assistant.web.ui"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: dotted(p))
def test_no_module_holds_more_than_one_idea(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{dotted(path)} has {lines} lines"


def test_no_package_is_a_flat_room() -> None:
    for folder in {p.parent for p in MODULES}:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MAX_PACKAGE_MODULES, f"{folder.name}: {len(modules)} modules"


def test_a_newcomer_finds_the_readers_decision_and_a_declines_wording_by_folder() -> None:
    assert (PACKAGE / "answering" / "reading" / "decision.py").exists()
    assert (PACKAGE / "answering" / "wording" / "decline.py").exists()
