"""The Gradio UI: a streaming chat with sources and feedback, and a staff tab to draft replies.

The only module that imports gradio. Every text that comes from an answer or a document is
escaped before Gradio renders it as Markdown, and Gradio's own sanitiser stays on. Each browser
session keeps its conversation in its own ``gr.State``; nothing is shared between sessions.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as ASGIMessage

from assistant.answer import Answer, Citation
from assistant.chat import Assistant, ReplyDraft, Turn
from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.errors import (
    AssistantError,
    FeedbackStoreError,
    IndexNotReadyError,
    InputError,
    StoreError,
)
from assistant.feedback import FeedbackStore, record_feedback

apply_offline_environment()
import gradio as gr  # noqa: E402 - the environment above must be set before gradio loads

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)

AssistantFactory = Callable[[], Assistant]
Message = dict[str, Any]

ALL_PROGRAMMES = ""
UI_PATH = "/ui"
DOCUMENTS_PATH = "/api/documents/"
CHAT_CONCURRENCY = 4
EXAMPLE_QUESTIONS = (
    "How much is the tuition fee for non-EEA students?",
    "What are the admission requirements?",
    "When is the application deadline?",
    "Does the programme lead to a diploma?",
)

# CommonMark punctuation that could start Markdown syntax; < > & are left to html.escape.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$=:])")

CSS = """
.pa-header h1 { margin-bottom: 0.2rem; }
.pa-header p { margin-top: 0; color: var(--body-text-color-subdued); }
.pa-draft-status ul { padding-left: 1.2rem; }
footer { display: none !important; }
"""


def plain_markdown(text: str) -> str:
    """Text shown as it is: no HTML and no Markdown syntax survives, line breaks do."""
    return html.escape(_MARKDOWN_SYNTAX.sub(r"\\\1", text), quote=True)


def document_link(doc_id: str) -> str:
    return DOCUMENTS_PATH + quote(doc_id, safe="")


def sources_markdown(citations: Sequence[Citation]) -> str:
    """Each citation: its document (linked), the section, and the quote it rests on."""
    blocks = []
    for number, citation in enumerate(citations, start=1):
        title = plain_markdown(citation.title or citation.source)
        line = f"**{number}\\. {title}**"
        section = citation.heading.split(" > ")[-1]
        if section and section != citation.title:
            line += f" · {plain_markdown(section)}"
        line += f" · [open document]({document_link(citation.source)})"
        quoted = "\n".join(
            f"> {plain_markdown(row)}" if row.strip() else ">"
            for row in citation.quote.splitlines()
        )
        blocks.append(f"{line}\n\n{quoted}" if quoted else line)
    return "\n\n".join(blocks)


def sources_message(citations: Sequence[Citation]) -> Message:
    label = "Source" if len(citations) == 1 else f"Sources ({len(citations)})"
    return {
        "role": "assistant",
        "content": sources_markdown(citations),
        "metadata": {"title": label},
    }


def friendly_error(exc: Exception) -> str:
    """What a person can do about a failure, without internals."""
    if isinstance(exc, InputError):
        return str(exc) or "This question cannot be answered as written."
    if isinstance(exc, IndexNotReadyError):
        return "The documents have not been indexed yet: the administrator has to run ingest."
    if isinstance(exc, FeedbackStoreError):
        return "Your vote could not be saved: the feedback store is not working right now."
    if isinstance(exc, StoreError):
        return "The document store is not reachable right now. Please try again in a minute."
    return "Something went wrong while answering. Please try again."


@dataclass
class Rated:
    """What a thumbs up or down on one answer refers to."""

    question: str
    answer: str
    sources: tuple[str, ...]


@dataclass
class ChatSession:
    """One browser session's conversation: raw turns for the assistant, messages for display."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    rated: dict[int, Rated] = field(default_factory=dict)


def _unique_sources(citations: Sequence[Citation]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.source for c in citations))


