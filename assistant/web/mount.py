"""The Gradio pages on the API's app: the chat at /ui and the staff view at /staff, with the
project's theme, style sheet and script, each behind the guard of ``ui_guard``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from starlette.routing import Mount

from assistant.config import Settings, apply_offline_environment
from assistant.web.feedback import FeedbackStore
from assistant.web.staff_ui import build_staff_ui
from assistant.web.ui import AssistantFactory, build_ui
from assistant.web.ui_guard import UiGuard, server_error

apply_offline_environment()
import gradio as gr  # noqa: E402 - the environment above must be set before gradio loads

if TYPE_CHECKING:
    from fastapi import FastAPI


UI_PATH = "/ui"
STAFF_UI_PATH = "/staff"
CSS_PATH = Path(__file__).parent / "static" / "ui.css"
JS_PATH = Path(__file__).parent / "static" / "ui.js"


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


def _harden(gradio_app: FastAPI, blocks: gr.Blocks) -> None:
    """Only the UI's routes open, bad events refused, unexpected errors answered as JSON."""
    gradio_app.add_middleware(UiGuard, functions=set(blocks.fns))
    gradio_app.add_exception_handler(Exception, server_error)


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
