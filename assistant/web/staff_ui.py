"""The staff view at /staff: an applicant's e-mail in, a draft reply out, with what staff must
complete marked, and each question the documents leave open answered and saved in one step; the
saved answers (search, edit, retire, with their history); what to answer next (the questions
nothing answered, grouped by meaning). Behind the staff session like everything under /staff;
each change is made under the signed-in member's name."""

from __future__ import annotations

import html
import logging

from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.database.saved_answers import SavedAnswers
from assistant.errors import AssistantError
from assistant.web.api.security import SHARED_TOKEN_AUTHOR, STAFF_COOKIE, StaffSessions
from assistant.web.feedback import FeedbackStore
from assistant.web.staff_answers_ui import (
    ALL_PROGRAMMES,
    ANSWER_COLUMNS,
    AnswerFields,
    FormError,
    answer_choices,
    answers_table,
    group_choices,
    groups_markdown,
    history_markdown,
    saved_with,
)
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
    """Draft replies to applicants' emails, their sources linked, their gaps answered and saved;
    the saved answers; what to answer next; the feedback export."""
    settings = settings or get_settings()
    store = SavedAnswers(settings.database)
    sessions = StaffSessions(FeedbackStore(settings.database), settings.staff_token or "")

    def author_of(request: gr.Request | None) -> str:
        """Who is signed in (the gate in front of /staff let only open sessions through)."""
        cookie = request.cookies.get(STAFF_COOKIE, "") if request is not None else ""
        return sessions.who(cookie) or SHARED_TOKEN_AUTHOR

    def programme_choices() -> list[tuple[str, str]]:
        try:
            listed = assistant_factory().programmes()
        except AssistantError:
            listed = []
        return [("All programmes", ALL_PROGRAMMES), *((p.title, p.id) for p in listed)]

    def draft(email: str) -> tuple[str, str, str, gr.Group, gr.Dropdown, str, gr.Dropdown]:
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
        gaps = list(reply.unanswered)
        programme = next((a.programme for a in reply.answers if a.programme), None)
        return (
            reply.text,
            draft_status_markdown(reply),
            listed,
            gr.Group(visible=bool(gaps)),
            gr.Dropdown(choices=gaps, value=gaps[0] if gaps else None),
            gaps[0] if gaps else "",
            gr.Dropdown(choices=programme_choices(), value=programme or ALL_PROGRAMMES),
        )

    def save_new(
        question: str, answer: str, programme: str, until: str, request: gr.Request
    ) -> str:
        try:
            fields = AnswerFields(question, answer, programme, until)
            return saved_with(store, fields, author_of(request), None)
        except FormError as exc:
            raise gr.Error(str(exc)) from None

    def search(words: str) -> tuple[list[list[str]], gr.Dropdown]:
        found = store.all(search=(words or "")[:200])
        titles = {doc_id: title for title, doc_id in programme_choices()}
        return answers_table(found, lambda doc_id: titles.get(doc_id, doc_id)), gr.Dropdown(
            choices=answer_choices(found), value=None
        )

    def pick(answer_id: int | None) -> tuple[str, str, gr.Dropdown, str, str]:
        if answer_id is None:
            return "", "", gr.Dropdown(choices=programme_choices(), value=ALL_PROGRAMMES), "", ""
        try:
            saved = store.get(int(answer_id))
        except AssistantError as exc:
            raise gr.Error(friendly_error(exc)) from None
        return (
            saved.question,
            saved.answer,
            gr.Dropdown(choices=programme_choices(), value=saved.programme or ALL_PROGRAMMES),
            saved.valid_until.isoformat() if saved.valid_until else "",
            history_markdown(store, saved.id),
        )

    def save_edit(
        answer_id: int | None,
        question: str,
        answer: str,
        programme: str,
        until: str,
        request: gr.Request,
    ) -> tuple[str, str]:
        if answer_id is None:
            raise gr.Error("Choose the answer to change first.")
        try:
            fields = AnswerFields(question, answer, programme, until)
            said = saved_with(store, fields, author_of(request), int(answer_id))
        except FormError as exc:
            raise gr.Error(str(exc)) from None
        return said, history_markdown(store, int(answer_id))

    def retire(answer_id: int | None, request: gr.Request) -> str:
        if answer_id is None:
            raise gr.Error("Choose the answer to retire first.")
        try:
            store.retire(int(answer_id), author_of(request))
        except AssistantError as exc:
            raise gr.Error(friendly_error(exc)) from None
        return f"Answer #{int(answer_id)} is retired: it is no longer given (its history stays)."

    def next_to_answer() -> tuple[str, gr.Dropdown]:
        from assistant.conversation.unanswered import what_to_answer_next

        assistant = assistant_factory()
        embed = assistant.retriever.embeddings.embed_documents
        retention_days, groups = what_to_answer_next(assistant.unanswered, embed, 500)
        return groups_markdown(groups, retention_days), gr.Dropdown(
            choices=group_choices(groups), value=None
        )

    with gr.Blocks(title="Staff · Programme assistant", analytics_enabled=False) as blocks:
        gr.Markdown(
            "# Staff view\n"
            "Draft replies to applicants' emails, and answer once what the documents do not say: "
            "a saved answer is given to later questions asking the same, marked as the office's.",
            elem_classes="pa-header",
        )
        gr.HTML(staff_bar_html(), elem_id="pa-staff-bar")
        with gr.Tab("Draft a reply"):
            gr.Markdown(
                "Paste an applicant's email. The draft answers what the documents answer and "
                "marks the questions you have to answer yourself; each source opens at the "
                "quoted passage."
            )
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
            with gr.Group(visible=False, elem_id="pa-gap-form") as gap_form:
                gr.Markdown(
                    "### Answer a question the documents leave open\n"
                    "Saved once, your answer is given to later questions asking the same."
                )
                gap = gr.Dropdown(label="Question from this email", choices=[])
                gap_fields = _answer_fields(programme_choices(), "pa-gap")
                gap_save = gr.Button("Save this answer", variant="primary")
                gap_said = gr.Markdown(elem_id="pa-gap-saved")
        with gr.Tab("Saved answers"):
            with gr.Row():
                words = gr.Textbox(label="Search the saved answers", scale=4)
                search_button = gr.Button("Search", scale=1)
            table = gr.Dataframe(
                headers=ANSWER_COLUMNS, interactive=False, wrap=True, elem_id="pa-saved-table"
            )
            chosen = gr.Dropdown(
                label="Answer to change or retire", choices=[], elem_id="pa-chosen"
            )
            edit_fields = _answer_fields(programme_choices(), "pa-edit")
            with gr.Row():
                edit_save = gr.Button("Save changes", variant="primary")
                retire_button = gr.Button("Retire this answer", variant="stop")
            edit_said = gr.Markdown(elem_id="pa-edit-saved")
            history = gr.Markdown()
        with gr.Tab("What to answer next"):
            refresh = gr.Button("Show the questions nothing answered")
            groups = gr.Markdown(elem_id="pa-unanswered")
            group = gr.Dropdown(label="Answer this group", choices=[])
            next_fields = _answer_fields(programme_choices(), "pa-next")
            next_save = gr.Button("Save this answer", variant="primary")
            next_said = gr.Markdown(elem_id="pa-next-saved")

        draft_button.click(
            draft,
            inputs=email,
            outputs=[
                draft_text,
                draft_status,
                sources,
                gap_form,
                gap,
                gap_fields[0],
                gap_fields[2],
            ],
            concurrency_limit=CHAT_CONCURRENCY,
            api_visibility="private",
        )
        gap.change(lambda q: q or "", inputs=gap, outputs=gap_fields[0], api_visibility="private")
        gap_save.click(
            save_new, inputs=list(gap_fields), outputs=gap_said, api_visibility="private"
        )
        for trigger in (search_button.click, words.submit):
            trigger(search, inputs=words, outputs=[table, chosen], api_visibility="private")
        chosen.change(
            pick, inputs=chosen, outputs=[*edit_fields, history], api_visibility="private"
        )
        edit_save.click(
            save_edit,
            inputs=[chosen, *edit_fields],
            outputs=[edit_said, history],
            api_visibility="private",
        )
        retire_button.click(
            retire, inputs=chosen, outputs=edit_said, api_visibility="private"
        ).then(search, inputs=words, outputs=[table, chosen], api_visibility="private")
        refresh.click(
            next_to_answer,
            outputs=[groups, group],
            concurrency_limit=CHAT_CONCURRENCY,
            api_visibility="private",
        )
        group.change(
            lambda q: q or "", inputs=group, outputs=next_fields[0], api_visibility="private"
        )
        next_save.click(
            save_new, inputs=list(next_fields), outputs=next_said, api_visibility="private"
        )
    return blocks


def _answer_fields(
    programmes: list[tuple[str, str]], prefix: str
) -> tuple[gr.Textbox, gr.Textbox, gr.Dropdown, gr.Textbox]:
    """The question (as applicants ask it), the answer, its programme and how long it holds."""
    question = gr.Textbox(label="Question (as applicants ask it)", elem_id=f"{prefix}-question")
    answer = gr.Textbox(
        label="Your answer (plain text; lists and **bold** show in the widget)",
        lines=4,
        elem_id=f"{prefix}-answer",
    )
    with gr.Row():
        programme = gr.Dropdown(
            label="For", choices=programmes, value=ALL_PROGRAMMES, elem_id=f"{prefix}-programme"
        )
        until = gr.Textbox(
            label="Valid until (YYYY-MM-DD, optional)",
            placeholder="2027-08-31",
            elem_id=f"{prefix}-until",
        )
    return question, answer, programme, until
