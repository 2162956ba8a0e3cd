"""The staff view at /staff: an applicant's e-mail in, a draft reply out, with what staff must
complete marked; behind the staff session like everything under /staff."""

from __future__ import annotations

import html
import logging

from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.errors import AssistantError
from assistant.web.ui import CHAT_CONCURRENCY, EXPORT_PATH, AssistantFactory
from assistant.web.ui_text import (
    draft_sources,
    draft_status_markdown,
    friendly_error,
    sources_markdown,
)

apply_offline_environment()
import gradio as gr  # noqa: E402 - the environment above must be set before gradio loads

logger = logging.getLogger(__name__)


def staff_bar_html(export_url: str = EXPORT_PATH, logout_url: str = "/staff/logout") -> str:
    """The staff view's actions: the feedback export (one click) and signing out."""
    return (
        '<nav class="pa-staff-bar" aria-label="Staff actions">'
        f'<a class="pa-export" href="{html.escape(export_url)}" download="feedback.csv">'
        "Download all feedback (CSV)</a>"
        f'<form method="post" action="{html.escape(logout_url)}">'
        '<button type="submit">Sign out</button></form></nav>'
    )


def build_staff_ui(
    assistant_factory: AssistantFactory, *, settings: Settings | None = None
) -> gr.Blocks:
    """Draft replies to applicants' emails, their sources linked; the feedback export."""
    settings = settings or get_settings()

    def draft(email: str) -> tuple[str, str, str]:
        text = (email or "").strip()
        if not text:
            raise gr.Error("Paste the applicant's email first.")
        if len(text) > settings.max_email_chars:
            raise gr.Error(
                f"The email is {len(text)} characters long; the limit is "
                f"{settings.max_email_chars}. Paste only the applicant's message."
            )
        try:
            reply = assistant_factory().draft_reply(text)
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                logger.exception("the UI draft failed")
            raise gr.Error(friendly_error(exc)) from None
        sources = draft_sources(reply)
        listed = sources_markdown(sources, "Sources of the draft:") if sources else ""
        return reply.text, draft_status_markdown(reply), listed

    with gr.Blocks(title="Staff · Programme assistant", analytics_enabled=False) as blocks:
        gr.Markdown(
            "# Draft a reply\n"
            "Paste an applicant's email. The draft answers what the documents answer and marks "
            "the questions you have to answer yourself; each source opens at the quoted passage.",
            elem_classes="pa-header",
        )
        gr.HTML(staff_bar_html(), elem_id="pa-staff-bar")
        email = gr.Textbox(label="Applicant's email", lines=8, elem_id="pa-email")
        draft_button = gr.Button("Draft a reply", variant="primary")
        draft_status = gr.Markdown(elem_classes="pa-draft-status")
        draft_text = gr.Textbox(
            label="Draft reply (check it, complete it, then copy it)",
            lines=14,
            interactive=True,
            buttons=["copy"],
            elem_id="pa-draft",
        )
        sources = gr.Markdown(elem_id="pa-draft-sources")
        draft_button.click(
            draft,
            inputs=email,
            outputs=[draft_text, draft_status, sources],
            concurrency_limit=CHAT_CONCURRENCY,
            api_visibility="private",
        )
    return blocks
