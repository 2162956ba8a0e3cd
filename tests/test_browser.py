"""A real browser (headless Chromium) against the real server: the widget, the UI, escaping.

Set ASSISTANT_SCREENSHOT_DIR to a folder (e.g. docs) to save the README's screenshots.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect, sync_playwright
from server import (
    PROGRAMME,
    XSS_PAYLOAD,
    ScriptedAssistant,
    free_port,
    real_app_settings,
    serve_in_thread,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api import create_app
from assistant.chat import Assistant
from assistant.config import Settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # gradio's queue statistics call pandas options that pandas 3 deprecates
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
KUL_BME = "kul-biomedical-engineering-postgraduate"
KUL_BME_TITLE = "Postgraduate Programme in Biomedical Engineering"
FEE_QUESTION = "How much is the tuition fee for non-EEA students?"
WIDGET = "#programme-assistant-widget"  # Playwright's CSS selectors pierce its open shadow root
SCREENSHOTS = os.environ.get("ASSISTANT_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def page_serving(html: str) -> ASGIApp:
    """An ASGI app that serves one HTML page at /, standing for a programme's own website."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] in ("http", "lifespan")
        if scope["type"] == "lifespan":
            return
        body = html.encode()
        await send(
            {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", b"text/html; charset=utf-8")]}
        )  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    return app


def host_page(api: str, programme: str = KUL_BME) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Programme site</title>"
        "<link rel='icon' href='data:,'></head><body><h1>A programme on another site</h1>"
        f"<script src='{api}/widget.js' data-programme='{programme}'"
        " data-title='Ask about this programme'></script></body></html>"
    )


class Site:
    """The real app, and a second origin (another website) whose page embeds the widget."""

    def __init__(self, api: str, other_origin: str, settings: Settings) -> None:
        self.api = api
        self.other_origin = other_origin
        self.settings = settings


