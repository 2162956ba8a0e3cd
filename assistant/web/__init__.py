"""The web: the HTTP API (``api/``, with ``create_app``), the Gradio chat and staff view
(``ui``, ``staff_ui``, ``ui_text``, mounted by ``mount`` behind ``ui_guard``), the embeddable
widget and its demo page (``static/``), and the feedback store (``feedback``). Gradio loads only
when the UI is mounted."""

from __future__ import annotations

from assistant.web.api import create_app

__all__ = ["create_app"]
