"""The text a web page visibly shows: elements a visitor never sees are dropped (``text``),
reading the page's own style sheets (``css``: the cascade; ``css_media``: which media rules hold;
``css_values``: reading values; ``css_hiding``: what a declaration hides)."""

from __future__ import annotations

from assistant.documents.html.text import drop_hidden

__all__ = ["drop_hidden"]
