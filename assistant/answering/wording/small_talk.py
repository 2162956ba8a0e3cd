"""Greetings and thanks, recognised by a trained detector and answered in kind."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant import phrases
from assistant.answering.answer import Answer
from assistant.understanding.query import Query

MODEL_FILE = Path(__file__).resolve().parents[2] / "models" / "small-talk" / "detector.json"
SMALL_TALK_WORDS = 25  # longer messages ask something


class SmallTalk:
    """Greetings and thanks: a short message the small-talk detector (a logistic regression over
    its MiniLM vector, ``python -m training.small_talk``) finds asks nothing, told a greeting or
    a thank-you by a second one."""

    def __init__(self, embed: Callable[[str], Sequence[float]], model: Path = MODEL_FILE) -> None:
        import numpy as np

        self._embed = embed
        card = json.loads(model.read_text(encoding="utf-8"))
        self._weights = np.asarray(card["weights"], dtype=np.float32)
        self._bias = float(card["bias"])
        self._threshold = float(card["threshold"])
        self._thanks_weights = np.asarray(card["thanks_weights"], dtype=np.float32)
        self._thanks_bias = float(card["thanks_bias"])

    def kind(self, message: str) -> str | None:
        """ "greeting", "thanks", or None when the message asks something (read on its own: a
        programme page or an earlier answer says nothing about whether it does)."""
        if len(message.split()) > SMALL_TALK_WORDS:
            return None
        import numpy as np

        vector = np.asarray(self._embed(message), dtype=np.float32)
        if _probability(float(self._weights @ vector) + self._bias) < self._threshold:
            return None
        thanks = float(self._thanks_weights @ vector) + self._thanks_bias > 0.0
        return "thanks" if thanks else "greeting"


def _probability(logit: float) -> float:
    import math

    return 1.0 / (1.0 + math.exp(-logit))


def small_talk_answer(query: Query, kind: str) -> Answer:
    """Thanks are welcomed, a greeting is returned; both offer what can be asked."""
    greeting = phrases.SMALL_TALK(query.language, "thanks" if kind == "thanks" else "hello")
    text = greeting + phrases.SMALL_TALK(query.language, "offer")
    return Answer(
        text, False, standalone_question=query.text, language=query.language, small_talk=True
    )
