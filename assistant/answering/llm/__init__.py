"""The optional LLM: it may rephrase an extractive answer (``backend``), and every rephrasing
is checked against the quotes' facts (``facts``: the figures, dates and names a text states;
``guard``: the check) before it is shown. Without one, the extractive answer is the answer."""

from __future__ import annotations

from assistant.answering.llm.backend import AnswerBackend, get_backend

__all__ = ["AnswerBackend", "get_backend"]
