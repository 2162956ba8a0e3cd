"""Which of Gradio's routes under /ui are open, on the real server: only those the UI's pages use.

Found by driving the chat and the staff view in headless Chromium and listing the requests the
server saw: the page, its theme, its assets and scripts, the heartbeat, and the event queue
(join, then the event stream). Every other route of Gradio's (uploads, recordings, the REST and
client APIs, the component server, configuration, monitoring) answers 404, and an event that is
not a JSON object of the UI's gets 422 before Gradio parses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from server import real_app_settings, serve_in_thread
from starlette.routing import Mount

from assistant.config import Settings
from assistant.conversation.assistant import Assistant
from assistant.web.api import create_app
from assistant.web.mount import UI_PATH
from assistant.web.ui_guard import MAX_EVENT_DEPTH

# gradio's queue statistics call pandas options that pandas 3 deprecates
pytestmark = [
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
]

# The requests the UI's pages make, as Gradio's route templates.
USED_BY_THE_UI = {
    ("GET", "/"),
    ("GET", "/theme.css"),
    ("GET", "/assets/{path:path}"),
    ("GET", "/static/{path:path}"),
    ("GET", "/gradio_api/heartbeat/{session_hash}"),
    ("GET", "/gradio_api/queue/data"),
    ("POST", "/gradio_api/queue/join"),
}
JOIN = f"{UI_PATH}/gradio_api/queue/join"
FEE_QUESTION = "What is the full-time tuition fee for a non-EEA student in the BME postgraduate?"


@dataclass(frozen=True)
class Live:
    base: str
    app: FastAPI

    @property
    def gradio(self) -> Any:
        return next(r for r in self.app.routes if isinstance(r, Mount) and r.path == UI_PATH).app

    def function(self, name: str) -> int:
        """The fn_index of the UI's event handler called ``name``."""
        fns = self.gradio.get_blocks().fns
        return next(index for index, fn in fns.items() if fn.name == name)


