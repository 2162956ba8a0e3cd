"""Answering: from the retrieved evidence to an answer.

- ``selection``, ``answer_types``: the rules' choice of each document's answering sentences;
- ``choice``: what an answer quotes, per programme (the rules' or the reader's);
- ``reading/``: the trained reader (``reader``) and where it decides (``decision``: keep, veto or
  replace the rules' choice);
- ``wording/``: the answer worded (``compose``), a decline (``decline``), greetings
  (``small_talk``), what an answer says it is about (``topics``);
- ``llm/``: the optional LLM that rephrases, and the guard that checks its facts;
- ``answer``: the ``Answer`` every surface receives.
"""

from __future__ import annotations

from assistant.answering.answer import Answer, Citation
from assistant.answering.choice import Choice
from assistant.answering.reading.decision import decide
from assistant.answering.wording.compose import compose_answer

__all__ = ["Answer", "Choice", "Citation", "compose_answer", "decide"]
