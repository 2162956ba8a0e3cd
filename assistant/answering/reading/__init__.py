"""The trained reader (``reader``: a cross-encoder scoring question and sentence pairs) and where
it decides what an answer quotes (``decision``)."""

from __future__ import annotations

from assistant.answering.reading.decision import decide
from assistant.answering.reading.reader import Reader, load_reader

__all__ = ["Reader", "decide", "load_reader"]