def draft_status_markdown(draft: ReplyDraft) -> str:
    """The questions found in the email, the unanswered ones marked for staff."""
    if not draft.questions:
        return "No questions were found in this email."
    unanswered = set(draft.unanswered)
    lines = [
        f"- ⚠ **Needs your answer (not in the documents):** {plain_markdown(q)}"
        if q in unanswered
        else f"- ✓ Answered: {plain_markdown(q)}"
        for q in draft.questions
    ]
    header = f"**{len(draft.questions)} question(s) found, {len(unanswered)} need your answer.**"
    return header + "\n\n" + "\n".join(lines)


def build_ui(
    assistant_factory: AssistantFactory,
    *,
    settings: Settings | None = None,
    feedback_store: FeedbackStore | None = None,
) -> gr.Blocks:
    """The chat and the staff tab; the assistant is fetched from the factory on each event."""
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
    ) -> Iterator[tuple[list[Message], str, ChatSession]]:
        question = (message or "").strip()
        if not question:
            yield session.messages, "", session
            return
        if len(question) > settings.max_message_chars:
            gr.Warning(
                f"The question is {len(question)} characters long; the limit is "
                f"{settings.max_message_chars}. Please shorten it."
            )
            yield session.messages, message, session
            return
        messages = [*session.messages, {"role": "user", "content": plain_markdown(question)}]
        yield messages, "", session

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
                answer_message["content"] = plain_markdown(text)
                yield messages, "", session
        except Exception as exc:
            if not isinstance(exc, AssistantError):
                logger.exception("the UI chat failed")
            answer_message["content"] = plain_markdown(friendly_error(exc))
            if not text:
                messages.append(answer_message)
            session.messages = messages
            yield messages, "", session
            return
        if answer is None:
            logger.error("the assistant's stream ended without an answer")
            answer = Answer(text=text or friendly_error(RuntimeError()), answered=False)

        answer_message["content"] = plain_markdown(answer.text)
        if not text:
            messages.append(answer_message)
        rated = Rated(question, answer.text, _unique_sources(answer.citations))
        session.rated[len(messages) - 1] = rated
        if answer.citations:
            messages.append(sources_message(answer.citations))
            session.rated[len(messages) - 1] = rated
        session.turns += [Turn("user", question), Turn("assistant", answer.text)]
        session.messages = messages
        yield messages, "", session

    def on_like(data: gr.LikeData, session: ChatSession) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        rated = session.rated.get(int(index))
        if rated is None or data.liked not in (True, False):
            return
        try:
            record_feedback(
                store,
                rating="up" if data.liked else "down",
                question=rated.question,
                answer=rated.answer,
                sources=rated.sources,
            )
        except AssistantError as exc:
            gr.Warning(friendly_error(exc))
            return
        gr.Info("Thank you for the feedback.")

    def on_example(data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    def clear_chat() -> tuple[list[Message], ChatSession]:
        return [], ChatSession()

    def draft(email: str) -> tuple[str, str]:
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
        return reply.text, draft_status_markdown(reply)

    with gr.Blocks(title="Programme assistant", analytics_enabled=False) as blocks:
        session = gr.State(ChatSession())
        gr.Markdown(
            "# Programme assistant\n"
            "Answers about programmes from their official documents, with the passages it "
            "relied on.",
            elem_classes="pa-header",
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=True):
                    programme = gr.Dropdown(
                        choices=[("All programmes", ALL_PROGRAMMES)],
                        value=ALL_PROGRAMMES,
                        label="Programme",
                        show_label=False,
                        container=False,
                        interactive=True,
                        scale=5,
                        elem_id="pa-programme",
                    )
                    clear = gr.Button("New conversation", scale=1, size="md", variant="secondary")
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    height=560,
                    layout="bubble",
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                    placeholder="Ask about fees, admission, deadlines or courses.",
                    examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
                    elem_id="pa-chatbot",
                )
                question = gr.Textbox(
                    placeholder="Type your question and press Enter",
                    show_label=False,
                    max_lines=6,
                    elem_id="pa-question",
                    submit_btn="Send",
                )
            with gr.Tab("Draft a reply (staff)", id="draft"):
                gr.Markdown(
                    "Paste an applicant's email. The draft answers what the documents "
                    "answer and marks the questions you have to answer yourself."
                )
                email = gr.Textbox(label="Applicant's email", lines=10, elem_id="pa-email")
                draft_button = gr.Button("Draft a reply", variant="primary")
                draft_status = gr.Markdown(elem_classes="pa-draft-status")
                draft_text = gr.Textbox(
                    label="Draft reply (check it, complete it, then copy it)",
                    lines=14,
                    interactive=True,
                    buttons=["copy"],
                    elem_id="pa-draft",
                )

        blocks.load(load_programmes, outputs=programme, api_visibility="private")
        chat_io: dict[str, Any] = {
            "inputs": [question, programme, session],
            "outputs": [chatbot, question, session],
            "concurrency_limit": CHAT_CONCURRENCY,
            "api_visibility": "private",
        }
        question.submit(respond, **chat_io)
        chatbot.example_select(on_example, outputs=question, api_visibility="private").then(
            respond, **chat_io
        )
        chatbot.like(on_like, inputs=session, api_visibility="private")
        clear.click(clear_chat, outputs=[chatbot, session], api_visibility="private")
        chatbot.clear(clear_chat, outputs=[chatbot, session], api_visibility="private")
        draft_button.click(
            draft,
            inputs=email,
            outputs=[draft_text, draft_status],
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
    )


