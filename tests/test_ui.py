"""The Gradio UI's HTTP routes under /ui, on the real server: what it refuses and how.

What a person sees and does in the UI is tested in a real browser (tests/test_browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from server import serve_real_app

from assistant.config import Settings
from assistant.conversation.assistant import Assistant

# gradio's queue statistics call pandas options that pandas 3 deprecates
pytestmark = [
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
]


@pytest.fixture(scope="module")
def live(
    index_settings: Settings, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serve_real_app(index_settings, assistant, tmp_path_factory.mktemp("ui")) as base:
        yield base


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/ui/gradio_api/queue/join", {"fn_index": 999, "session_hash": "s1", "data": []}),
        ("/ui/gradio_api/queue/join", {"fn_index": -1, "session_hash": "s1", "data": []}),
    ],
)
def test_an_event_for_a_function_the_ui_does_not_have_is_422_json(
    live: str, path: str, body: dict[str, object]
) -> None:
    response = httpx.post(f"{live}{path}", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == {
        "type": "invalid_request",
        "message": f"The UI has no function {body['fn_index']}.",
    }


def test_an_event_for_a_function_the_ui_has_is_still_queued(live: str) -> None:
    response = httpx.post(
        f"{live}/ui/gradio_api/queue/join",
        json={"fn_index": 0, "session_hash": "s2", "data": [], "trigger_id": None},
    )

    assert response.status_code == 200
    assert set(response.json()) == {"event_id"}


@pytest.mark.parametrize("path", ["/ui/gradio_api/upload", "/ui/gradio_api/upload_progress"])
def test_the_ui_takes_no_uploads(live: str, path: str) -> None:
    upload = httpx.post(f"{live}{path}", files={"files": ("notes.txt", b"anonymous file")})

    assert upload.status_code == 404
    assert upload.json()["error"]["type"] == "not_found"
    assert "notes.txt" not in upload.text