@pytest.fixture(scope="module")
def site(
    index_settings: Settings, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    other_port = free_port()
    other_origin = f"http://127.0.0.1:{other_port}"
    settings = real_app_settings(
        index_settings, tmp_path_factory.mktemp("browser"), cors_origins=[other_origin]
    )
    with serve_in_thread(create_app(settings, assistant)) as api:  # noqa: SIM117 - needs api
        with serve_in_thread(page_serving(host_page(api)), port=other_port):
            yield Site(api, other_origin, settings)


def ask_widget(page: Page, question: str) -> None:
    page.get_by_role("button", name="Ask about this programme").click()
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()
    page.get_by_role("textbox", name="Your question").fill(question)
    page.keyboard.press("Enter")


def last_answer(page: Page) -> Locator:
    return page.locator(f"{WIDGET} .msg.assistant").last


# --------------------------------------------------------------------------- the widget


def test_the_widget_on_the_demo_page_answers_a_fee_question_with_its_source(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/demo")

    ask_widget(page, FEE_QUESTION)

    answer = page.locator(f"{WIDGET} .msg.assistant").last
    expect(answer.locator(".sources")).to_be_visible()
    expect(answer.locator(".text")).to_contain_text("4400")
    link = answer.locator(".sources a").first
    expect(link).to_have_text(KUL_BME_TITLE)
    expect(link).to_have_attribute("href", f"{site.api}/api/documents/{KUL_BME}")
    expect(answer.locator(".sources blockquote").first).to_contain_text("4400")
    if SCREENSHOTS:
        page.wait_for_timeout(300)
        page.screenshot(path=str(Path(SCREENSHOTS) / "widget.png"))

    page.reload()  # the conversation lives in sessionStorage: it survives a reload

    expect(page.locator(f"{WIDGET} .msg.user")).to_have_text([FEE_QUESTION])
    expect(page.locator(f"{WIDGET} .msg.assistant .sources a").first).to_have_text(KUL_BME_TITLE)


def test_the_widget_sends_the_conversation_so_far_with_each_question(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/demo")
    ask_widget(page, FEE_QUESTION)
    expect(last_answer(page).locator(".sources")).to_be_visible()

    with page.expect_request(f"{site.api}/api/chat/stream") as request:
        page.get_by_role("textbox", name="Your question").fill("And for EEA students?")
        page.keyboard.press("Enter")

    body = request.value.post_data_json
    assert body is not None
    assert body["programme"] == KUL_BME
    assert [m["role"] for m in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == FEE_QUESTION
    expect(last_answer(page).locator(".text")).to_contain_text("840")


def test_the_widget_works_on_a_page_of_another_origin(site: Site, page: Page) -> None:
    page.goto(site.other_origin)

    with page.expect_response(f"{site.api}/api/chat/stream") as response:
        ask_widget(page, FEE_QUESTION)

    assert response.value.headers["access-control-allow-origin"] == site.other_origin
    answer = last_answer(page)
    expect(answer.locator(".text")).to_contain_text("4400")
    expect(answer.locator(".sources a").first).to_have_text(KUL_BME_TITLE)


def test_the_widget_on_an_origin_not_in_the_allowlist_says_it_cannot_reach_the_assistant(
    site: Site, page: Page
) -> None:
    with serve_in_thread(page_serving(host_page(site.api))) as stranger:
        page.goto(stranger)
        ask_widget(page, FEE_QUESTION)

        expect(last_answer(page)).to_contain_text("cannot be reached")


def test_the_widget_is_operable_from_the_keyboard(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/demo")
    launcher = page.get_by_role("button", name="Ask about this programme")
    expect(launcher).to_have_attribute("aria-expanded", "false")

    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Ask about this programme")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_widget_says_when_a_vote_was_not_saved(
    index_settings: Settings, assistant: Assistant, tmp_path: Path, page: Page
) -> None:
    broken = tmp_path / "feedback.sqlite3"
    broken.write_bytes(b"this is not a SQLite database " * 200)
    settings = real_app_settings(index_settings, tmp_path, feedback_db=broken)
    with serve_in_thread(create_app(settings, assistant, ui=False)) as api:
        page.goto(f"{api}/demo")
        ask_widget(page, FEE_QUESTION)
        answer = last_answer(page)
        expect(answer.locator(".sources")).to_be_visible()

        with page.expect_response(f"{api}/api/feedback") as response:
            answer.get_by_role("button", name="Helpful", exact=True).click()

        assert response.value.status == 503
        alert = answer.get_by_role("alert")
        expect(alert).to_contain_text("Your vote was not saved.")
        expect(alert).to_contain_text("feedback store is not working")
        expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
            "aria-pressed", "false"
        )


# --------------------------------------------------------------------------- the Gradio UI


def test_the_ui_answers_a_question_with_its_sources_and_takes_feedback(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/ui/")
    page.get_by_role("combobox", name="Programme").click()
    page.get_by_role("option", name=KUL_BME_TITLE).click()

    page.locator("#pa-question textarea").fill(FEE_QUESTION)
    page.keyboard.press("Enter")

    chat = page.locator("#pa-chatbot")
    link = chat.get_by_role("link", name="open document").first
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/api/documents/{KUL_BME}")
    expect(chat).to_contain_text("4400")
    expect(chat).to_contain_text(KUL_BME_TITLE)
    expect(chat.locator("blockquote").first).to_contain_text("4400")
    expect(chat.locator("blockquote").first).to_be_visible()
    if SCREENSHOTS:
        page.wait_for_timeout(500)  # let the sources finish unfolding
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(SCREENSHOTS) / "ui.png"))

    chat.get_by_label("Like").last.click()
    expect(page.get_by_text("Thank you for the feedback.")).to_be_visible()
    with sqlite3.connect(site.settings.feedback_db) as connection:
        rows = connection.execute("SELECT rating, question, sources FROM feedback").fetchall()
    assert ("up", FEE_QUESTION, KUL_BME) in rows


def test_the_ui_drafts_a_reply_and_marks_the_unanswered_questions(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/ui/")
    page.get_by_role("tab", name="Draft a reply (staff)").click()
    page.locator("#pa-email textarea").fill(
        "Dear admissions office,\n\nI am from Brazil and I would like to apply to the "
        "Postgraduate Programme in Biomedical Engineering at KU Leuven. How much is the "
        "tuition fee for non-EEA students? Do you offer student housing?\n\n"
        "Kind regards,\nAna"
    )

    page.get_by_role("button", name="Draft a reply").click()

    expect(page.locator("#pa-draft textarea")).to_have_value(re.compile("4400"))
    expect(page.locator("div.prose.pa-draft-status")).to_contain_text(
        "Needs your answer (not in the documents): Do you offer student housing?"
    )


def test_the_ui_says_what_to_do_when_the_email_is_empty(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/ui/")
    page.get_by_role("tab", name="Draft a reply (staff)").click()

    page.get_by_role("button", name="Draft a reply").click()

    expect(page.get_by_text("Paste the applicant's email first.")).to_be_visible()


# --------------------------------------------------------------------------- nothing runs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A real server whose assistant answers, quotes and titles with an HTML payload, and a
    page of another origin that embeds its widget."""
    fake = ScriptedAssistant(
        text=f"The fee is {XSS_PAYLOAD} [1]",
        quote=f"quote {XSS_PAYLOAD} [link](javascript:window.__xss=2)",
        title=f"Title {XSS_PAYLOAD}",
        document_text=f"# Document\n\n{XSS_PAYLOAD}\n<script>window.__xss=3</script>\n",
        open_question=f"Is there a scholarship? {XSS_PAYLOAD}",
    )
    other_port = free_port()
    other_origin = f"http://127.0.0.1:{other_port}"
    folder = tmp_path_factory.mktemp("hostile")
    settings = Settings.model_validate(
        {
            "feedback_db": folder / "f.sqlite3",
            "rate_limit_per_minute": 0,
            "cors_origins": [other_origin],
        }
    )
    with serve_in_thread(create_app(settings, fake)) as api:  # noqa: SIM117 - needs api
        with serve_in_thread(page_serving(host_page(api, PROGRAMME.id)), port=other_port):
            yield Site(api, other_origin, settings)


def assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x']").count() == 0


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


def test_html_in_an_answer_shows_as_text_in_the_widget(hostile: Site, page: Page) -> None:
    dialogs = watch_dialogs(page)
    page.goto(hostile.other_origin)

    ask_widget(page, "How much is the fee?")

    answer = last_answer(page)
    expect(answer.locator(".sources")).to_be_visible()
    expect(answer.locator(".text")).to_have_text(f"The fee is {XSS_PAYLOAD} [1]")
    expect(answer.locator(".sources a")).to_have_text(f"Title {XSS_PAYLOAD}")
    expect(answer.locator("blockquote")).to_contain_text(XSS_PAYLOAD)
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)
    assert page.locator(f"{WIDGET} img").count() == 0


def test_html_in_an_answer_shows_as_text_in_the_ui(hostile: Site, page: Page) -> None:
    dialogs = watch_dialogs(page)
    page.goto(f"{hostile.api}/ui/")

    page.locator("#pa-question textarea").fill("How much is the fee?")
    page.keyboard.press("Enter")

    chat = page.locator("#pa-chatbot")
    expect(chat.get_by_role("link", name="open document")).to_be_visible()
    expect(chat).to_contain_text(f"The fee is {XSS_PAYLOAD} [1]")
    expect(chat).to_contain_text(f"Title {XSS_PAYLOAD}")
    expect(chat.locator("blockquote")).to_contain_text("[link](javascript:window.__xss=2)")
    assert chat.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)


def test_html_in_a_drafted_reply_shows_as_text_in_the_ui(hostile: Site, page: Page) -> None:
    dialogs = watch_dialogs(page)
    page.goto(f"{hostile.api}/ui/")
    page.get_by_role("tab", name="Draft a reply (staff)").click()
    page.locator("#pa-email textarea").fill("What is the fee? Is there a scholarship?")

    page.get_by_role("button", name="Draft a reply").click()

    expect(page.locator("div.prose.pa-draft-status")).to_contain_text(XSS_PAYLOAD)
    expect(page.locator("#pa-draft textarea")).to_have_value(re.compile(re.escape(XSS_PAYLOAD)))
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)


def test_html_in_a_document_is_served_as_text(hostile: Site, page: Page) -> None:
    dialogs = watch_dialogs(page)

    page.goto(f"{hostile.api}/api/documents/{PROGRAMME.id}")

    expect(page.locator("body")).to_contain_text("<script>window.__xss=3</script>")
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)