# Gradio's routes that run an event by its function index, and the ones this UI never uses.
_EVENT_ROUTE = re.compile(r"/gradio_api/(queue/join|run/[^/]+|api/[^/]+)/?$")
_CLOSED_ROUTE = re.compile(r"/gradio_api/(upload|upload_progress)/?$")


def _error(status: int, type_: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message}}, status_code=status)


class UiGuard:
    """In front of Gradio: no anonymous uploads (the UI takes no files), and 422 for an event
    naming a function the UI does not have (Gradio fails those with a plain-text 500). An event's
    body is read once and handed on unchanged."""

    def __init__(self, app: ASGIApp, functions: Collection[int]) -> None:
        self.app = app
        self.functions = frozenset(functions)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _CLOSED_ROUTE.search(scope["path"]):
            await _error(404, "not_found", "This UI takes no uploads.")(scope, receive, send)
            return
        if scope["method"] != "POST" or not _EVENT_ROUTE.search(scope["path"]):
            await self.app(scope, receive, send)
            return
        messages = await _body_messages(receive)
        index = _fn_index(b"".join(m.get("body", b"") for m in messages))
        if index is not None and index not in self.functions:
            response = _error(422, "invalid_request", f"The UI has no function {index}.")
            await response(scope, receive, send)
            return

        async def replay() -> ASGIMessage:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _body_messages(receive: Receive) -> list[ASGIMessage]:
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False):
        messages.append(await receive())
    return messages


def _fn_index(body: bytes) -> int | None:
    try:
        value = json.loads(body).get("fn_index")
    except (ValueError, AttributeError):
        return None  # not a JSON object: Gradio's own validation answers it
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("the UI failed on %s", request.url.path, exc_info=exc)
    return _error(500, "internal_error", "Something went wrong on the server. Try again.")


def _harden(gradio_app: FastAPI, blocks: gr.Blocks) -> None:
    """Uploads closed, bad event calls refused, unexpected errors answered as JSON."""
    gradio_app.add_middleware(UiGuard, functions=set(blocks.fns))
    gradio_app.add_exception_handler(Exception, _server_error)


def mount_ui(
    app: FastAPI,
    assistant_factory: AssistantFactory,
    settings: Settings,
    feedback_store: FeedbackStore,
    path: str = UI_PATH,
) -> None:
    """Mount the Gradio UI on the API's app at ``path``."""
    blocks = build_ui(assistant_factory, settings=settings, feedback_store=feedback_store)
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
        css=CSS,
    )
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == path)
    _harden(mount.app, blocks)  # type: ignore[arg-type]  # gradio's App is a FastAPI app
