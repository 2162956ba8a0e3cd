"""Synthetic corpora N times the size of the real one, for measuring how ingest time grows."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

_FRONT_MATTER = re.compile(r"\A(---\n.*?\n---\n)(.*)\Z", re.DOTALL)
_ID_LINE = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)
_NUMBER = re.compile(r"\d+")


def scaled_corpus(source: Path, target: Path, times: int) -> Path:
    """The documents of ``source`` plus ``times - 1`` copies of each under new ids, every number
    in a copy's body shifted, so no two documents share their text (nothing is deduplicated)."""
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.md")):
        shutil.copy2(path, target / path.name)
        text = path.read_text(encoding="utf-8")
        for copy in range(1, times):
            doc_id, copied = perturbed_copy(text, copy)
            (target / f"{doc_id}.md").write_text(copied, encoding="utf-8")
    return target


def perturbed_copy(text: str, copy: int) -> tuple[str, str]:
    """(new id, document text) of copy number ``copy`` of a Markdown document with front matter."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ValueError("the document has no front matter")
    front, body = match.groups()
    id_match = _ID_LINE.search(front)
    if id_match is None:
        raise ValueError("the front matter has no id")
    doc_id = f"{id_match.group(1)}-copy{copy}"
    front = _ID_LINE.sub(f"id: {doc_id}", front, count=1)
    body = _NUMBER.sub(lambda m: str(int(m.group()) + copy), body)
    return doc_id, front + body
