"""The Gradio UI: a streaming chat with sources and feedback at /ui, and the staff view at /staff.

The only module that imports gradio. A message's content is the text itself, so copying a
message or reading its label gives clean text; its lists, line breaks and emphasis render as
Markdown. HTML tags and link syntax that come from an answer or a document show as the
characters they are, and Gradio's own sanitiser stays on. Each browser session keeps its
conversation in its own ``gr.State``; nothing is shared between sessions. The staff view is
gated by the API (everything under /staff needs a staff session). The text of messages and
sources is rendered by ``assistant.ui_text``; the style sheet is ``static/ui.css``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as ASGIMessage

from assistant.answer import Answer
from assistant.api.schemas import NOT_UNICODE
from assistant.chat import Assistant, Turn
from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.errors import (
    AssistantError,
)
from assistant.feedback import FeedbackStore, record_feedback
from assistant.ui_text import (
    Message,
    chat_markdown,
    draft_sources,
    draft_status_markdown,
    friendly_error,
    sources_markdown,
    sources_message,
    unique_sources,
)

apply_offline_environment()
import gradio as gr  # noqa: E402 - the environment above must be set before gradio loads

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)

AssistantFactory = Callable[[], Assistant]

ALL_PROGRAMMES = ""
UI_PATH = "/ui"
STAFF_UI_PATH = "/staff"
EXPORT_PATH = "/api/feedback/export"
CHAT_CONCURRENCY = 4
CSS_PATH = Path(__file__).parent / "static" / "ui.css"
JS_PATH = Path(__file__).parent / "static" / "ui.js"
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
SHOW_COMMENT_JS = """() => { setTimeout(() => { const box = document.querySelector('#pa-comment');
  if (box && box.offsetParent) box.scrollIntoView({block: 'nearest'}); }, 50); }"""


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
    store = feedback_store or FeedbackStore(settings.feedback_db)

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


def theme() -> gr.themes.Base:
    """A theme with system fonts only: the UI loads nothing from other hosts."""
    return gr.themes.Soft(
        primary_hue="blue",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    ).set(
        # At least 4.5:1 for labels and buttons (the Soft defaults are pale blue on blue).
        block_label_text_color="*primary_800",
        block_label_text_color_dark="*primary_100",
        block_title_text_color="*primary_800",
        block_title_text_color_dark="*primary_100",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_600",
        button_primary_text_color="white",
    )


# The only routes of Gradio's that the UI's pages use (found by driving the chat and the staff
# view in a browser): the page, its theme and assets, and the event queue. Every other route
# (uploads, recordings, the REST and client APIs, the component server, configuration and
# monitoring) answers 404.
UI_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GET", re.compile(r"/")),
    ("GET", re.compile(r"/theme\.css")),
    ("GET", re.compile(r"/(assets|static)/[^?#]+")),
    ("GET", re.compile(r"/gradio_api/heartbeat/[^/]+")),
    ("GET", re.compile(r"/gradio_api/queue/data")),
    ("POST", re.compile(r"/gradio_api/queue/join")),
)
# An event from the UI nests three levels deep; far deeper is an attack on the JSON parser.
MAX_EVENT_DEPTH = 16
_TOO_DEEP = f"The event is nested more than {MAX_EVENT_DEPTH} levels deep."
_SURROGATE = re.compile("[\ud800-\udfff]")


def _error(
    status: int, type_: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": type_, "message": message}}, status_code=status, headers=headers
    )


def allowed_methods(path: str) -> set[str]:
    """The methods the UI uses on ``path`` (relative to where the UI is mounted); empty: none."""
    return {method for method, pattern in UI_ROUTES if pattern.fullmatch(path)}


class UiGuard:
    """In front of Gradio: only the routes the UI uses are reachable (404 for the others, 405 for
    another method), and an event reaches Gradio only as a JSON object, nested at most
    ``MAX_EVENT_DEPTH`` deep, whose text is valid Unicode, naming one of the UI's functions; 422
    for any other body. An event's body is read once and handed on unchanged."""

    def __init__(self, app: ASGIApp, functions: Collection[int]) -> None:
        self.app = app
        self.functions = frozenset(functions)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(_mounted_path(scope))
        if scope["method"] not in methods:
            response = (
                _error(405, "method_not_allowed", "The UI does not use this method here.",
                       {"Allow": ", ".join(sorted(methods))})
                if methods
                else _error(404, "not_found", "There is nothing at this address in the UI.")
            )  # fmt: skip
            await response(scope, receive, send)
            return
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages = await _body_messages(receive)
        problem = event_problem(b"".join(m.get("body", b"") for m in messages), self.functions)
        if problem is not None:
            await _error(422, "invalid_request", problem)(scope, receive, send)
            return

        async def replay() -> ASGIMessage:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _mounted_path(scope: Scope) -> str:
    """The request's path below the mount point (Starlette keeps the full path in ``path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return (path[len(root) :] if root and path.startswith(root) else path) or "/"


async def _body_messages(receive: Receive) -> list[ASGIMessage]:
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False):
        messages.append(await receive())
    return messages


def event_problem(body: bytes, functions: Collection[int]) -> str | None:
    """What makes ``body`` no event of the UI's, in words; None when it is one."""
    try:
        event = json.loads(body)
    except RecursionError:
        return _TOO_DEEP
    except ValueError:
        return "The event is not valid JSON."
    if not isinstance(event, dict):
        return "The event is not a JSON object."
    problem = _structure_problem(event)
    if problem is not None:
        return problem
    index = event.get("fn_index")
    if not isinstance(index, int) or isinstance(index, bool):
        return "The event does not name a function by its number (fn_index)."
    if index not in functions:
        return f"The UI has no function {index}."
    return None


