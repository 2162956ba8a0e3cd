"""The Gradio chat at /ui: streaming answers with their sources folded under them, and feedback.

With ``staff_ui`` and ``mount``, the only modules that import gradio. A message's content is the text itself, so copying a
message or reading its label gives clean text; its lists, line breaks and emphasis render as
Markdown. HTML tags and link syntax that come from an answer or a document show as the
characters they are, and Gradio's own sanitiser stays on. Each browser session keeps its
conversation in its own ``gr.State``; nothing is shared between sessions. The text of messages and
sources is rendered by ``assistant.web.ui_text``; the style sheet is ``static/ui.css``.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.answering.answer import Answer
from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.conversation.assistant import Assistant, Turn
from assistant.errors import AssistantError
from assistant.web.feedback import FeedbackStore, record_feedback
from assistant.web.ui_text import (
    Message,
    chat_markdown,
    friendly_error,
    sources_message,
    unique_sources,
)

apply_offline_environment()
import gradio as gr  # noqa: E402 - the environment above must be set before gradio loads

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)
AssistantFactory = Callable[[], Assistant]
ALL_PROGRAMMES = ""
EXPORT_PATH = "/api/feedback/export"
CHAT_CONCURRENCY = 4
EXAMPLE_QUESTIONS = (
    "How much is the tuition fee for non-EEA students?",
    "What are the admission requirements?",
    "When is the application deadline?",
    "Does the programme lead to a diploma?",
)


@dataclass
class Rated:
    """What a thumbs up or down on one answer refers to."""

    question: str
    answer: str
    sources: tuple[str, ...]
    programme: str = ""


def _new_conversation_id() -> str:
    return uuid.uuid4().hex


@dataclass
class ChatSession:
    """One browser session's conversation: raw turns for the assistant, messages for display."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    rated: dict[int, Rated] = field(default_factory=dict)
    conversation_id: str = field(default_factory=_new_conversation_id)
    awaiting_comment: int | None = None  # the stored thumbs down a comment would go to


def notice_html(text: str, *, alert: bool = False) -> str:
    """A line of thanks or of trouble, announced to screen readers (an error at once)."""
    role = "alert" if alert else "status"
    return f'<p class="pa-notice" role="{role}">{html.escape(text)}</p>'


# After a thumbs down, the comment box comes into view (below the chat on a phone).
# Gradio shows the comment box a moment after the vote's handler returns: look for it a few
# times, and bring it into view once it is there.
SHOW_COMMENT_JS = """() => { let tries = 0; const show = () => {
  const box = document.querySelector('#pa-comment');
  if (box && box.offsetParent) { box.scrollIntoView({block: 'nearest'}); }
  else if (++tries < 20) { setTimeout(show, 100); } }; setTimeout(show, 50); }"""


def new_session() -> ChatSession:
    """A visitor's conversation, made when the page loads (a function, not a ChatSession value,
    which Gradio would copy for everyone with the same conversation id)."""
    return ChatSession()


# --------------------------------------------------------------------------- the chat


