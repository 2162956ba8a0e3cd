"""Whether an evaluation file was written apart from the training questions: no sentence of a case
shares most of its words, its meaning or an eight-word run with a training sentence."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

SAME_WORDS = (
    0.8  # Jaccard share of distinct words (as for whole questions in the training-data test)
)
SAME_MEANING = 0.9  # cosine of MiniLM sentence embeddings
RUN = 8  # words in a row
MIN_WORDS = 4  # shorter sentences ("What is the fee?") are what everyone asks, not a copy

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Overlap:
    """How many sentences of the evaluation texts match a training sentence, by each test."""

    sentences: int
    same_words: int
    same_meaning: int
    word_runs: int
    texts_matched: frozenset[int]  # indices of the evaluation texts with any match
    matched: tuple[tuple[int, str], ...] = ()  # (text index, its sentence) for each match


def sentences(text: str) -> list[str]:
    """The text's sentences of at least ``MIN_WORDS`` words (quoted lines and signatures too)."""
    parts = (part.strip(" >-*\t") for part in _SENTENCE_END.split(text))
    return [part for part in parts if len(words(part)) >= MIN_WORDS]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def runs(text: str) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}


def overlap(
    evaluation: Sequence[str],
    training: Sequence[str],
    embed: Callable[[list[str]], np.ndarray],
) -> Overlap:
    """Compare each sentence of each evaluation text with every training sentence."""
    mine = [(index, s) for index, text in enumerate(evaluation) for s in sentences(text)]
    theirs = sorted({s for text in training for s in sentences(text)})
    their_words = [frozenset(words(s)) for s in theirs]
    their_runs: set[tuple[str, ...]] = set().union(*(runs(s) for s in theirs)) if theirs else set()
    by_word: dict[str, list[int]] = {}
    for position, found in enumerate(their_words):
        for word in found:
            by_word.setdefault(word, []).append(position)
    same_words = same_meaning = word_runs = 0
    matched: list[tuple[int, str]] = []
    similar = _nearest(embed, [s for _, s in mine], theirs)
    for (index, sentence), cosine in zip(mine, similar, strict=True):
        own = frozenset(words(sentence))
        candidates = {p for word in own for p in by_word.get(word, ())}
        by_words = any(
            len(own & their_words[p]) / len(own | their_words[p]) >= SAME_WORDS for p in candidates
        )
        by_run = bool(runs(sentence) & their_runs)
        by_meaning = cosine >= SAME_MEANING
        same_words += by_words
        word_runs += by_run
        same_meaning += by_meaning
        if by_words or by_run or by_meaning:
            matched.append((index, sentence))
    texts = frozenset(index for index, _ in matched)
    return Overlap(len(mine), same_words, same_meaning, word_runs, texts, tuple(matched))


def _nearest(
    embed: Callable[[list[str]], np.ndarray], mine: list[str], theirs: list[str]
) -> list[float]:
    """For each of ``mine``, the highest cosine to any of ``theirs`` (embeddings normalised)."""
    if not mine or not theirs:
        return [0.0] * len(mine)
    a, b = embed(mine), embed(theirs)
    best = np.full(len(mine), -1.0, dtype=np.float32)
    for start in range(0, len(theirs), 4096):
        best = np.maximum(best, (a @ b[start : start + 4096].T).max(axis=1))
    return [float(x) for x in best]