def _structure_problem(event: dict[str, Any]) -> str | None:
    """Too deep, or text with a lone surrogate (JSON can escape one; UTF-8 cannot carry it)."""
    stack: list[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return f"The event's text {NOT_UNICODE}."
        elif isinstance(value, (dict, list)):
            if depth > MAX_EVENT_DEPTH:
                return _TOO_DEEP
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return None


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("the UI failed on %s", request.url.path, exc_info=exc)
    return _error(500, "internal_error", "Something went wrong on the server. Try again.")


def _harden(gradio_app: FastAPI, blocks: gr.Blocks) -> None:
    """Only the UI's routes open, bad events refused, unexpected errors answered as JSON."""
    gradio_app.add_middleware(UiGuard, functions=set(blocks.fns))
    gradio_app.add_exception_handler(Exception, _server_error)


def _mount(app: FastAPI, blocks: gr.Blocks, path: str) -> None:
    """Mount ``blocks`` at ``path``, hardened: only the UI's routes, valid events, errors as
    JSON."""
    gr.mount_gradio_app(
        app,
        blocks,
        path=path,
        footer_links=[],
        run_history=False,
        show_error=False,
        max_file_size="1mb",
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        theme=theme(),
        css=CSS_PATH.read_text(encoding="utf-8"),
        js=JS_PATH.read_text(encoding="utf-8"),
    )
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == path)
    _harden(mount.app, blocks)  # type: ignore[arg-type]  # gradio's App is a FastAPI app


def mount_ui(
    app: FastAPI,
    assistant_factory: AssistantFactory,
    settings: Settings,
    feedback_store: FeedbackStore,
    path: str = UI_PATH,
    staff_path: str = STAFF_UI_PATH,
) -> None:
    """Mount the chat at ``path`` and the staff view at ``staff_path`` on the API's app."""
    chat = build_ui(assistant_factory, settings=settings, feedback_store=feedback_store)
    _mount(app, chat, path)
    _mount(app, build_staff_ui(assistant_factory, settings=settings), staff_path)
