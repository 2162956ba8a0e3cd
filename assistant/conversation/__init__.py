"""The conversation: the ``Assistant`` every surface uses (``assistant``: a message split into its
asks, each understood, retrieved, decided and worded in one pass; staff drafts for e-mails),
e-mails read into questions, context and signer (``emails``), one reply made of several
answers (``replies``), and what a conversation is made of: turns, asks, drafts (``turns``)."""

from __future__ import annotations

from assistant.conversation.assistant import Assistant, build_assistant, get_assistant
from assistant.conversation.turns import ReplyDraft, Turn

__all__ = ["Assistant", "ReplyDraft", "Turn", "build_assistant", "get_assistant"]
