"""The question-bank contender: answer a question as its nearest training questions were
answered (MiniLM similarity), measured on the same validation split as the reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from training.evaluation import auroc
from training.examples import Example

NEIGHBOURS = 5


@dataclass(frozen=True)
class BankValidation:
    asks: int
    auroc: float  # answerable vote of the neighbours: answerable vs not
    top1: float  # answerable asks whose nearest answered neighbour's unit answers them too
    threshold: float
    decision_accuracy: float


def validate_bank(
    train: Sequence[Example], held: Sequence[Example], embed: object
) -> BankValidation:
    import numpy as np

    known = np.asarray(embed([e.question for e in train]))  # type: ignore[operator]
    asked = np.asarray(embed([e.question for e in held]))  # type: ignore[operator]
    similarity = asked @ known.T
    votes: list[float] = []
    right: list[bool] = []  # the nearest answered neighbour's unit answers it too
    for row, example in zip(similarity, held, strict=True):
        nearest = np.argsort(-row)[:NEIGHBOURS]
        weights = np.maximum(row[nearest], 0)
        answerable = np.array([train[i].answerable for i in nearest], dtype=float)
        votes.append(float((weights * answerable).sum() / max(weights.sum(), 1e-9)))
        answered = next((train[i] for i in nearest if train[i].answerable), None)
        units = {(c.doc, c.text) for c in answered.candidates if c.label} if answered else set()
        right.append(bool(units & {(c.doc, c.text) for c in example.candidates if c.label}))

    def accuracy(t: float) -> float:
        return sum(
            (v >= t and good) if e.answerable else v < t
            for v, good, e in zip(votes, right, held, strict=True)
        ) / max(len(held), 1)

    threshold = max((i / 20 for i in range(1, 20)), key=accuracy)
    hits = [good for good, e in zip(right, held, strict=True) if e.answerable]
    return BankValidation(
        asks=len(held),
        auroc=auroc(votes, [e.answerable for e in held]),
        top1=sum(hits) / max(len(hits), 1),
        threshold=threshold,
        decision_accuracy=accuracy(threshold),
    )
