"""A real browser (headless Chromium) against the real server, at a desktop's and a phone's size.

The widget, the chat UI, the staff view and the document view; what copying gives and what a
screen reader reads; a slow server (timeouts, cancel, retry); the staff gate; escaping; and an
axe-core scan of each page. Set ASSISTANT_SCREENSHOT_DIR to a folder (e.g. docs) to save the
README's screenshots.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Dialog, Locator, Page, expect, sync_playwright
from server import (
    PROGRAMME,
    STAFF_TOKEN,
    XSS_PAYLOAD,
    ScriptedAssistant,
    free_port,
    real_app_settings,
    serve_in_thread,
    serve_with_its_own_assistant,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.config import Settings
from assistant.conversation.assistant import Assistant
from assistant.web.api import create_app

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
LEIDEN_TITLE = "Master Biomedical Sciences, Research specialisation"
FEE_QUESTION = "How much is the tuition fee for non-EEA students?"
FEE_QUOTE = (
    "non-EEA student: 4400 euro (full-time registration) and 2200 euro (part-time registration)"
)
WIDGET = "#programme-assistant-widget"  # Playwright's CSS selectors pierce its open shadow root
SCREENSHOTS = os.environ.get("ASSISTANT_SCREENSHOT_DIR")
# Backslash before Markdown punctuation: what an escaped message looked like ("non\-EEA\.").
ESCAPED = re.compile(r"\\[-.()\[\]!#*_:+|{}]")

VIEWPORTS = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, viewport: str) -> Iterator[Page]:
    phone = viewport == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.wait_for_timeout(400)
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def page_serving(pages: str | Mapping[str, str]) -> ASGIApp:
    """An ASGI app that serves HTML pages (one at /, or one per path), standing for a
    programme's own website."""
    by_path = {"/": pages} if isinstance(pages, str) else dict(pages)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] in ("http", "lifespan")
        if scope["type"] == "lifespan":
            return
        html = by_path.get(scope["path"])
        body = (html or "not here").encode()
        await send(
            {"type": "http.response.start", "status": 200 if html else 404,
             "headers": [(b"content-type", b"text/html; charset=utf-8")]}
        )  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    return app


