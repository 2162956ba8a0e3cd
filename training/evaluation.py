"""How a reader is measured on the validation split, and scoring with the exported reader
exactly as the assistant runs it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.reading.reader import Reader
from training.examples import Example

VETO_SHARE = 0.05  # answered validation questions the veto may decline
SURE_SHARE = 0.05  # silent validation questions that may reach the level the reader is sure at


def onnx_scorer(folder: Path, threads: int = 2) -> Callable[[str, list[str]], list[float]]:
    reader = Reader(folder, threads)
    return reader.score


@dataclass(frozen=True)
class Validation:
    asks: int
    answerable: int
    auroc: float  # best unit's probability: answerable vs not
    top1: float  # answerable asks whose best unit is an answer
    threshold: float  # where telling answered from silent is right most often (balanced)
    veto: float  # the best probability that at most VETO_SHARE of answered questions fall below
    sure: float  # the best probability that at most SURE_SHARE of silent questions reach
    decision_accuracy: float  # answered with a right unit, or declined when silent
    refusal_recall: float
    answered_wrongly: float


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def validate(
    examples: Sequence[Example],
    score: Callable[[str, list[str]], list[float]],
    threshold: float | None = None,
) -> Validation:
    """Score the run-time candidates of each validation ask; choose (or apply) the threshold that
    gets the most asks right: answered with a right unit, or declined when no unit answers."""
    best: list[tuple[float, bool, bool]] = []  # (best probability, answerable, best is right)
    for example in examples:
        candidates = list(example.candidates)
        probabilities = (
            score(example.question, [c.passage for c in candidates]) if candidates else []
        )
        if probabilities:
            top = max(range(len(candidates)), key=lambda i: probabilities[i])
            best.append((probabilities[top], example.answerable, bool(candidates[top].label)))
        else:
            best.append((0.0, example.answerable, False))

    def outcome(t: float) -> tuple[float, float, float]:
        right = sum((p >= t and good) if answerable else p < t for p, answerable, good in best)
        silent = [p for p, answerable, _ in best if not answerable]
        answered = [(answerable, good) for p, answerable, good in best if p >= t]
        return (
            right / len(best),
            sum(p < t for p in silent) / max(len(silent), 1),
            sum(not good for _, good in answered) / max(len(answered), 1),
        )

    def balanced(t: float) -> float:
        """Whether the documents answer, told right, with both kinds of question weighing alike."""
        answered = [p >= t for p, answerable, _ in best if answerable]
        silent = [p < t for p, answerable, _ in best if not answerable]
        return (sum(answered) / max(len(answered), 1) + sum(silent) / max(len(silent), 1)) / 2

    if threshold is None:
        grid = [i / 100 for i in range(5, 96)]
        threshold = max(grid, key=lambda t: (balanced(t), -abs(t - 0.5)))
    accuracy, recall, wrong = outcome(threshold)
    answered_best = sorted(p for p, answerable, _ in best if answerable)
    veto = answered_best[int(VETO_SHARE * len(answered_best))] if answered_best else 0.0
    silent_best = sorted(p for p, answerable, _ in best if not answerable)
    sure = silent_best[int((1 - SURE_SHARE) * len(silent_best))] if silent_best else 1.0
    answerable = [good for _, a, good in best if a]
    return Validation(
        asks=len(best),
        answerable=len(answerable),
        auroc=auroc([p for p, _, _ in best], [a for _, a, _ in best]),
        top1=sum(answerable) / max(len(answerable), 1),
        threshold=threshold,
        veto=round(veto, 4),
        sure=round(sure, 4),
        decision_accuracy=accuracy,
        refusal_recall=recall,
        answered_wrongly=wrong,
    )
