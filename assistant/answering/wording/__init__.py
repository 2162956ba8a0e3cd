"""How an answer is worded (the fixed phrases are in ``data/phrases.yaml``): the chosen quotes
framed and dated (``compose``), a decline (``decline``), greetings and thanks (``small_talk``),
and what an answer says it is about (``topics``)."""

from __future__ import annotations

from assistant.answering.wording.compose import compose_answer
from assistant.answering.wording.decline import decline
from assistant.answering.wording.small_talk import SmallTalk, small_talk_answer

__all__ = ["SmallTalk", "compose_answer", "decline", "small_talk_answer"]
