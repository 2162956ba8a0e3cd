"""What to answer next: the questions the assistant could not answer, grouped by meaning, the
most asked and most recent first, for staff to answer once (as a saved answer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.database.unanswered import Unanswered

# A question whose MiniLM vector is this similar, on average, to a group's questions asks what
# they ask ("can I pay the tuition in instalments?", "can I split the payment of tuition?");
# MiniLM puts short paraphrases at 0.5-0.7 and other topics of one domain under 0.5.
SAME_QUESTION = 0.55
EXAMPLES = 3


@dataclass(frozen=True)
class UnansweredGroup:
    count: int
    last_asked: str  # UTC, ISO 8601
    examples: tuple[str, ...]  # the newest distinct wordings
    programmes: tuple[str, ...]  # document ids, as asked about; none named: empty


def grouped_by_meaning(
    entries: Sequence[Unanswered],
    embed: Callable[[list[str]], list[list[float]]],
    similarity: float = SAME_QUESTION,
) -> list[UnansweredGroup]:
    """The entries (newest first) grouped: each joins the group whose first question is nearest
    in meaning, if near enough, else starts one. Groups come most asked first, then most recent."""
    if not entries:
        return []
    import numpy as np

    vectors = np.asarray(embed([e.question for e in entries]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-9)
    members: list[list[int]] = []
    for i in range(len(entries)):
        # average linkage: a question joins the group it is nearest to on average
        means = [float((vectors[group] @ vectors[i]).mean()) for group in members]
        best = max(range(len(means)), key=means.__getitem__, default=-1)
        if best >= 0 and means[best] >= similarity:
            members[best].append(i)
        else:
            members.append([i])
    groups = [_group([entries[i] for i in group]) for group in members]
    return sorted(groups, key=lambda g: (-g.count, _descending(g.last_asked)))


def _group(entries: list[Unanswered]) -> UnansweredGroup:
    wordings = list(dict.fromkeys(e.question for e in entries))
    programmes = tuple(dict.fromkeys(e.programme for e in entries if e.programme))
    return UnansweredGroup(
        count=len(entries),
        last_asked=max(e.asked_at for e in entries),
        examples=tuple(wordings[:EXAMPLES]),
        programmes=programmes,
    )


def _descending(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)
