"""Greetings and thanks, recognised by meaning and answered in kind."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant import phrases
from assistant.answering.answer import Answer
from assistant.tables import read_lists
from assistant.understanding.query import Query

SMALL_TALK_FILE = "small-talk.yaml"
SMALL_TALK_WORDS = 10  # longer messages ask something
SMALL_TALK_MIN = 0.55  # cosine to the nearest greeting or thank-you
SMALL_TALK_MARGIN = 0.15  # ... above the nearest example that asks something


class SmallTalk:
    """Greetings and thanks recognised by meaning: a short message that asks for nothing the
    intents know and names no programme, closer (MiniLM) to the greetings or thank-yous of
    ``data/small-talk.yaml`` than to its examples that ask something."""

    def __init__(self, embed: Callable[[list[str]], Sequence[Sequence[float]]]) -> None:
        import numpy as np

        self._embed = embed
        examples = read_lists(SMALL_TALK_FILE)
        self._examples = {
            kind: np.asarray(embed(list(texts)), dtype=np.float32)
            for kind, texts in examples.items()
        }

    def kind(self, query: Query) -> str | None:
        """ "greeting", "thanks", or None when the message asks something."""
        text = query.english or query.text
        if query.intents or query.programmes or len(text.split()) > SMALL_TALK_WORDS:
            return None
        import numpy as np

        vector = np.asarray(self._embed([text])[0], dtype=np.float32)
        nearest = {kind: float((m @ vector).max()) for kind, m in self._examples.items()}
        kind = max(("greeting", "thanks"), key=lambda k: nearest[k])
        if nearest[kind] >= SMALL_TALK_MIN and nearest[kind] >= nearest["asks"] + SMALL_TALK_MARGIN:
            return kind
        return None


def small_talk_answer(query: Query, kind: str) -> Answer:
    """Thanks are welcomed, a greeting is returned; both offer what can be asked."""
    greeting = phrases.SMALL_TALK(query.language, "thanks" if kind == "thanks" else "hello")
    text = greeting + phrases.SMALL_TALK(query.language, "offer")
    return Answer(
        text, False, standalone_question=query.text, language=query.language, small_talk=True
    )