@pytest.fixture(scope="module")
def live(
    index_settings: Settings, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    settings = real_app_settings(index_settings, tmp_path_factory.mktemp("gradio-routes"))
    app = create_app(settings, assistant)
    with serve_in_thread(app) as base:
        yield Live(base, app)


def gradio_routes(gradio_app: Any) -> set[tuple[str, str]]:
    """Every (method, path template) Gradio's app serves, its included routers flattened."""
    found: set[tuple[str, str]] = set()
    pending = list(gradio_app.routes)
    while pending:
        route = pending.pop()
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and not hasattr(route, "path"):
            pending.extend(inner.routes)
            continue
        found.update((method, route.path) for method in getattr(route, "methods", None) or ())
    return found


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", template)


def events(base: str, session_hash: str) -> list[dict[str, Any]]:
    """The event stream of one session, up to its end, as the UI reads it."""
    received = []
    with httpx.stream(
        "GET", f"{base}{UI_PATH}/gradio_api/queue/data", params={"session_hash": session_hash},
        timeout=60,
    ) as stream:  # fmt: skip
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if line.startswith("data: "):
                received.append(json.loads(line.removeprefix("data: ")))
                if received[-1]["msg"] in ("process_completed", "close_stream"):
                    break
    return received


# --------------------------------------------------------------------------- what the UI uses


def test_the_page_its_theme_and_its_assets_load(live: Live) -> None:
    page = httpx.get(f"{live.base}{UI_PATH}/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assets = re.findall(r"""(?:src|href)="(?:\./|/ui/)?(assets/[^"]+\.(?:js|css))""", page.text)
    assert assets

    for path in ("theme.css", assets[0], "static/js/iframeResizer.contentWindow.min.js"):
        assert httpx.get(f"{live.base}{UI_PATH}/{path}").status_code == 200, path


def test_a_question_through_the_event_queue_is_answered(live: Live) -> None:
    joined = httpx.post(
        f"{live.base}{JOIN}",
        json={
            "fn_index": live.function("respond"),
            "data": [FEE_QUESTION, "", None],
            "session_hash": "answered",
            "trigger_id": None,
        },
    )
    assert joined.status_code == 200

    completed = events(live.base, "answered")[-1]
    assert completed["msg"] == "process_completed" and completed["success"] is True
    messages = completed["output"]["data"][0]
    assert "4400" in json.dumps(messages)


def test_the_heartbeat_is_open(live: Live) -> None:
    url = f"{live.base}{UI_PATH}/gradio_api/heartbeat/some-session"
    with httpx.stream("GET", url, timeout=10) as heartbeat:
        assert heartbeat.status_code == 200


# --------------------------------------------------------------------------- everything else


@pytest.mark.parametrize(
    ("path", "request_args"),
    [
        (
            "/gradio_api/process_recording",
            {"files": {"video": ("clip.webm", b"\x1aE\xdf\xa3 not a video", "video/webm")}},
        ),
        ("/gradio_api/component_server", {"json": {"component_id": 9999, "fn_name": "x",
                                                   "session_hash": "s", "data": None}}),
        ("/gradio_api/call/v2/respond", {"json": {"data": ["Hello?", "", None]}}),
        ("/gradio_api/call/respond", {"json": {"data": ["Hello?", "", None]}}),
        ("/gradio_api/run/predict", {"json": {"fn_index": 1, "data": ["Hello?", "", None]}}),
        ("/gradio_api/api/predict", {"json": {"fn_index": 999, "data": []}}),
        ("/gradio_api/upload", {"files": {"files": ("notes.txt", b"anonymous file")}}),
        ("/gradio_api/cancel", {"json": {"event_id": "x", "session_hash": "s", "fn_index": 1}}),
        ("/gradio_api/reset", {"json": {"event_id": "x"}}),
    ],
)  # fmt: skip
def test_a_post_to_a_route_the_ui_does_not_use_is_404(
    live: Live, path: str, request_args: dict[str, Any]
) -> None:
    response = httpx.post(f"{live.base}{UI_PATH}{path}", **request_args)

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
    assert "clip.webm" not in response.text and "notes.txt" not in response.text


def test_every_other_gradio_route_is_404_and_another_method_on_a_used_one_405(
    live: Live,
) -> None:
    used_paths = {path for _, path in USED_BY_THE_UI}
    unused = sorted(gradio_routes(live.gradio) - USED_BY_THE_UI)
    assert ("POST", "/gradio_api/process_recording") in unused  # the table was read

    wrong = []
    with httpx.Client(base_url=f"{live.base}{UI_PATH}", timeout=10) as client:
        for method, template in unused:
            response = client.request(method, concrete(template))
            expected = 405 if template in used_paths else 404
            if response.status_code != expected:
                wrong.append(f"{method} {template}: {response.status_code}")
    assert wrong == []


def test_a_route_gradio_does_not_have_is_404_too(live: Live) -> None:
    response = httpx.get(f"{live.base}{UI_PATH}/gradio_api/no-such-route")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


# --------------------------------------------------------------------------- malformed events


def nested(depth: int, opening: bytes = b"[", closing: bytes = b"]") -> bytes:
    return opening * depth + closing * depth


def event_with(data: bytes) -> bytes:
    return b'{"fn_index": 1, "session_hash": "s", "data": ' + data + b"}"


TOO_DEEP = f"The event is nested more than {MAX_EVENT_DEPTH} levels deep."
NOT_UNICODE = (
    "The event's text is not valid Unicode text: it holds an unpaired surrogate (such as \\ud800)."
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (event_with(nested(20_000)), TOO_DEEP),
        (event_with(b'{"a":' * 10_000 + b"1" + b"}" * 10_000), TOO_DEEP),  # under 64 KiB
        (event_with(nested(MAX_EVENT_DEPTH)), TOO_DEEP),
        (event_with(b'["\\ud800", "", null]'), NOT_UNICODE),
        (event_with(b'["fine", "", {"\\udfff": 1}]'), NOT_UNICODE),
        (b'{"fn_index": 1, "session_hash": "\\ud83d", "data": []}', NOT_UNICODE),
        (b'{"fn_index": 1, "data": [', "The event is not valid JSON."),
        (b'{"fn_index": 1, "data": ["\xff\xfe"]}', "The event is not valid JSON."),
        (b"", "The event is not valid JSON."),
        (b"[1, 2]", "The event is not a JSON object."),
        (b"null", "The event is not a JSON object."),
        (b'{"data": []}', "The event does not name a function by its number (fn_index)."),
        (b'{"fn_index": "1"}', "The event does not name a function by its number (fn_index)."),
        (b'{"fn_index": true}', "The event does not name a function by its number (fn_index)."),
        (b'{"fn_index": 999, "data": []}', "The UI has no function 999."),
    ],
    ids=[
        "list-20000-deep", "object-10000-deep", "just-too-deep", "lone-surrogate",
        "lone-surrogate-in-a-key", "lone-surrogate-in-the-session", "truncated", "not-utf8",
        "empty", "a-list", "null", "no-fn-index", "fn-index-text", "fn-index-bool",
        "unknown-function",
    ],
)  # fmt: skip
def test_an_event_that_is_not_one_of_the_uis_is_422_before_gradio_reads_it(
    live: Live, body: bytes, message: str
) -> None:
    response = httpx.post(
        f"{live.base}{JOIN}", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["error"] == {"type": "invalid_request", "message": message}


def test_an_event_nested_as_deep_as_allowed_reaches_gradio(live: Live) -> None:
    body = event_with(b"[" + nested(MAX_EVENT_DEPTH - 2) + b', "", null]')

    response = httpx.post(
        f"{live.base}{JOIN}", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 200
    assert set(response.json()) == {"event_id"}


@pytest.mark.parametrize(
    "body",
    [
        {"fn_index": 1},
        {"fn_index": 1, "data": "not a list", "session_hash": "s"},
        {"fn_index": 1, "data": [], "session_hash": 5},
        {"fn_index": 1, "data": ["q", "", None], "session_hash": "s", "trigger_id": "x"},
    ],
)
def test_an_event_of_the_wrong_shape_is_refused_by_gradio_with_a_4xx(
    live: Live, body: dict[str, Any]
) -> None:
    response = httpx.post(f"{live.base}{JOIN}", json=body)

    assert 400 <= response.status_code < 500
