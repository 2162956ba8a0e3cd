"""Scoring with the exported reader exactly as the assistant runs it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.reader import Reader


def onnx_scorer(folder: Path, threads: int = 2) -> Callable[[str, list[str]], list[float]]:
    reader = Reader(folder, threads)
    return reader.score