def build_ui(
    assistant_factory: AssistantFactory,
    *,
    settings: Settings | None = None,
    feedback_store: FeedbackStore | None = None,
) -> gr.Blocks:
    """The chat; the assistant is fetched from the factory on each event."""
    settings = settings or get_settings()
    store = feedback_store or FeedbackStore(settings.database)

    def load_programmes() -> Any:
        choices: list[tuple[str, str]] = [("All programmes", ALL_PROGRAMMES)]
        try:
            choices += [(p.title, p.id) for p in assistant_factory().programmes()]
        except AssistantError as exc:
            logger.warning("programme list unavailable: %s", exc)
        return gr.Dropdown(choices=choices, value=ALL_PROGRAMMES)

    def respond(
        message: str, programme: str | None, session: ChatSession
    ) -> Iterator[tuple[list[Message], str, ChatSession, str]]:
        question = (message or "").strip()
        if not question:
            yield session.messages, "", session, ""
            return
        if len(question) > settings.max_message_chars:
            too_long = (
                f"The question is {len(question)} characters long; the limit is "
                f"{settings.max_message_chars}. Please shorten it."
            )
            yield session.messages, message, session, notice_html(too_long, alert=True)
            return
        messages = [*session.messages, {"role": "user", "content": chat_markdown(question)}]
        yield messages, "", session, ""

        keep = 2 * settings.max_history_turns  # a turn is a question and its answer
        history = session.turns[-keep:] if keep else []
        answer_message: Message = {"role": "assistant", "content": ""}
        text, answer = "", None
        try:
            for item in assistant_factory().stream(question, history, programme or None):
                if isinstance(item, Answer):
                    answer = item
                    break
                if not text:
                    messages.append(answer_message)
                text += item
                answer_message["content"] = chat_markdown(text)
                yield messages, "", session, ""
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                logger.exception("the UI chat failed")
            answer_message["content"] = chat_markdown(friendly_error(exc))
            if not text:
                messages.append(answer_message)
            session.messages = messages
            yield messages, "", session, ""
            return
        if answer is None:
            logger.error("the assistant's stream ended without an answer")
            answer = Answer(text=text or friendly_error(RuntimeError()), answered=False)

        answer_message["content"] = chat_markdown(answer.text)
        if not text:
            messages.append(answer_message)
        rated = Rated(
            question,
            answer.text,
            unique_sources(answer.citations),
            answer.programme or programme or "",
        )
        session.rated[len(messages) - 1] = rated
        if answer.citations:
            messages.append(sources_message(answer.citations))  # folded; its actions hidden
        session.turns += [Turn("user", question), Turn("assistant", answer.text)]
        session.messages = messages
        yield messages, "", session, ""

    def on_like(data: gr.LikeData, session: ChatSession) -> tuple[ChatSession, Any, str, str]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        rated = session.rated.get(int(index))
        if rated is None or data.liked not in (True, False):
            return session, gr.update(), "", ""
        try:
            feedback_id, _ = record_feedback(
                store,
                rating="up" if data.liked else "down",
                question=rated.question,
                answer=rated.answer,
                sources=rated.sources,
                programme=rated.programme,
                conversation_id=session.conversation_id,
            )
        except AssistantError as exc:
            return session, gr.update(), "", notice_html(friendly_error(exc), alert=True)
        session.awaiting_comment = None if data.liked else feedback_id
        thanks = notice_html("Thank you for the feedback.")
        return session, gr.update(visible=not data.liked), "", thanks

    def on_comment(text: str, session: ChatSession) -> tuple[ChatSession, Any, str, str]:
        if session.awaiting_comment is None:
            return session, gr.update(visible=False), "", ""
        thanks = ""
        if text.strip():
            try:
                store.add_comment(session.awaiting_comment, text)
            except AssistantError as exc:
                return session, gr.update(), text, notice_html(friendly_error(exc), alert=True)
            thanks = notice_html("Thank you: the programme's staff will read your comment.")
        session.awaiting_comment = None
        return session, gr.update(visible=False), "", thanks

    def on_example(data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def clear_chat() -> tuple[list[Message], ChatSession, Any, str]:
        return [], ChatSession(), gr.update(visible=False), ""

    with gr.Blocks(title="Programme assistant", analytics_enabled=False) as blocks:
        session = gr.State(new_session)  # called per page load: a conversation per visitor
        gr.Markdown(
            "# Programme assistant\n"
            "Answers about programmes from their official documents, with the passages it "
            "relied on.",
            elem_classes="pa-header",
        )
        with gr.Row(equal_height=True):
            programme = gr.Dropdown(
                choices=[("All programmes", ALL_PROGRAMMES)],
                value=ALL_PROGRAMMES,
                label="Programme",
                show_label=False,
                container=False,
                interactive=True,
                scale=3,
                min_width=160,
                elem_id="pa-programme",
            )
            clear = gr.Button("New chat", scale=1, min_width=96, size="md", variant="secondary")
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            height=560,
            autoscroll=False,  # ui.js keeps the newest question at the top: its answer in view
            layout="bubble",
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            feedback_options=("Like", "Dislike"),
            buttons=["copy"],
            placeholder="Ask about fees, admission, deadlines or courses.",
            examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
            group_consecutive_messages=False,  # the answer's copy button copies the answer only
            elem_id="pa-chatbot",
        )
        # Thanks and errors in the page's flow, under the chat: never over a control.
        notice = gr.HTML("", elem_id="pa-notice", padding=False)
        with gr.Group(visible=False, elem_id="pa-feedback") as feedback_box:
            comment = gr.Textbox(
                label="What was wrong with this answer? (optional)",
                placeholder="For example: it gave the fee for another year.",
                lines=2,
                max_lines=6,
                max_length=2000,
                elem_id="pa-comment",
            )
            with gr.Row():
                send_comment = gr.Button("Send comment", size="md", variant="primary")
                skip_comment = gr.Button("No comment", size="md", variant="secondary")
        question = gr.Textbox(
            label="Your question",
            placeholder="Type your question",
            show_label=False,
            max_lines=6,
            elem_id="pa-question",
            submit_btn="Send",
        )

        # The list fills in quietly: a loading animation over the picker on every page load would
        # cover it while a visitor may already be reaching for it.
        blocks.load(
            load_programmes, outputs=programme, api_visibility="private", show_progress="hidden"
        )
        chat_io: dict[str, Any] = {
            "inputs": [question, programme, session],
            "outputs": [chatbot, question, session, notice],
            "concurrency_limit": CHAT_CONCURRENCY,
            "api_visibility": "private",
        }
        question.submit(respond, **chat_io)
        chatbot.example_select(on_example, outputs=question, api_visibility="private").then(
            respond, **chat_io
        )
        chatbot.like(
            on_like,
            inputs=session,
            outputs=[session, feedback_box, comment, notice],
            api_visibility="private",
        ).then(None, js=SHOW_COMMENT_JS, api_visibility="private")
        comment_io: dict[str, Any] = {
            "inputs": [comment, session],
            "outputs": [session, feedback_box, comment, notice],
            "api_visibility": "private",
        }
        send_comment.click(on_comment, **comment_io)
        comment.submit(on_comment, **comment_io)
        skip_comment.click(
            lambda session: on_comment("", session),
            inputs=session,
            outputs=[session, feedback_box, comment, notice],
            api_visibility="private",
        )
        clear.click(
            clear_chat, outputs=[chatbot, session, feedback_box, notice], api_visibility="private"
        )
    return blocks


# --------------------------------------------------------------------------- the staff view
