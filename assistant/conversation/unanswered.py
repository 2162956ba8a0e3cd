"""What to answer next: the questions the assistant could not answer, grouped by meaning, the
most asked and most recent first, for staff to answer once (as a saved answer)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.database.unanswered import Unanswered, UnansweredLog, stored_form

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


_VECTORS: dict[str, Any] = {}  # question -> its unit vector: a question is embedded once
_VECTORS_LOCK = threading.Lock()
MAX_KEPT_VECTORS = 20_000


def _vectors_of(texts: list[str], embed: Callable[[list[str]], list[list[float]]]) -> Any:
    """The texts' unit MiniLM vectors; those not seen before are embedded together, once."""
    import numpy as np

    with _VECTORS_LOCK:
        missing = list(dict.fromkeys(t for t in texts if t not in _VECTORS))
    if missing:
        embedded = np.asarray(embed(missing), dtype=np.float32)
        embedded /= np.linalg.norm(embedded, axis=1, keepdims=True).clip(min=1e-9)
        with _VECTORS_LOCK:
            if len(_VECTORS) + len(missing) > MAX_KEPT_VECTORS:
                _VECTORS.clear()
            _VECTORS.update(zip(missing, embedded, strict=True))
    with _VECTORS_LOCK:
        known = {t: _VECTORS.get(t) for t in texts}
    if any(v is None for v in known.values()):  # cleared meanwhile by another thread
        return _vectors_of(texts, embed)
    return np.asarray([known[t] for t in texts], dtype=np.float32)


def remember_meaning(
    questions: Sequence[str], embed: Callable[[list[str]], list[list[float]]]
) -> None:
    """Embed questions as the log keeps them, ahead of grouping them."""
    _vectors_of([stored_form(q) for q in questions if q.strip()], embed)


def grouped_by_meaning(
    entries: Sequence[Unanswered],
    embed: Callable[[list[str]], list[list[float]]],
    similarity: float = SAME_QUESTION,
) -> list[UnansweredGroup]:
    """The entries (newest first) grouped: each joins the group whose questions it is nearest
    to on average, if near enough, else starts one. Groups come most asked first, then most
    recent. Each distinct question is embedded once per process."""
    if not entries:
        return []
    vectors = _vectors_of([e.question for e in entries], embed)
    import numpy as np

    members: list[list[int]] = []
    sums = np.zeros((len(entries), vectors.shape[1]), dtype=np.float32)  # a row per group
    for i, vector in enumerate(vectors):
        # average linkage: a question joins the group it is nearest to on average (the mean of
        # its similarities to the members is its similarity to their sum, over their count)
        count = len(members)
        means = (sums[:count] @ vector) / np.asarray([len(m) for m in members] or [1])
        best = int(means.argmax()) if count else -1
        if best >= 0 and means[best] >= similarity:
            members[best].append(i)
        else:
            best = count
            members.append([i])
        sums[best] += vector
    groups = [_group([entries[i] for i in group]) for group in members]
    newest_first = sorted(groups, key=lambda g: g.last_asked, reverse=True)
    return sorted(newest_first, key=lambda g: -g.count)  # stable: the newest first per count


def _group(entries: list[Unanswered]) -> UnansweredGroup:
    wordings = list(dict.fromkeys(e.question for e in entries))
    programmes = tuple(dict.fromkeys(e.programme for e in entries if e.programme))
    return UnansweredGroup(
        count=len(entries),
        last_asked=max(e.asked_at for e in entries),
        examples=tuple(wordings[:EXAMPLES]),
        programmes=programmes,
    )


def what_to_answer_next(
    log: UnansweredLog | None, embed: Callable[[list[str]], list[list[float]]], limit: int
) -> tuple[int, list[UnansweredGroup]]:
    """The newest ``limit`` questions nothing answered, grouped by meaning, with how many days
    they are kept (0 and none when the log is off): the staff view's list and the API's."""
    if log is None:
        return 0, []
    return log.retention_days, grouped_by_meaning(log.recent(limit), embed)
