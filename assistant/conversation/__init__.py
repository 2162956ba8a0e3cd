"""The conversation: the ``Assistant`` every surface uses (``assistant``: a message split into its
asks, each understood, retrieved, decided and worded in one pass; staff drafts for e-mails),
e-mails read into questions, context and signer (``emails``), and one reply made of several
answers (``replies``)."""

from __future__ import annotations

from assistant.conversation.assistant import (
    Assistant,
    ReplyDraft,
    Turn,
    build_assistant,
    get_assistant,
)

__all__ = ["Assistant", "ReplyDraft", "Turn", "build_assistant", "get_assistant"]