def host_page(api: str, programme: str = KUL_BME, extra: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Programme site</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'></head><body><main><h1>A programme on another site</h1>"
        f"</main><script src='{api}/widget.js' data-programme='{programme}'"
        f" data-title='Ask about this programme' {extra}></script></body></html>"
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
    pages = {"/": host_page("{api}"), "/all-programmes": host_page("{api}", programme="")}
    with serve_in_thread(create_app(settings, assistant)) as api:
        served = {path: html.replace("{api}", api) for path, html in pages.items()}
        with serve_in_thread(page_serving(served), port=other_port):
            yield Site(api, other_origin, settings)


def ask_widget(page: Page, question: str) -> None:
    page.get_by_role("button", name="Ask about this programme").click()
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()
    page.get_by_role("textbox", name="Your question").fill(question)
    page.keyboard.press("Enter")


def last_answer(page: Page) -> Locator:
    return page.locator(f"{WIDGET} .msg.assistant").last


def feedback_rows(settings: Settings) -> list[dict[str, Any]]:
    with sqlite3.connect(settings.database_path) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM feedback ORDER BY id")]


def assert_tappable(page: Page, scope: Locator) -> None:
    """Every visible control in ``scope``, once scrolled into view, is the element found at its
    own centre (nothing lies over it) and at least 24 by 24 CSS pixels (WCAG 2.5.8). Gradio's
    loading veil, which fades out once the page has loaded, is waited for (up to 3 s)."""
    for _ in range(10):
        problems = tappable_problems(scope)
        if not any("translucent" in problem for problem in problems):
            break
        page.wait_for_timeout(300)
    assert problems == []


def tappable_problems(scope: Locator) -> list[str]:
    return scope.evaluate(
        """(root) => {
          const controls = root.querySelectorAll(
            'button, a[href], textarea, input:not([type=hidden]), select, [role=button]');
          const problems = [];
          for (const control of controls) {
            const style = getComputedStyle(control);
            if (!control.getClientRects().length || style.visibility === 'hidden') continue;
            if (control.disabled || control.closest('[aria-hidden=true]')) continue;
            control.scrollIntoView({block: 'center', inline: 'center'});
            const box = control.getBoundingClientRect();
            const name = control.getAttribute('aria-label') || control.textContent.trim();
            const inline = control.tagName === 'A' && style.display === 'inline';
            if (!inline && (box.width < 24 || box.height < 24)) {
              problems.push(`${name}: ${box.width}x${box.height}`);
            }
            const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
            const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
            let hit = document.elementFromPoint(x, y);
            while (hit && hit.shadowRoot && hit.shadowRoot.elementFromPoint(x, y)
                   && hit.shadowRoot.elementFromPoint(x, y) !== hit) {
              hit = hit.shadowRoot.elementFromPoint(x, y);
            }
            if (!hit || !(control === hit || control.contains(hit) || hit.contains(control))) {
              problems.push(`${name} is covered by ${hit && (hit.className || hit.tagName)}`);
            }
          }
          return problems;
        }"""
    )


def assert_no_serious_accessibility_violations(page: Page) -> None:
    page.wait_for_timeout(500)  # let fades and transitions end: axe measures the colours shown
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def sign_in_as_staff(page: Page, base: str, token: str = STAFF_TOKEN, name: str = "") -> None:
    """Sign in at the staff sign-in page: with a staff account's name and password, or, with no
    name, the shared staff token as the password."""
    page.goto(f"{base}/staff/")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(token)
    page.get_by_role("button", name="Sign in").click()


# --------------------------------------------------------------------------- the widget


def test_the_widget_on_the_demo_page_answers_a_fee_question_with_its_source(
    site: Site, page: Page, viewport: str
) -> None:
    page.goto(f"{site.api}/demo")

    ask_widget(page, FEE_QUESTION)

    answer = page.locator(f"{WIDGET} .msg.assistant").last
    expect(answer.locator(".sources")).to_be_visible()
    expect(answer.locator(".text")).to_contain_text("4400")
    link = answer.locator(".sources a").filter(has_text=KUL_BME_TITLE).first
    expect(link).to_have_text(KUL_BME_TITLE)
    expect(answer.locator(".sources blockquote").filter(has_text="4400")).to_have_count(1)
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{site.api}/api/documents/{KUL_BME}?quote=")
    assert href.endswith("#quote")
    screenshot(page, "widget.png" if viewport == "desktop" else "widget-phone.png")

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


def test_the_widget_renders_a_multi_programme_answer_as_a_list_not_as_dashes(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.other_origin}/all-programmes")

    ask_widget(page, "What is the tuition fee?")

    text = last_answer(page).locator(".text")
    expect(last_answer(page).locator(".sources")).to_be_visible()
    items = text.locator("ul > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(KUL_BME_TITLE)
    expect(items.nth(1)).to_contain_text(LEIDEN_TITLE)
    assert not re.search(r"(^|\n)\s*- ", text.inner_text())
    assert not ESCAPED.search(text.inner_text())


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
        expect(page.get_by_role("textbox", name="Your question")).to_have_value(FEE_QUESTION)
        expect(last_answer(page).get_by_role("button", name="Retry")).to_be_visible()


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


def test_the_widgets_source_link_opens_the_document_at_the_highlighted_quote(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/demo")
    ask_widget(page, FEE_QUESTION)
    link = last_answer(page).locator(".sources li").filter(has_text="4400").locator("a")

    with page.context.expect_page() as opened:
        link.click()

    document = opened.value
    document.wait_for_load_state()
    mark = document.locator("mark#quote")
    expect(mark).to_have_text(FEE_QUOTE)
    expect(mark).to_be_in_viewport()
    assert "aliases:" not in document.locator("body").inner_text()


def test_a_thumbs_down_in_the_widget_is_stored_at_the_click_and_keeps_the_whole_exchange(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/demo")
    ask_widget(page, FEE_QUESTION)
    answer = last_answer(page)
    expect(answer.locator(".sources")).to_be_visible()

    with page.expect_response(f"{site.api}/api/feedback") as posted:
        answer.get_by_role("button", name="Not helpful").click()

    assert posted.value.status == 201
    row = next(r for r in feedback_rows(site.settings) if r["id"] == posted.value.json()["id"])
    # stored, whether or not a comment follows
    assert (row["rating"], row["comment"]) == ("down", "")
    assert row["question"] == FEE_QUESTION
    assert "4400" in row["answer"]
    assert row["sources"] == KUL_BME
    assert row["programme"] == KUL_BME
    assert re.fullmatch(r"[0-9a-f]{32}", row["conversation_id"])


def test_the_comment_after_a_widget_thumbs_down_is_added_to_the_stored_vote(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/demo")
    ask_widget(page, FEE_QUESTION)
    answer = last_answer(page)
    expect(answer.locator(".sources")).to_be_visible()
    with page.expect_response(f"{site.api}/api/feedback") as posted:
        answer.get_by_role("button", name="Not helpful").click()
    vote = posted.value.json()["id"]
    stored = len(feedback_rows(site.settings))

    comment = answer.get_by_role("textbox", name="What was wrong? (optional)")
    expect(comment).to_be_focused()
    comment.fill("It should say the fee for 2026 too.")
    with page.expect_response(f"{site.api}/api/feedback/{vote}") as patched:
        answer.get_by_role("button", name="Send comment").click()

    assert patched.value.status == 200
    expect(answer.get_by_role("status")).to_have_text("Thank you for the feedback.")
    rows = feedback_rows(site.settings)
    row = next(r for r in rows if r["id"] == vote)
    assert row["rating"] == "down"
    assert row["comment"] == "It should say the fee for 2026 too."
    assert len(rows) == stored  # the vote got its comment: no second row


def test_the_widgets_full_screen_panel_fits_the_phones_dynamic_viewport(
    site: Site, page: Page, viewport: str
) -> None:
    page.goto(f"{site.api}/demo")
    page.get_by_role("button", name="Ask about this programme").click()
    dialog = page.get_by_role("dialog", name="Ask about this programme")

    box = dialog.bounding_box()
    assert box is not None
    css = page.locator(WIDGET).evaluate(
        "host => [...host.shadowRoot.adoptedStyleSheets].flatMap(s => [...s.cssRules])"
        ".map(r => r.cssText).join('\\n')"
    )
    assert "100dvh" in css
    if viewport == "phone":
        assert (box["y"], box["height"], box["width"]) == (0, 844, 390)
    else:
        assert box["y"] + box["height"] <= 860
    assert_tappable(page, page.locator(WIDGET))


# --------------------------------------------------------------------------- a slow server


@dataclass
class Delay:
    """How long the slow server waits before it answers a chat request; settable by a test."""

    seconds: float = 0.0


def delaying(app: ASGIApp, delay: Delay) -> ASGIApp:
    """The app, but /api/chat/stream answers only after ``delay.seconds`` (checked as it
    waits, so a test can release it), and /host?timeout=N serves a page whose widget waits N
    seconds (without the parameter: the widget's default)."""

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/host":
            timeout = parse_qs(scope["query_string"].decode()).get("timeout", [""])[0]
            extra = f"data-timeout='{int(timeout)}'" if timeout else ""
            html = host_page("", programme=PROGRAMME.id, extra=extra)
            await page_serving({"/host": html})(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == "/api/chat/stream":
            started = time.monotonic()
            while time.monotonic() - started < delay.seconds:
                await asyncio.sleep(0.05)
        await app(scope, receive, send)

    return slow_app


MARKDOWN_ANSWER = (
    "The fee depends on the programme:\n"
    "- **Demo Programme**: 1000 euro [1]\n"
    "- Other programme: see [the fees page](https://example.org/fees) [1]\n"
    "1. first step\n2. second step\n"
    f"Not markup: {XSS_PAYLOAD} [evil](javascript:window.__xss=4)"
)


@dataclass
class SlowSite:
    base: str
    delay: Delay
    assistant: ScriptedAssistant
    settings: Settings

    def host(self, timeout: str | None = "2") -> str:
        return f"{self.base}/host" + (f"?timeout={timeout}" if timeout else "")


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlowSite]:
    """The API around a scripted assistant whose chat answers as slowly as a test says, and a
    same-origin page embedding the widget."""
    folder = tmp_path_factory.mktemp("slow")
    settings = Settings.model_validate(
        {"database_path": folder / "f.sqlite3", "rate_limit_per_minute": 0}
    )
    fake = ScriptedAssistant(text=MARKDOWN_ANSWER)
    delay = Delay()
    with serve_in_thread(delaying(create_app(settings, fake, ui=False), delay)) as base:
        yield SlowSite(base, delay, fake, settings)
        delay.seconds = 0


@pytest.fixture
def slow_site(slow: SlowSite) -> Iterator[SlowSite]:
    slow.delay.seconds = 0
    yield slow
    slow.delay.seconds = 0


def test_the_widget_renders_lists_bold_and_links_and_nothing_else(
    slow_site: SlowSite, page: Page
) -> None:
    dialogs = watch_dialogs(page)
    page.goto(slow_site.host())

    ask_widget(page, "How much is the fee?")

    text = last_answer(page).locator(".text")
    expect(last_answer(page).locator(".sources")).to_be_visible()
    expect(text.locator("ul > li")).to_have_count(2)
    expect(text.locator("ol > li")).to_have_text(["first step", "second step"])
    expect(text.locator("li strong")).to_have_text("Demo Programme")
    link = text.get_by_role("link", name="the fees page")
    expect(link).to_have_attribute("href", "https://example.org/fees")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(text).to_contain_text(f"Not markup: {XSS_PAYLOAD} [evil](javascript:window.__xss=4)")
    assert text.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)


def test_on_a_slow_server_the_widget_gives_up_after_its_timeout_and_keeps_the_question(
    slow_site: SlowSite, page: Page
) -> None:
    slow_site.delay.seconds = 30
    page.goto(slow_site.host())

    ask_widget(page, "How much is the fee?")

    box = page.get_by_role("textbox", name="Your question")
    expect(page.locator(f"{WIDGET} .typing")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_hidden()
    expect(last_answer(page)).to_contain_text("No answer after 2 seconds", timeout=6_000)
    expect(box).to_have_value("How much is the fee?")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()

    slow_site.delay.seconds = 0
    with page.expect_request(f"{slow_site.base}/api/chat/stream") as retried:
        last_answer(page).get_by_role("button", name="Retry").click()

    expect(last_answer(page).locator(".text")).to_contain_text("1000 euro")
    expect(page.locator(f"{WIDGET} .msg.user")).to_have_text(["How much is the fee?"])
    expect(page.locator(f"{WIDGET} .msg.error")).to_have_count(0)
    assert (retried.value.post_data_json or {})["history"] == []
    expect(box).to_have_value("")


def test_the_widgets_time_limit_is_20_seconds_unless_the_page_sets_another(
    slow_site: SlowSite, page: Page
) -> None:
    slow_site.delay.seconds = 60
    page.clock.install()
    page.goto(slow_site.host(timeout=None))
    ask_widget(page, "How much is the fee?")
    expect(page.locator(f"{WIDGET} .typing")).to_be_visible()

    page.clock.run_for(19_000)
    expect(page.locator(f"{WIDGET} .typing")).to_be_visible()
    page.clock.run_for(1_500)

    expect(last_answer(page)).to_contain_text("No answer after 20 seconds")
    expect(page.get_by_role("textbox", name="Your question")).to_have_value("How much is the fee?")


def test_a_question_waiting_for_a_slow_server_can_be_cancelled_and_asked_again(
    slow_site: SlowSite, page: Page
) -> None:
    slow_site.delay.seconds = 30
    page.goto(slow_site.host(timeout="60"))
    ask_widget(page, "How much is the fee?")
    expect(page.locator(f"{WIDGET} .typing")).to_be_visible()

    page.get_by_role("button", name="Cancel").click()

    expect(last_answer(page)).to_contain_text("Cancelled")
    expect(page.get_by_role("textbox", name="Your question")).to_have_value("How much is the fee?")
    slow_site.delay.seconds = 0
    page.get_by_role("button", name="Send").click()
    expect(last_answer(page).locator(".text")).to_contain_text("1000 euro")
    expect(page.locator(f"{WIDGET} .msg.user")).to_have_text(["How much is the fee?"])


def test_new_chat_works_while_an_answer_is_pending(slow_site: SlowSite, page: Page) -> None:
    slow_site.delay.seconds = 30
    page.goto(slow_site.host(timeout="60"))
    ask_widget(page, "How much is the fee?")
    expect(page.locator(f"{WIDGET} .typing")).to_be_visible()

    page.get_by_role("button", name="New chat").click()

    expect(page.locator(f"{WIDGET} .msg")).to_have_count(1)  # the greeting only
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()
    slow_site.delay.seconds = 0
    page.get_by_role("textbox", name="Your question").fill("And the deadline?")
    page.keyboard.press("Enter")
    expect(last_answer(page).locator(".text")).to_contain_text("1000 euro")
    expect(page.locator(f"{WIDGET} .msg.user")).to_have_text(["And the deadline?"])


def test_the_widget_says_when_a_vote_was_not_saved(
    index_settings: Settings, assistant: Assistant, tmp_path: Path, page: Page
) -> None:
    broken = tmp_path / "feedback.sqlite3"
    broken.write_bytes(b"this is not a SQLite database " * 200)
    settings = real_app_settings(index_settings, tmp_path, database_path=broken)
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


def chat_message(page: Page, role: str, number: int = 0) -> Locator:
    """The ``number``-th message of ``role`` ("user" or "bot") in the chat."""
    return page.locator(f"#pa-chatbot [data-testid={role}]").nth(number)


def copy_button(page: Page, number: int) -> Locator:
    """The copy button of the ``number``-th message of the chat (user and bot alike)."""
    return page.locator("#pa-chatbot").get_by_role("button", name="Copy message").nth(number)


def ask_ui(page: Page, base: str, question: str, programme: str | None = KUL_BME_TITLE) -> None:
    page.goto(f"{base}/ui/")
    if programme:
        page.get_by_role("combobox", name="Programme").click()
        page.get_by_role("option", name=programme).click()
    ask_again_ui(page, question)


def ask_again_ui(page: Page, question: str) -> None:
    """Ask in the chat already open; wait for the answer's folded sources."""
    folds = sources_fold(page)
    before = folds.count()
    page.locator("#pa-question textarea").fill(question)
    page.keyboard.press("Enter")
    expect(folds).to_have_count(before + 1)


def sources_fold(page: Page) -> Locator:
    """The title of each answer's folded sources (a button that opens them)."""
    return page.locator("#pa-chatbot .thought-group [role=button]")


def open_sources(page: Page, number: int = -1) -> None:
    fold = sources_fold(page).nth(number)
    fold.click()
    expect(fold.locator("xpath=..").locator("blockquote").first).to_be_visible()


def test_the_ui_answers_a_question_with_its_sources_and_takes_feedback(
    site: Site, page: Page, viewport: str
) -> None:
    ask_ui(page, site.api, FEE_QUESTION)
    open_sources(page)

    chat = page.locator("#pa-chatbot")
    link = chat.get_by_role("link", name="Tuition fee").first
    expect(link).to_be_visible()
    assert (link.get_attribute("href") or "").startswith(f"/api/documents/{KUL_BME}?quote=")
    expect(chat).to_contain_text("4400")
    expect(chat.locator("blockquote").filter(has_text="4400").first).to_be_visible()
    if viewport == "desktop":
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "ui.png")

    chat.get_by_role("button", name="Like", exact=True).first.click()
    expect(page.get_by_text("Thank you for the feedback.")).to_be_visible()
    rows = feedback_rows(site.settings)
    assert ("up", FEE_QUESTION, KUL_BME, KUL_BME) in [
        (r["rating"], r["question"], r["sources"], r["programme"]) for r in rows
    ]


def test_an_answers_sources_fold_under_it_naming_the_programme_once(site: Site, page: Page) -> None:
    ask_ui(page, site.api, "When is the application deadline?")

    fold = sources_fold(page)
    expect(fold).to_have_text(re.compile(rf"^\s*Sources \(\d+\) · {KUL_BME_TITLE}\s*$"))
    chat = page.locator("#pa-chatbot")
    expect(chat.locator("blockquote").first).to_be_hidden()  # folded until asked for
    open_sources(page)
    quotes = chat.locator("blockquote")
    assert quotes.count() >= 2
    expect(chat.get_by_text(KUL_BME_TITLE)).to_have_count(2)  # the answer's intro, the fold
    # one set of actions, the answer's: the fold has no copy, like or dislike of its own
    expect(chat.get_by_role("button", name="Like", exact=True)).to_have_count(1)
    expect(chat.get_by_role("button", name="Copy message")).to_have_count(2)  # question, answer


def test_the_newest_answer_starts_in_view_and_the_question_box_stays_on_screen(
    site: Site, page: Page
) -> None:
    ask_ui(page, site.api, FEE_QUESTION)
    ask_again_ui(page, "When is the application deadline?")  # a long answer, on a phone too

    page.wait_for_timeout(300)
    newest = chat_message(page, "bot", -2)  # the answer; its sources' fold is the last message
    expect(newest).to_contain_text("application deadline")
    expect(newest.locator("p, li").first).to_be_in_viewport()
    top = chat_message(page, "user", 1).evaluate("e => e.getBoundingClientRect().top")
    chat_top, scrolled_to_end = page.locator("#pa-chatbot .bubble-wrap").evaluate(
        "e => [e.getBoundingClientRect().top, e.scrollTop + e.clientHeight >= e.scrollHeight - 2]"
    )
    # the newest question leads the chat, unless all of it fits below the earlier messages
    assert abs(top - chat_top) <= 24 or (scrolled_to_end and top > chat_top)
    expect(page.locator("#pa-question textarea")).to_be_in_viewport(ratio=1)


def test_a_vote_is_thanked_under_the_chat_without_covering_a_control(
    site: Site, page: Page
) -> None:
    ask_ui(page, site.api, FEE_QUESTION)

    page.locator("#pa-chatbot").get_by_role("button", name="Like", exact=True).click()

    notice = page.locator("#pa-notice").get_by_role("status")
    expect(notice).to_have_text("Thank you for the feedback.")
    assert page.locator(".toast-wrap .toast-body").count() == 0  # no pop-up over the page
    assert_tappable(page, page.locator("body"))
    assert_no_serious_accessibility_violations(page)


def test_on_a_phone_one_reads_the_answer_votes_and_comments_without_hunting(
    site: Site, browser: Browser
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        ask_ui(page, site.api, "When is the application deadline?")
        answer = chat_message(page, "bot", 0)
        expect(answer.locator("p, li").first).to_be_in_viewport()  # no scrolling up to find it
        screenshot(page, "ui-phone.png")

        page.locator("#pa-chatbot").get_by_role("button", name="Dislike", exact=True).tap()
        comment = page.get_by_label("What was wrong with this answer? (optional)")
        expect(comment).to_be_in_viewport()  # the comment box comes to the reader
        comment.fill("Which year?")
        page.get_by_role("button", name="Send comment").tap()
        expect(page.locator("#pa-notice")).to_contain_text("staff will read your comment")
    finally:
        context.close()


def test_the_ui_shows_quotes_at_the_answers_size_and_full_opacity(site: Site, page: Page) -> None:
    ask_ui(page, site.api, FEE_QUESTION)
    open_sources(page)
    quote = page.locator("#pa-chatbot blockquote").filter(has_text="4400").first
    answer = chat_message(page, "bot", 0).locator("p").first

    def font_size(locator: Locator) -> float:
        return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))

    opacity = (
        "e => { let o = 1; for (; e; e = e.parentElement) o *= getComputedStyle(e).opacity;"
        " return o; }"
    )
    # a new message fades in: full opacity once that is over, not a paler quote for good
    page.wait_for_function(f"e => ({opacity})(e) === 1", arg=quote.element_handle(), timeout=5000)
    assert font_size(quote) >= 14
    assert font_size(quote) == font_size(answer)
    assert quote.evaluate(opacity) == 1


def test_copying_an_answer_in_the_ui_gives_its_clean_text(site: Site, page: Page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.api)
    ask_ui(page, site.api, FEE_QUESTION)
    expected = chat_message(page, "bot", 0).get_attribute("aria-label") or ""

    copy_button(page, 1).click()  # the user's question is message 0, the answer 1
    copied = page.evaluate("navigator.clipboard.readText()")

    assert "4400" in copied and "non-EEA" in copied
    assert not ESCAPED.search(copied), copied
    assert "<" not in copied and "&lt;" not in copied
    assert expected == f"bot's message: {copied}"

    copy_button(page, 0).click()
    assert page.evaluate("navigator.clipboard.readText()") == FEE_QUESTION


def test_the_ui_messages_aria_labels_read_as_plain_text(site: Site, page: Page) -> None:
    ask_ui(page, site.api, FEE_QUESTION)

    labels = [
        label or ""
        for label in page.locator(
            "#pa-chatbot [data-testid=user], #pa-chatbot [data-testid=bot]"
        ).evaluate_all("nodes => nodes.map(n => n.getAttribute('aria-label'))")
    ]

    assert labels[0] == f"user's message: {FEE_QUESTION}"
    assert any("non-EEA student: 4400 euro" in label for label in labels)
    for label in labels:
        assert not ESCAPED.search(label), label


def test_the_ui_renders_a_multi_programme_answer_as_a_list(site: Site, page: Page) -> None:
    ask_ui(page, site.api, "What is the tuition fee?", programme=None)

    answer = chat_message(page, "bot", 0)
    items = answer.locator("li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(KUL_BME_TITLE)
    expect(items.nth(1)).to_contain_text(LEIDEN_TITLE)
    shown = answer.inner_text()
    assert not re.search(r"(^|\n)\s*- ", shown)
    assert not ESCAPED.search(shown)


def test_a_thumbs_down_in_the_ui_offers_a_comment_and_stores_it_with_the_exchange(
    site: Site, page: Page
) -> None:
    ask_ui(page, site.api, FEE_QUESTION)
    before = {r["id"] for r in feedback_rows(site.settings)}

    page.locator("#pa-chatbot").get_by_role("button", name="Dislike", exact=True).first.click()
    comment = page.get_by_label("What was wrong with this answer? (optional)")
    expect(comment).to_be_visible()
    comment.fill("Which academic year is this?")
    page.get_by_role("button", name="Send comment").click()

    expect(page.get_by_text("the programme's staff will read your comment")).to_be_visible()
    expect(comment).to_be_hidden()
    [row] = [r for r in feedback_rows(site.settings) if r["id"] not in before]
    assert (row["rating"], row["comment"]) == ("down", "Which academic year is this?")
    assert row["question"] == FEE_QUESTION and "4400" in row["answer"]
    assert (row["sources"], row["programme"]) == (KUL_BME, KUL_BME)
    assert re.fullmatch(r"[0-9a-f]{32}", row["conversation_id"])


def test_on_a_phone_the_question_box_is_on_the_first_screen_and_nothing_overlaps(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/ui/")
    box = page.locator("#pa-question textarea")

    expect(box).to_be_in_viewport(ratio=1)
    assert_tappable(page, page.locator("body"))

    box.fill(FEE_QUESTION)
    page.keyboard.press("Enter")
    expect(sources_fold(page)).to_have_count(1)
    expect(box).to_be_in_viewport(ratio=1)
    expect(page.locator("#pa-chatbot").get_by_role("button", name="Clear")).to_be_hidden()
    page.locator("#pa-chatbot [data-testid=user]").first.scroll_into_view_if_needed()
    assert_tappable(page, page.locator("#pa-chatbot"))


def test_the_question_box_has_a_border_and_send_is_a_button_big_enough_to_tap(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/ui/")
    box = page.locator("#pa-question textarea")
    send = page.locator("#pa-question").get_by_role("button", name="Send")
    expect(send).to_be_visible()

    assert box.evaluate("(e) => parseFloat(getComputedStyle(e).borderTopWidth)") >= 1
    assert "Enter" not in (box.get_attribute("placeholder") or "")  # a phone has no Enter key
    size = send.bounding_box()
    assert size is not None and size["width"] >= 44 and size["height"] >= 44
    colours = send.evaluate(
        "(e) => [getComputedStyle(e).backgroundColor, getComputedStyle(document.body)"
        ".backgroundColor]"
    )
    assert colours[0] != colours[1]  # it reads as a button, not as text


def test_the_public_ui_has_no_staff_tab(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/ui/")
    expect(page.locator("#pa-question textarea")).to_be_visible()

    expect(page.get_by_role("tab", name=re.compile("staff", re.IGNORECASE))).to_have_count(0)
    expect(page.locator("#pa-email")).to_have_count(0)


# --------------------------------------------------------------------------- the staff view


def test_the_staff_view_needs_the_staff_token(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/staff/")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))

    sign_in_as_staff(page, site.api, token="not-the-token")
    expect(page.get_by_role("alert")).to_have_text("That is not the staff token. Try again.")
    expect(page.locator("#pa-email")).to_have_count(0)

    sign_in_as_staff(page, site.api)
    expect(page).to_have_url(f"{site.api}/staff/")
    expect(page.locator("#pa-email textarea")).to_be_visible()
    assert_tappable(page, page.locator("body"))

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{site.api}/staff/")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()


def test_the_staff_view_drafts_a_reply_with_its_sources_linked_to_the_quotes(
    site: Site, page: Page, viewport: str
) -> None:
    sign_in_as_staff(page, site.api)
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
    sources = page.locator("#pa-draft-sources")
    link = sources.get_by_role("link", name=KUL_BME_TITLE).first
    expect(link).to_be_visible()
    draft = page.locator("#pa-draft textarea").input_value()
    assert "[1]" in draft
    expect(sources).to_contain_text("[1]")
    assert (link.get_attribute("href") or "").startswith(f"/api/documents/{KUL_BME}?quote=")
    assert_tappable(page, page.locator("#pa-draft"))
    if viewport == "desktop":
        page.locator("#pa-draft").scroll_into_view_if_needed()
        screenshot(page, "staff-draft.png")

    with page.context.expect_page() as opened:
        link.click()
    expect(opened.value.locator("#quote")).to_be_in_viewport()


def test_copying_a_staff_draft_gives_the_draft(site: Site, page: Page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.api)
    sign_in_as_staff(page, site.api)
    page.locator("#pa-email textarea").fill(
        "What is the tuition fee for non-EEA students of the BME postgraduate?"
    )
    page.get_by_role("button", name="Draft a reply").click()
    draft = page.locator("#pa-draft textarea")
    expect(draft).to_have_value(re.compile("4400"))

    page.locator("#pa-draft").get_by_role("button", name=re.compile("Copy")).click()

    assert page.evaluate("navigator.clipboard.readText()") == draft.input_value()


def test_the_staff_view_exports_the_feedback_in_one_click_as_utf8_with_a_bom(
    site: Site, page: Page
) -> None:
    posted = page.request.post(
        f"{site.api}/api/feedback",
        data={
            "rating": "down",
            "comment": "“Fees” in € for the Université?",
            "question": FEE_QUESTION,
            "answer": "non-EEA student: 4400 euro [1]",
            "sources": [KUL_BME],
            "programme": KUL_BME,
            "conversation_id": "c1",
        },
    )
    assert posted.status == 201
    sign_in_as_staff(page, site.api)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download all feedback (CSV)").click()

    content = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "feedback.csv"
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert "“Fees” in € for the Université?" in [r["comment"] for r in rows]
    assert {"question", "answer", "sources", "programme", "conversation_id"} <= set(rows[0])


def test_without_a_staff_session_drafting_and_exporting_are_refused(site: Site, page: Page) -> None:
    response = page.request.post(f"{site.api}/api/draft-reply", data={"email": "Fee?"})
    export = page.request.get(f"{site.api}/api/feedback/export")
    gradio = page.request.get(f"{site.api}/staff/config")

    assert (response.status, export.status, gradio.status) == (401, 401, 401)


# --------------------------------------------------------------------------- the document view


def test_a_document_opens_as_a_page_scrolled_to_the_highlighted_quote(
    site: Site, page: Page, viewport: str
) -> None:
    answer = page.request.post(
        f"{site.api}/api/chat", data={"message": FEE_QUESTION, "programme": KUL_BME}
    ).json()
    citation = next(c for c in answer["citations"] if c["quote"] == FEE_QUOTE)

    page.goto(f"{site.api}{citation['url']}")  # a path on this server: no public base URL set

    expect(page.get_by_role("heading", level=1)).to_have_text(KUL_BME_TITLE)
    mark = page.locator("mark#quote")
    expect(mark).to_have_text(FEE_QUOTE)
    expect(mark).to_be_in_viewport()
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(255, 229, 138)"
    body = page.locator("body").inner_text()
    assert "aliases:" not in body and "academic_year:" not in body and "---" not in body
    assert page.evaluate("window.scrollY") > 0
    if viewport == "desktop":
        screenshot(page, "document.png")


# --------------------------------------------------------------------------- accessibility


def test_the_chat_ui_has_no_serious_accessibility_violations(site: Site, page: Page) -> None:
    ask_ui(page, site.api, FEE_QUESTION)

    assert_no_serious_accessibility_violations(page)


def test_the_staff_view_has_no_serious_accessibility_violations(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/staff/")
    assert_no_serious_accessibility_violations(page)  # the sign-in page
    sign_in_as_staff(page, site.api)
    page.locator("#pa-email textarea").fill(
        "How much is the fee for non-EEA students of the BME postgraduate?"
    )
    page.get_by_role("button", name="Draft a reply").click()
    expect(page.locator("#pa-draft-sources a").first).to_be_visible()

    assert_no_serious_accessibility_violations(page)


def test_the_document_view_has_no_serious_accessibility_violations(site: Site, page: Page) -> None:
    page.goto(f"{site.api}/api/documents/{KUL_BME}?quote={FEE_QUOTE}#quote")
    expect(page.locator("mark#quote")).to_be_visible()

    assert_no_serious_accessibility_violations(page)


def test_the_demo_page_with_the_widget_open_has_no_serious_accessibility_violations(
    site: Site, page: Page
) -> None:
    page.goto(f"{site.api}/demo")
    ask_widget(page, FEE_QUESTION)
    expect(last_answer(page).locator(".sources")).to_be_visible()
    last_answer(page).get_by_role("button", name="Not helpful").click()

    assert_no_serious_accessibility_violations(page)


# --------------------------------------------------------------------------- nothing runs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A real server whose assistant answers, quotes and titles with an HTML payload, and a
    page of another origin that embeds its widget."""
    fake = ScriptedAssistant(
        text=f"The fee is {XSS_PAYLOAD} [1]",
        quote=f"quote {XSS_PAYLOAD} [link](javascript:window.__xss=2)",
        title=f"Title {XSS_PAYLOAD}",
        document_text=f"# Document\n\n{XSS_PAYLOAD}\n<script>window.__xss=3</script>\n"
        "[a link](javascript:window.__xss=5)\n",
        open_question=f"Is there a scholarship? {XSS_PAYLOAD}",
    )
    other_port = free_port()
    other_origin = f"http://127.0.0.1:{other_port}"
    folder = tmp_path_factory.mktemp("hostile")
    settings = Settings.model_validate(
        {
            "database_path": folder / "f.sqlite3",
            "rate_limit_per_minute": 0,
            "cors_origins": [other_origin],
            "staff_token": STAFF_TOKEN,
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
    expect(sources_fold(page)).to_have_text(f"Sources (1) · Title {XSS_PAYLOAD}")
    open_sources(page)
    expect(chat.locator(".thought-group a").first).to_be_visible()
    expect(chat).to_contain_text(f"The fee is {XSS_PAYLOAD} [1]")
    expect(chat.locator("blockquote")).to_contain_text("[link](javascript:window.__xss=2)")
    assert chat.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)


def test_html_in_a_drafted_reply_shows_as_text_in_the_staff_view(hostile: Site, page: Page) -> None:
    dialogs = watch_dialogs(page)
    sign_in_as_staff(page, hostile.api)
    page.locator("#pa-email textarea").fill("What is the fee? Is there a scholarship?")

    page.get_by_role("button", name="Draft a reply").click()

    expect(page.locator("div.prose.pa-draft-status")).to_contain_text(XSS_PAYLOAD)
    expect(page.locator("#pa-draft textarea")).to_have_value(re.compile(re.escape(XSS_PAYLOAD)))
    expect(page.locator("#pa-draft-sources")).to_contain_text(f"Title {XSS_PAYLOAD}")
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)


def test_the_staff_view_says_what_to_do_when_the_email_is_empty(hostile: Site, page: Page) -> None:
    sign_in_as_staff(page, hostile.api)

    page.get_by_role("button", name="Draft a reply").click()

    expect(page.get_by_text("Paste the applicant's email first.")).to_be_visible()


def test_html_in_a_document_shows_as_text_on_its_page(hostile: Site, page: Page) -> None:
    dialogs = watch_dialogs(page)

    page.goto(f"{hostile.api}/api/documents/{PROGRAMME.id}?quote=quote")

    expect(page.locator("main")).to_contain_text("<script>window.__xss=3</script>")
    expect(page.locator("main")).to_contain_text(XSS_PAYLOAD)
    assert page.locator("main a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert_nothing_ran(page, dialogs)


def test_each_ui_visitor_has_a_conversation_of_their_own(
    site: Site, browser: Browser, viewport: str
) -> None:
    before = {r["id"] for r in feedback_rows(site.settings)}
    for _ in range(2):  # two visitors, in browsers that share nothing
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            ask_ui(page, site.api, FEE_QUESTION)
            page.locator("#pa-chatbot").get_by_role("button", name="Like", exact=True).first.click()
            expect(page.get_by_text("Thank you")).to_be_visible()
        finally:
            context.close()

    rows = [r for r in feedback_rows(site.settings) if r["id"] not in before]
    assert len(rows) == 2
    assert rows[0]["conversation_id"] != rows[1]["conversation_id"]


# --------------------------------------------------------------------------- the office's saved answers

STAFF_NAME, STAFF_PASSWORD = "Anne Peeters", "a long enough pass phrase"
HOUSING_ANSWER = "Yes: the university's housing service helps international students find a room."


@pytest.fixture(scope="module")
def office_site(
    index_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The whole app around an assistant whose saved answers are in the app's own database, with
    one staff account."""
    from assistant.database.staff_accounts import StaffAccounts

    folder = tmp_path_factory.mktemp("office-site")
    StaffAccounts(real_app_settings(index_settings, folder).database).add(
        STAFF_NAME, STAFF_PASSWORD
    )
    with serve_with_its_own_assistant(index_settings, folder, ui=True) as api:
        yield api


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def choose(page: Page, dropdown: str, option: re.Pattern[str]) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option).click()


def test_a_gap_answered_in_the_staff_view_reaches_the_widget_until_it_is_retired(
    office_site: str, desktop: Page
) -> None:
    page = desktop
    page.goto(f"{office_site}/demo")
    ask_widget(page, "Is there a student bar on campus?")  # nothing answers it yet
    expect(last_answer(page).locator(".text")).to_contain_text("could not find")

    sign_in_as_staff(page, office_site, STAFF_PASSWORD, name=STAFF_NAME)
    page.get_by_role("tab", name="What to answer next").click()
    page.get_by_role("button", name="Show the questions nothing answered").click()
    expect(page.locator("#pa-unanswered")).to_contain_text("Is there a student bar on campus?")

    page.get_by_role("tab", name="Draft a reply").click()
    page.locator("#pa-email textarea").fill(
        "Dear admissions office,\n\nWhat is the tuition fee for non-EEA students in the BME "
        "postgraduate? Do you offer student housing?\n\nKind regards,\nAna"
    )
    page.get_by_role("button", name="Draft a reply").click()
    expect(page.locator("#pa-gap-question textarea")).to_have_value("Do you offer student housing?")
    page.locator("#pa-gap-answer textarea").fill(HOUSING_ANSWER)
    page.get_by_role("button", name="Save this answer").click()
    expect(page.locator("#pa-gap-saved")).to_contain_text(f"by {STAFF_NAME}")

    page.goto(f"{office_site}/demo")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    ask_widget(page, "do you offer student housing")
    answer = last_answer(page).locator(".text")
    expect(answer).to_contain_text("from the admissions office")
    expect(answer).to_contain_text(HOUSING_ANSWER)

    page.goto(f"{office_site}/staff/")
    page.get_by_role("tab", name="Saved answers").click()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#pa-saved-table")).to_contain_text(HOUSING_ANSWER)
    choose(page, "#pa-chosen", re.compile(r"^#\d+ · Do you offer student housing\?"))
    expect(page.locator("#pa-edit-answer textarea")).to_have_value(HOUSING_ANSWER)
    page.get_by_role("button", name="Retire this answer").click()
    expect(page.locator("#pa-edit-saved")).to_contain_text("is retired")

    page.goto(f"{office_site}/demo")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    ask_widget(page, "do you offer student housing")
    expect(last_answer(page).locator(".text")).not_to_contain_text(HOUSING_ANSWER)
    expect(last_answer(page).locator(".text")).to_contain_text("could not find")
