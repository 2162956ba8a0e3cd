"""The HTTP API, through a real uvicorn server on 127.0.0.1.

Feature tests run against the real assistant over the real index; the tests of limits and error
mapping isolate the HTTP layer with a scripted assistant.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from server import (
    STAFF_TOKEN,
    XSS_PAYLOAD,
    ScriptedAssistant,
    real_app_settings,
    serve_cli,
    serve_in_process,
    serve_in_thread,
    serve_real_app,
)

from assistant.answering.answer import Answer
from assistant.config import Settings
from assistant.conversation.assistant import Assistant, ProgrammeInfo, Turn, build_assistant
from assistant.documents.indexing import index_corpus
from assistant.errors import (
    BackendError,
    ConfigurationError,
    IndexNotReadyError,
    InputError,
    StoreError,
)
from assistant.web.api import MODEL_ID, create_app
from tests.conftest import make_settings

KUL_BME = "kul-biomedical-engineering-postgraduate"
FEE_QUESTION = "How much is the tuition fee for non-EEA students?"
ALLOWED_ORIGIN = "http://allowed.example"


def sse_events(body: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in body.strip().split("\n\n"):
        lines = block.splitlines()
        name = next((line[7:] for line in lines if line.startswith("event: ")), "message")
        data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
        events.append((name, json.loads(data) if data and data != "[DONE]" else data))
    return events


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_path": tmp_path / "feedback.sqlite3",
        "staff_token": STAFF_TOKEN,
        "rate_limit_per_minute": 0,
        "cors_origins": [ALLOWED_ORIGIN],
    }
    values.update(overrides)
    return Settings.model_validate(values)  # defaults and these values; no environment


@pytest.fixture(scope="module")
def live(
    index_settings: Settings, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The whole app around the real assistant, served by uvicorn."""
    folder = tmp_path_factory.mktemp("api")
    with serve_real_app(index_settings, assistant, folder, cors_origins=[ALLOWED_ORIGIN]) as base:
        yield base


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[tuple[str, ScriptedAssistant]]:
    """The API (no UI) around a scripted assistant, served by uvicorn."""
    fake = ScriptedAssistant()
    with serve_in_thread(create_app(settings_for(tmp_path), fake, ui=False)) as base:
        yield base, fake


# =========================================================================== the real assistant


def test_fee_question_is_answered_with_the_figure_and_a_citation_of_the_programme(
    live: str,
) -> None:
    response = httpx.post(
        f"{live}/api/chat", json={"message": FEE_QUESTION, "history": [], "programme": KUL_BME}
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["answered"] is True
    assert "4400" in answer["text"]
    assert answer["programme"] == KUL_BME
    cited = [c for c in answer["citations"] if c["source"] == KUL_BME]
    assert any("4400" in c["quote"] for c in cited)
    assert cited[0]["title"] == "Postgraduate Programme in Biomedical Engineering"
    url = httpx.URL(cited[0]["url"])
    assert str(url.copy_with(query=None, fragment=None)) == f"/api/documents/{KUL_BME}"
    assert url.params["quote"] == cited[0]["quote"]
    assert url.fragment == "quote"
    assert set(answer) == {
        "text", "answered", "citations", "programme", "standalone_question", "language",
        "clarification",
    }  # fmt: skip
    assert set(cited[0]) == {
        "kind",
        "source",
        "title",
        "quote",
        "heading",
        "url",
        "id",
        "author",
        "date",
    }
    assert cited[0]["kind"] == "document" and cited[0]["id"] is None  # not a saved answer


def test_the_history_sent_with_a_request_resolves_a_follow_up(live: str) -> None:
    first = httpx.post(
        f"{live}/api/chat",
        json={"message": "Tell me about the Postgraduate Programme in Biomedical Engineering"},
    ).json()
    history = [
        {
            "role": "user",
            "content": "Tell me about the Postgraduate Programme in Biomedical Engineering",
        },
        {"role": "assistant", "content": first["text"]},
    ]

    answer = httpx.post(
        f"{live}/api/chat", json={"message": FEE_QUESTION, "history": history}
    ).json()

    assert "4400" in answer["text"]
    assert KUL_BME in {c["source"] for c in answer["citations"]}


LONE_SURROGATE = "\ud800"  # valid in JSON as an escape, but no UTF-8 text can hold it


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/chat", {"message": f"fee {LONE_SURROGATE}?"}, "message"),
        (
            "/api/chat",
            {"message": FEE_QUESTION, "history": [{"role": "user", "content": LONE_SURROGATE}]},
            "history.0.content",
        ),
        ("/api/chat", {"message": FEE_QUESTION, "programme": LONE_SURROGATE}, "programme"),
        ("/api/chat/stream", {"message": LONE_SURROGATE}, "message"),
        (
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": f"fee {LONE_SURROGATE}"}]},
            "messages.0.content",
        ),
        (
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": [{"type": "text", "text": LONE_SURROGATE}]}]},
            "messages.0.content",
        ),
        ("/api/draft-reply", {"email": f"Hi, what is the fee? {LONE_SURROGATE}"}, "email"),
        ("/api/feedback", {"rating": "up", "question": LONE_SURROGATE, "answer": "a"}, "question"),
        (
            "/api/feedback",
            {"rating": "up", "question": "q", "answer": "a", "sources": [LONE_SURROGATE]},
            "sources.0",
        ),
    ],
)
def test_text_that_is_not_valid_unicode_is_422_naming_the_field(
    live: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = httpx.post(
        f"{live}{path}",
        content=json.dumps(
            body
        ).encode(),  # ASCII JSON with the \ud800 escape, as a client sends it
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {STAFF_TOKEN}",  # /api/draft-reply is for staff
        },
        timeout=60,
    )

    error = response.json()["error"]
    if path.startswith("/v1/"):  # OpenAI's status and error object for a bad request
        assert response.status_code == 400
        assert (error["type"], error["code"]) == ("invalid_request_error", "invalid_request")
        assert error["param"].startswith(field)  # messages.0.content(.0.text)
        assert f"{error['param']}: is not valid Unicode" in error["message"]
    else:
        assert response.status_code == 422
        assert error["type"] == "invalid_request"
    assert field in error["message"] and "not valid Unicode" in error["message"]


def test_a_citation_url_serves_the_cited_document(live: str) -> None:
    answer = httpx.post(
        f"{live}/api/chat", json={"message": FEE_QUESTION, "programme": KUL_BME}
    ).json()
    citation = next(c for c in answer["citations"] if c["source"] == KUL_BME)

    document = httpx.get(f"{live}{citation['url']}")

    assert document.status_code == 200
    assert document.headers["content-type"] == "text/plain; charset=utf-8"
    assert document.headers["x-content-type-options"] == "nosniff"
    assert "4400 euro" in document.text
    assert citation["quote"].strip("- ")[:40] in document.text


def test_a_citation_url_opened_in_a_browser_is_the_document_as_a_page_with_the_quote_marked(
    live: str,
) -> None:
    answer = httpx.post(
        f"{live}/api/chat", json={"message": FEE_QUESTION, "programme": KUL_BME}
    ).json()
    citation = next(c for c in answer["citations"] if "4400" in c["quote"])

    page = httpx.get(
        f"{live}{citation['url']}", headers={"Accept": "text/html,application/xhtml+xml"}
    )

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert "academic_year:" not in page.text and "aliases:" not in page.text  # no front matter
    assert "<h1>Postgraduate Programme in Biomedical Engineering</h1>" in page.text
    assert f'<mark id="quote">{citation["quote"]}</mark>' in page.text
    assert page.text.count('id="quote"') == 1


def test_a_quote_the_document_no_longer_holds_is_said_so_on_the_page(live: str) -> None:
    page = httpx.get(
        f"{live}/api/documents/{KUL_BME}",
        params={"quote": "The fee is zero euro.", "format": "html"},
    )

    assert 'id="quote"' not in page.text
    assert "was not found in the current version of this document" in page.text
    assert "“The fee is zero euro.”" in page.text


def test_the_stream_sends_deltas_then_the_full_answer_then_done(live: str) -> None:
    response = httpx.post(
        f"{live}/api/chat/stream", json={"message": FEE_QUESTION, "programme": KUL_BME}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[-2:] == ["answer", "done"]
    assert set(names[:-2]) == {"delta"} and len(names) > 3
    answer = events[-2][1]
    assert "".join(data["text"] for name, data in events if name == "delta") == answer["text"]
    assert "4400" in answer["text"]
    assert any(c["source"] == KUL_BME and "4400" in c["quote"] for c in answer["citations"])


def test_draft_reply_answers_what_the_documents_hold_and_lists_the_rest(live: str) -> None:
    email = (
        "Dear admissions office,\n\nI am from Brazil and I would like to apply to the "
        "Postgraduate Programme in Biomedical Engineering at KU Leuven. How much is the "
        "tuition fee for non-EEA students? Do you offer student housing?\n\n"
        "Kind regards,\nAna"
    )

    response = httpx.post(
        f"{live}/api/draft-reply",
        json={"email": email},
        headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
    )

    assert response.status_code == 200
    draft = response.json()
    assert set(draft) == {"reply", "questions", "unanswered", "citations"}
    assert len(draft["questions"]) == 2
    assert "4400" in draft["reply"]
    assert draft["unanswered"] == ["Do you offer student housing?"]
    assert KUL_BME in {c["source"] for c in draft["citations"]}


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}], ids=["no token", "wrong token"]
)
def test_draft_reply_is_for_staff_only(live: str, headers: dict[str, str]) -> None:
    response = httpx.post(
        f"{live}/api/draft-reply", json={"email": "What is the fee?"}, headers=headers
    )

    assert response.status_code == 401
    assert response.json()["error"]["type"] == "unauthorized"


def test_programmes_lists_every_document_with_its_link(live: str) -> None:
    programmes = httpx.get(f"{live}/api/programmes").json()

    by_id = {p["id"]: p for p in programmes}
    assert len(programmes) == 5
    assert by_id[KUL_BME]["title"] == "Postgraduate Programme in Biomedical Engineering"
    assert by_id[KUL_BME]["institution"] == "KU Leuven"
    assert by_id[KUL_BME]["academic_year"] == "2024-2025"
    assert by_id[KUL_BME]["url"] == f"/api/documents/{KUL_BME}"


def test_links_never_take_their_host_from_the_request(live: str) -> None:
    headers = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    answer = httpx.post(
        f"{live}/api/chat", json={"message": FEE_QUESTION, "programme": KUL_BME}, headers=headers
    ).json()
    programmes = httpx.get(f"{live}/api/programmes", headers=headers).json()

    urls = [c["url"] for c in answer["citations"]] + [p["url"] for p in programmes]
    assert urls and all(url.startswith("/api/documents/") for url in urls)
    assert f"/api/documents/{KUL_BME}" in urls


@pytest.mark.slow
def test_links_are_under_the_configured_public_base_url(
    index_settings: Settings, tmp_path: Path
) -> None:
    env = {
        "ASSISTANT_PUBLIC_BASE_URL": "https://uni.example/assistant/",
        "ASSISTANT_STORE_DIR": str(index_settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(index_settings.corpus_dir),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    headers = {"Host": "attacker.example"}
    with serve_in_process(env, tmp_path / "server.log") as base:
        answer = httpx.post(
            f"{base}/api/chat",
            json={"message": FEE_QUESTION, "programme": KUL_BME},
            headers=headers,
            timeout=60,
        ).json()
        completion = httpx.post(
            f"{base}/v1/chat/completions",
            json={"messages": [{"role": "user", "content": FEE_QUESTION}], "programme": KUL_BME},
            headers=headers,
            timeout=60,
        ).json()

    expected = f"https://uni.example/assistant/api/documents/{KUL_BME}"
    for citations in (answer["citations"], completion["citations"]):
        urls = [httpx.URL(c["url"]) for c in citations]
        assert expected in [str(url.copy_with(query=None, fragment=None)) for url in urls]
        assert all(url.params["quote"] and url.fragment == "quote" for url in urls)
    assert "attacker" not in json.dumps([answer, completion])


def test_a_document_is_also_served_as_json(live: str) -> None:
    for request in (
        {"url": f"{live}/api/documents/{KUL_BME}", "headers": {"Accept": "application/json"}},
        {"url": f"{live}/api/documents/{KUL_BME}?format=json"},
    ):
        document = httpx.get(**request).json()  # type: ignore[arg-type]
        assert document["id"] == KUL_BME
        assert document["title"] == "Postgraduate Programme in Biomedical Engineering"
        assert "4400 euro" in document["markdown"]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF that shows ``text`` in Helvetica."""
    stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf


@pytest.fixture(scope="module")
def documents_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A corpus whose file names are not its ids, with a PDF and a web page, indexed and served."""
    folder = tmp_path_factory.mktemp("documents")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "alpha.md").write_text(
        "---\nid: beta\ntitle: Beta programme\n---\n\n# Beta programme\n\n"
        "The beta tuition fee is 1234 euro.\n",
        encoding="utf-8",
    )
    (corpus / "beta.md").write_text(
        "---\nid: gamma\ntitle: Gamma programme\n---\n\n# Gamma programme\n\n"
        "The gamma tuition fee is 999 euro.\n",
        encoding="utf-8",
    )
    (corpus / "leaflet.pdf").write_bytes(minimal_pdf("The leaflet deadline is 1 May."))
    (corpus / "page.html").write_text(
        "<html><head><title>Web page</title><style>.old{display:none}</style></head><body>"
        "<h1>Web page</h1><p>The web page fee is 777 euro.</p>"
        '<p class="old">The web page fee was 111 euro.</p></body></html>',
        encoding="utf-8",
    )
    indexed = make_settings(folder / "store", corpus)
    assert sorted(index_corpus(indexed).added) == ["beta", "gamma", "leaflet", "page"]
    app = create_app(real_app_settings(indexed, folder), build_assistant(indexed), ui=False)
    with serve_in_thread(app) as base:
        yield base


def test_a_document_is_served_by_its_id_not_by_a_file_of_that_name(documents_server: str) -> None:
    programmes = httpx.get(f"{documents_server}/api/programmes").json()
    beta_url = next(p["url"] for p in programmes if p["id"] == "beta")

    beta = httpx.get(f"{documents_server}/api/documents/beta")
    gamma = httpx.get(f"{documents_server}/api/documents/gamma")

    assert beta_url.endswith("/api/documents/beta")
    assert beta.status_code == 200 and "The beta tuition fee is 1234 euro." in beta.text
    assert "999" not in beta.text and "id: beta" not in beta.text
    assert gamma.status_code == 200 and "The gamma tuition fee is 999 euro." in gamma.text
    assert httpx.get(f"{documents_server}/api/documents/alpha").status_code == 404


@pytest.mark.parametrize(
    ("doc_id", "shown", "not_shown"),
    [
        ("leaflet", "The leaflet deadline is 1 May.", "%PDF"),
        ("page", "The web page fee is 777 euro.", "111 euro"),
    ],
    ids=["pdf", "html"],
)
def test_a_pdf_or_web_page_is_served_as_the_text_that_was_indexed(
    documents_server: str, doc_id: str, shown: str, not_shown: str
) -> None:
    response = httpx.get(f"{documents_server}/api/documents/{doc_id}")
    as_json = httpx.get(f"{documents_server}/api/documents/{doc_id}?format=json").json()

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert shown in response.text and not_shown not in response.text
    assert "<" not in response.text
    assert shown in as_json["markdown"]


@pytest.mark.parametrize("doc_id", ["no-such-programme", "..", "%2E%2E%2Fpyproject.toml", "a b"])
def test_an_unknown_document_is_404_with_a_json_error(live: str, doc_id: str) -> None:
    response = httpx.get(f"{live}/api/documents/{doc_id}")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_health_reports_ok_and_what_the_assistant_knows(live: str) -> None:
    health = httpx.get(f"{live}/api/health").json()

    assert health["status"] == "ok"
    assert health["programmes"] == 5


def test_root_redirects_to_the_ui_and_the_ui_widget_and_demo_are_served(live: str) -> None:
    root = httpx.get(f"{live}/", follow_redirects=False)
    assert root.status_code == 307
    assert root.headers["location"] == "/ui/"

    ui = httpx.get(f"{live}/ui/")
    assert ui.status_code == 200
    assert "Programme assistant" in ui.text

    widget = httpx.get(f"{live}/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "api/chat/stream" in widget.text

    demo = httpx.get(f"{live}/demo")
    assert demo.headers["content-type"].startswith("text/html")
    assert f'data-programme="{KUL_BME}"' in demo.text


def test_openapi_documents_every_route_and_the_citations_field(live: str) -> None:
    assert httpx.get(f"{live}/docs").status_code == 200
    spec = httpx.get(f"{live}/openapi.json").json()

    assert set(spec["paths"]) >= {
        "/api/chat", "/api/chat/stream", "/v1/chat/completions", "/v1/models",
        "/api/draft-reply", "/api/feedback", "/api/feedback/export", "/api/health",
        "/api/programmes", "/api/documents/{doc_id}",
    }  # fmt: skip
    description = spec["paths"]["/v1/chat/completions"]["post"]["description"]
    assert "`citations`" in description and "finish_reason" in description


VOTE = {"rating": "up", "question": "q", "answer": "a"}
# (schema, property, keyword, value stated) and a request just past it, on a server whose
# message limit is set to 500 in the environment
SCHEMA_LIMITS = [
    (
        ("ChatRequest", "message", "maxLength", 500),
        ("/api/chat", {"message": "x" * 501}),
    ),
    (("ChatRequest", "message", "minLength", 1), ("/api/chat", {"message": ""})),
    (
        ("ChatRequest", "programme", "maxLength", 200),
        ("/api/chat", {"message": "q", "programme": "p" * 201}),
    ),
    (
        ("DraftRequest", "email", "maxLength", 10_000),
        ("/api/draft-reply", {"email": "x" * 10_001}),
    ),
    (("DraftRequest", "email", "minLength", 1), ("/api/draft-reply", {"email": ""})),
    (
        ("FeedbackIn", "sources", "maxItems", 20),
        ("/api/feedback", {**VOTE, "sources": [f"doc-{i}" for i in range(21)]}),
    ),
    (
        ("FeedbackIn", "comment", "maxLength", 2000),
        ("/api/feedback", {**VOTE, "comment": "x" * 2001}),
    ),
    (
        ("FeedbackIn", "question", "maxLength", 20_000),
        ("/api/feedback", {**VOTE, "question": "x" * 20_001}),
    ),
    (
        ("ChatCompletionRequest", "messages", "minItems", 1),
        ("/v1/chat/completions", {"messages": []}),
    ),
]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as uvicorn serves it, configured from the environment with a message limit."""
    folder = tmp_path_factory.mktemp("limits")
    env = {
        "ASSISTANT_MAX_MESSAGE_CHARS": "500",
        "ASSISTANT_STAFF_TOKEN": STAFF_TOKEN,
        "ASSISTANT_STORE_DIR": str(folder / "store"),
        "ASSISTANT_DATABASE_PATH": str(folder / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    with serve_in_process(env, folder / "server.log") as base:
        yield base


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stated", "request_past_it"),
    SCHEMA_LIMITS,
    ids=[f"{s[0]}.{s[1]} {s[2]}" for s, _ in SCHEMA_LIMITS],
)
def test_openapi_states_each_limit_the_server_enforces(
    limited: str,
    stated: tuple[str, str, str, int],
    request_past_it: tuple[str, dict[str, Any]],
) -> None:
    schema, field, keyword, value = stated
    path, body = request_past_it
    properties = httpx.get(f"{limited}/openapi.json").json()["components"]["schemas"][schema][
        "properties"
    ]

    staff = {"Authorization": f"Bearer {STAFF_TOKEN}"}  # /api/draft-reply is for staff
    response = httpx.post(f"{limited}{path}", json=body, headers=staff, timeout=60)

    items = properties[field].get("items", {})
    stated_here = [properties[field], items, *properties[field].get("anyOf", [])]
    assert any(part.get(keyword) == value for part in stated_here), properties[field]
    # on /v1 a bad request is OpenAI's 400, elsewhere 422
    assert response.status_code == (400 if path.startswith("/v1/") else 422)
    assert field in response.json()["error"]["message"]


def test_cors_allows_the_configured_origin_only(live: str) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }

    allowed = httpx.options(
        f"{live}/api/chat/stream", headers={"Origin": ALLOWED_ORIGIN, **preflight}
    )
    refused = httpx.options(
        f"{live}/api/chat/stream", headers={"Origin": "http://evil.example", **preflight}
    )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "access-control-allow-origin" not in refused.headers


def test_models_lists_the_one_model(live: str) -> None:
    models = httpx.get(f"{live}/v1/models").json()

    assert [m["id"] for m in models["data"]] == [MODEL_ID]


@pytest.mark.slow
def test_the_app_factory_serves_the_index_named_by_the_environment(
    index_settings: Settings, tmp_path: Path
) -> None:
    env = {
        "ASSISTANT_STORE_DIR": str(index_settings.store_dir),
        "ASSISTANT_CORPUS_DIR": str(index_settings.corpus_dir),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    with serve_in_process(env, tmp_path / "server.log") as base:
        answer = httpx.post(
            f"{base}/api/chat", json={"message": FEE_QUESTION, "programme": KUL_BME}, timeout=60
        )
        ui = httpx.get(f"{base}/ui/")

    assert answer.status_code == 200
    assert "4400" in answer.json()["text"]
    assert ui.status_code == 200


@pytest.mark.slow
def test_before_ingest_the_app_starts_and_every_answer_says_run_ingest(tmp_path: Path) -> None:
    env = {
        "ASSISTANT_STORE_DIR": str(tmp_path / "no-index-here"),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    with serve_in_process(env, tmp_path / "server.log") as base:
        responses = [
            httpx.get(f"{base}/api/health", timeout=60),
            httpx.post(f"{base}/api/chat", json={"message": FEE_QUESTION}, timeout=60),
            httpx.post(f"{base}/api/chat/stream", json={"message": FEE_QUESTION}, timeout=60),
        ]
        ui = httpx.get(f"{base}/ui/")

    for response in responses:
        assert response.status_code == 503
        assert response.json()["error"]["type"] == "index_not_ready"
        assert "run ingest" in response.json()["error"]["message"]
        assert str(tmp_path) not in response.text
    assert ui.status_code == 200


# =========================================================================== the HTTP layer alone


def test_the_server_passes_history_and_programme_to_the_assistant(
    scripted: tuple[str, ScriptedAssistant],
) -> None:
    base, fake = scripted
    history = [{"role": "user", "content": "first"}, {"role": "assistant", "content": "reply"}]

    httpx.post(
        f"{base}/api/chat",
        json={"message": "  second  ", "history": history, "programme": "demo-programme"},
    )

    message, turns, programme = fake.calls[-1]
    assert message == "second"
    assert [(t.role, t.content) for t in turns] == [("user", "first"), ("assistant", "reply")]
    assert programme == "demo-programme"


def test_an_unknown_programme_is_422_pointing_to_the_list(
    scripted: tuple[str, ScriptedAssistant],
) -> None:
    base, fake = scripted

    response = httpx.post(f"{base}/api/chat", json={"message": "q", "programme": "no-such"})

    assert response.status_code == 422
    assert response.json()["error"] == {
        "type": "unknown_programme",
        "message": "There is no programme 'no-such'. GET /api/programmes lists the ids to use.",
    }
    assert fake.calls == []


def test_a_history_longer_than_the_limit_keeps_only_the_latest_turns(tmp_path: Path) -> None:
    fake = ScriptedAssistant()
    app = create_app(settings_for(tmp_path, max_history_turns=2), fake, ui=False)
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}"}
        for i in range(30)
    ]
    with serve_in_thread(app) as base:
        response = httpx.post(f"{base}/api/chat", json={"message": "q", "history": history})

    assert response.status_code == 200
    _, turns, _ = fake.calls[-1]
    assert [t.content for t in turns] == [f"message {i}" for i in range(26, 30)]


def test_a_message_over_the_limit_is_422_naming_the_limit(tmp_path: Path) -> None:
    fake = ScriptedAssistant()
    app = create_app(settings_for(tmp_path, max_message_chars=50), fake, ui=False)
    with serve_in_thread(app) as base:
        responses = [
            httpx.post(f"{base}/api/chat", json={"message": "x" * 51}),
            httpx.post(f"{base}/api/chat/stream", json={"message": "x" * 51}),
            httpx.post(
                f"{base}/v1/chat/completions",
                json={"model": MODEL_ID, "messages": [{"role": "user", "content": "x" * 51}]},
            ),
        ]

    for response in responses[:2]:
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["type"] == "message_too_long"
        assert "the limit is 50 characters" in error["message"]
    openai_error = responses[2].json()["error"]
    assert responses[2].status_code == 400  # OpenAI's status for a bad request
    assert (openai_error["type"], openai_error["code"]) == (
        "invalid_request_error",
        "message_too_long",
    )
    assert "the limit is 50 characters" in openai_error["message"]
    assert fake.calls == []


def test_an_email_over_the_limit_is_422_naming_the_limit(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, max_email_chars=100), ScriptedAssistant(), ui=False)
    with serve_in_thread(app) as base:
        response = httpx.post(
            f"{base}/api/draft-reply",
            json={"email": "x" * 101},
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
        )

    assert response.status_code == 422
    assert "the limit is 100 characters" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"message": "fee?"', "not valid JSON"),
        (b"\xff\xfe{", "not valid JSON"),
        (b"[1, 2]", "valid dictionary"),
        (b'{"message": 3}', "message: Input should be a valid string"),
        (b'{"message": "q", "history": [{"role": "system", "content": "x"}]}', "history.0.role"),
        (b'{"history": []}', "message: Field required"),
        (b'{"message": "   "}', "The message is empty"),
    ],
)
def test_a_malformed_request_is_422_with_a_clear_message(
    scripted: tuple[str, ScriptedAssistant], content: bytes, expected: str
) -> None:
    base, fake = scripted

    response = httpx.post(
        f"{base}/api/chat", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert expected in response.json()["error"]["message"]
    assert fake.calls == []


def _raw_request(base: str, head: bytes, body_parts: list[bytes], wait: float = 5.0) -> bytes:
    """Send a hand-made HTTP request; return what the server answered within ``wait`` seconds."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except OSError:  # the server answered and closed: that is the point
                break
        received = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received and received.rstrip().endswith(b"}"):
                break
        return received


def test_a_declared_oversized_body_is_413_before_any_of_it_is_read(tmp_path: Path) -> None:
    fake = ScriptedAssistant()
    app = create_app(settings_for(tmp_path, max_body_bytes=2048), fake, ui=False)
    with serve_in_thread(app) as base:
        head = (
            b"POST /api/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000\r\n\r\n"
        )
        started = time.monotonic()
        answer = _raw_request(base, head, [])  # not one byte of the body is sent
        elapsed = time.monotonic() - started

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert elapsed < 3
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["type"] == "payload_too_large"
    assert "limit of 2048 bytes" in body["error"]["message"]
    assert fake.calls == []


def test_a_streamed_body_is_cut_off_with_413_once_it_passes_the_limit(tmp_path: Path) -> None:
    fake = ScriptedAssistant()
    app = create_app(settings_for(tmp_path, max_body_bytes=2048), fake, ui=False)
    chunk = b'{"message": "' + b"x" * 1000
    with serve_in_thread(app) as base:
        head = (
            b"POST /api/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 3  # 3000 bytes, never terminated
        answer = _raw_request(base, head, parts)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["type"] == "payload_too_large"
    assert fake.calls == []


def _trickle(base: str, head: bytes, parts: list[bytes], every: float, wait: float) -> bytes:
    """Send ``head``, then one part every ``every`` seconds; what the server answered in ``wait``."""
    host, port = base.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=every) as sock:
        sock.sendall(head)
        deadline = time.monotonic() + wait
        for part in parts:
            if time.monotonic() > deadline or received:
                break
            try:
                sock.sendall(part)
                received += sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
        while received and not received.rstrip().endswith(b"}"):
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
    return received


@pytest.mark.slow
@pytest.mark.parametrize(
    "trickled", [False, True], ids=["half a body, then nothing", "a byte at a time"]
)
def test_a_body_that_does_not_arrive_in_time_is_408(tmp_path: Path, trickled: bool) -> None:
    env = {
        "ASSISTANT_BODY_TIMEOUT_S": "1.5",
        "ASSISTANT_STORE_DIR": str(tmp_path / "store"),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
    }
    body = json.dumps({"message": FEE_QUESTION}).encode()
    head = (
        b"POST /api/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    with serve_in_process(env, tmp_path / "server.log") as base:
        started = time.monotonic()
        if trickled:  # each byte well inside the limit, the whole body far outside it
            answer = _trickle(base, head, [bytes([b]) for b in body], every=0.3, wait=10.0)
        else:
            answer = _raw_request(base, head, [body[:10]], wait=10.0)
        took = time.monotonic() - started

    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    error = json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]
    assert error["type"] == "request_timeout"
    assert "1.5 seconds" in error["message"]
    assert took < 6.0


@pytest.mark.parametrize(
    ("declared", "sent", "status", "code", "says"),
    [
        (10_000_000, b"", 413, "payload_too_large", "limit of 2048 bytes"),
        (100, b'{"model": ', 408, "request_timeout", "within 1 seconds"),
    ],
    ids=["too large", "too slow"],
)
def test_on_v1_a_body_too_large_or_too_slow_is_refused_in_openais_error_shape(
    tmp_path: Path, declared: int, sent: bytes, status: int, code: str, says: str
) -> None:
    fake = ScriptedAssistant()
    settings = settings_for(tmp_path, max_body_bytes=2048, body_timeout_s=1.0)
    with serve_in_thread(create_app(settings, fake, ui=False)) as base:
        head = (
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % declared
        )
        answer = _raw_request(base, head, [sent] if sent else [], wait=6.0)

    assert answer.startswith(b"HTTP/1.1 %d " % status), answer[:200]
    error = json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, None)
    assert says in error["message"]
    assert fake.calls == []


def test_requests_over_the_rate_limit_get_429_with_retry_after(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, rate_limit_per_minute=3), ScriptedAssistant(), ui=False)
    with serve_in_thread(app) as base:
        statuses = [
            httpx.post(f"{base}/api/chat", json={"message": "q"}).status_code for _ in range(3)
        ]
        limited = httpx.post(f"{base}/api/chat", json={"message": "q"})
        health = httpx.get(f"{base}/api/health")
        other_client = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        other = other_client.post(f"{base}/api/chat", json={"message": "q"})
        other_client.close()

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    error = limited.json()["error"]
    assert error["type"] == "rate_limited"
    assert "the limit is 3 per minute" in error["message"]
    assert health.status_code == 200, "the health check is never limited"
    assert other.status_code == 200, "each client IP has its own budget"


def _statuses_with_forwarded_for(
    base: str, forwarded: list[str], local_address: str = "127.0.0.1"
) -> list[int]:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=local_address)) as client:
        return [
            client.get(f"{base}/v1/models", headers={"X-Forwarded-For": ip}).status_code
            for ip in forwarded
        ]


FOUR_CLIENTS = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]


@pytest.mark.slow
def test_x_forwarded_for_does_not_dodge_the_rate_limit_by_default(tmp_path: Path) -> None:
    env = {
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "3",
        "ASSISTANT_STORE_DIR": str(tmp_path / "store"),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
    }
    with serve_cli(env, tmp_path / "server.log") as base:
        statuses = _statuses_with_forwarded_for(base, FOUR_CLIENTS)

    assert statuses == [200, 200, 200, 429]


@pytest.mark.slow
def test_x_forwarded_for_names_the_client_only_from_a_listed_proxy(tmp_path: Path) -> None:
    env = {
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "3",
        "ASSISTANT_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "ASSISTANT_STORE_DIR": str(tmp_path / "store"),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
    }
    with serve_cli(env, tmp_path / "server.log") as base:
        through_proxy = _statuses_with_forwarded_for(base, FOUR_CLIENTS)
        one_client_through_proxy = _statuses_with_forwarded_for(base, ["198.51.100.7"] * 4)
        not_a_proxy = _statuses_with_forwarded_for(base, FOUR_CLIENTS, local_address="127.0.0.2")

    assert through_proxy == [200, 200, 200, 200], "each forwarded client has its own budget"
    assert one_client_through_proxy == [200, 200, 200, 429]
    assert not_a_proxy == [200, 200, 200, 429], "only a listed proxy is believed"


def test_rate_limit_zero_disables_the_limit(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, rate_limit_per_minute=0), ScriptedAssistant(), ui=False)
    with serve_in_thread(app) as base, httpx.Client() as client:
        statuses = {client.get(f"{base}/api/programmes").status_code for _ in range(50)}

    assert statuses == {200}


@pytest.mark.parametrize(
    ("error", "status", "type_", "says"),
    [
        (InputError("the message has no question in it"), 422, "invalid_input", "no question"),
        (IndexNotReadyError("no index"), 503, "index_not_ready", "run ingest"),
        (StoreError("chroma down at /srv/secret"), 503, "store_unavailable", "Try again"),
        (BackendError("llm timed out"), 500, "internal_error", "Try again"),
        (ConfigurationError("bad /srv/secret"), 500, "internal_error", "Try again"),
        (RuntimeError("boom at /srv/secret"), 500, "internal_error", "Try again"),
    ],
)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/chat", {"message": "q"}),
        ("/api/chat/stream", {"message": "q"}),
        (
            "/v1/chat/completions",
            {"model": MODEL_ID, "messages": [{"role": "user", "content": "q"}]},
        ),
        (
            "/v1/chat/completions",
            {"model": MODEL_ID, "stream": True, "messages": [{"role": "user", "content": "q"}]},
        ),
        ("/api/draft-reply", {"email": "What is the fee?"}),
    ],
    ids=["chat", "stream", "completions", "completions-stream", "draft"],
)
def test_assistant_errors_map_to_statuses_with_an_actionable_message_and_no_internals(
    tmp_path: Path,
    error: Exception,
    status: int,
    type_: str,
    says: str,
    path: str,
    body: dict[str, Any],
) -> None:
    app = create_app(settings_for(tmp_path), ScriptedAssistant(error=error), ui=False)
    staff = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    with serve_in_thread(app) as base:
        response = httpx.post(f"{base}{path}", json=body, headers=staff)

    error_out = response.json()["error"]
    if path.startswith("/v1/"):  # OpenAI's statuses and error object, our type as its code
        status = 400 if status == 422 else status
        openai_type = "invalid_request_error" if status < 500 else "server_error"
        assert (error_out["type"], error_out["code"]) == (openai_type, type_)
    else:
        assert error_out["type"] == type_
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert says in error_out["message"]
    for secret in ("/srv/secret", "Traceback", STAFF_TOKEN, str(tmp_path)):
        assert secret not in response.text


def test_after_an_unexpected_error_the_next_request_on_the_same_client_succeeds(
    tmp_path: Path,
) -> None:
    fake = ScriptedAssistant(error=RuntimeError("boom"))
    app = create_app(settings_for(tmp_path), fake, ui=False)
    with serve_in_thread(app) as base, httpx.Client(base_url=base) as client:
        failed = client.post("/api/chat", json={"message": "q"})
        fake.error = None
        answered = client.post("/api/chat", json={"message": "q"})

    assert failed.status_code == 500
    assert failed.headers["connection"] == "close"
    assert answered.status_code == 200


def test_an_error_after_the_stream_started_arrives_as_an_error_event(tmp_path: Path) -> None:
    fake = ScriptedAssistant(stream_error=RuntimeError("boom at /srv/secret"))
    with serve_in_thread(create_app(settings_for(tmp_path), fake, ui=False)) as base:
        chat = httpx.post(f"{base}/api/chat/stream", json={"message": "q"})
        completion = httpx.post(
            f"{base}/v1/chat/completions",
            json={
                "model": MODEL_ID,
                "stream": True,
                "messages": [{"role": "user", "content": "q"}],
            },
        )

    events = sse_events(chat.text)
    assert [name for name, _ in events] == ["delta", "error"]
    assert events[-1][1]["type"] == "internal_error"
    openai_error = sse_events(completion.text)[-1][1]["error"]
    assert (openai_error["type"], openai_error["code"]) == ("server_error", "internal_error")
    assert "/srv/secret" not in chat.text + completion.text


def test_health_is_503_with_run_ingest_when_there_is_no_index(tmp_path: Path) -> None:
    app = create_app(
        settings_for(tmp_path), ScriptedAssistant(error=IndexNotReadyError()), ui=False
    )
    with serve_in_thread(app) as base:
        response = httpx.get(f"{base}/api/health")

    assert response.status_code == 503
    assert "run ingest" in response.json()["error"]["message"]


@dataclass
class SlowAssistant(ScriptedAssistant):
    """Takes its time over every answer, and counts how often its index is consulted."""

    answer_seconds: float = 3.0
    index_reads: int = 0

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        time.sleep(self.answer_seconds)
        return super().ask(message, history, programme)

    def programmes(self) -> list[ProgrammeInfo]:
        self.index_reads += 1
        return super().programmes()


def test_health_answers_at_once_from_the_last_check_while_every_worker_is_answering(
    tmp_path: Path,
) -> None:
    slow = SlowAssistant()
    with serve_in_thread(create_app(settings_for(tmp_path), slow, ui=False)) as base:
        first = httpx.get(f"{base}/api/health")
        reads = slow.index_reads
        with ThreadPoolExecutor(max_workers=60) as pool, httpx.Client(base_url=base) as client:
            busy = [
                pool.submit(httpx.post, f"{base}/api/chat", json={"message": "q"}, timeout=60)
                for _ in range(60)  # more than the server's 40 worker threads
            ]
            time.sleep(1.0)
            timings = []
            for _ in range(10):
                started = time.perf_counter()
                status = client.get("/api/health").status_code
                timings.append((status, time.perf_counter() - started))
            answered = [future.result().status_code for future in busy]

    assert first.status_code == 200 and first.json()["documents"] == 1
    assert [status for status, _ in timings] == [200] * 10
    assert max(seconds for _, seconds in timings) < 0.05, timings
    assert slow.index_reads == reads, "the health check consulted the index on each call"
    assert answered == [200] * 60


def test_unknown_routes_and_methods_get_the_json_error_shape(
    scripted: tuple[str, ScriptedAssistant],
) -> None:
    base, _ = scripted

    missing = httpx.get(f"{base}/api/nothing-here")
    wrong_method = httpx.get(f"{base}/api/chat")

    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["type"] == "method_not_allowed"


def test_openai_errors_name_the_problem(scripted: tuple[str, ScriptedAssistant]) -> None:
    base, _ = scripted

    last_from_assistant = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": MODEL_ID, "messages": [{"role": "assistant", "content": "hi"}]},
    )
    no_messages = httpx.post(
        f"{base}/v1/chat/completions", json={"model": MODEL_ID, "messages": []}
    )

    assert last_from_assistant.status_code == 400
    assert last_from_assistant.json() == {
        "error": {
            "message": "The last message must come from the user: it is the question.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "invalid_input",
        }
    }
    assert no_messages.status_code == 400
    error = no_messages.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "messages")
    assert "messages" in error["message"]


@pytest.mark.parametrize(
    ("body", "status", "param", "code"),
    [
        ({"model": "gpt-4o"}, 404, "model", "model_not_found"),
        ({"n": 2}, 400, "n", "unsupported_value"),
        ({"programme": "no-such-programme"}, 400, "programme", "unknown_programme"),
        ({"messages": "hello"}, 400, "messages", "invalid_request"),
    ],
    ids=["unknown model", "n=2", "unknown programme", "wrong type"],
)
def test_openai_refusals_have_openais_status_and_error_object(
    scripted: tuple[str, ScriptedAssistant],
    body: dict[str, object],
    status: int,
    param: str | None,
    code: str,
) -> None:
    base, fake = scripted
    request = {"model": MODEL_ID, "messages": [{"role": "user", "content": "fee?"}], **body}
    response = httpx.post(f"{base}/v1/chat/completions", json=request)

    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code)
    assert fake.calls == []


def test_an_openai_request_that_is_not_json_is_400_invalid_request_error(
    scripted: tuple[str, ScriptedAssistant],
) -> None:
    base, _ = scripted

    response = httpx.post(
        f"{base}/v1/chat/completions",
        content='{"model": "programme-assistant", "messages": [',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "not valid JSON" in error["message"]
    assert error["param"] is None  # the body as a whole, not a character position
    assert '"messages"' in error["message"] and '"message":' not in error["message"]


def test_the_models_list_names_the_one_model_a_completion_accepts(
    scripted: tuple[str, ScriptedAssistant],
) -> None:
    base, _ = scripted
    [model] = httpx.get(f"{base}/v1/models").json()["data"]

    accepted = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": model["id"], "messages": [{"role": "user", "content": "fee?"}]},
    )
    unknown = httpx.get(f"{base}/v1/models/gpt-4o")

    assert accepted.status_code == 200
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "model_not_found"


def test_openai_messages_map_to_question_and_history(
    scripted: tuple[str, ScriptedAssistant],
) -> None:
    base, fake = scripted

    httpx.post(
        f"{base}/v1/chat/completions",
        json={
            "model": MODEL_ID,
            "messages": [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "first"},
                {"role": "assistant", "content": "reply"},
                {"role": "user", "content": [{"type": "text", "text": "second"}]},
            ],
            "temperature": 0.2,
            "programme": "demo-programme",
        },
    )

    message, turns, programme = fake.calls[-1]
    assert message == "second"
    assert [(t.role, t.content) for t in turns] == [("user", "first"), ("assistant", "reply")]
    assert programme == "demo-programme"


def test_answers_and_documents_are_returned_as_data_never_as_html(tmp_path: Path) -> None:
    fake = ScriptedAssistant(text=XSS_PAYLOAD, quote=XSS_PAYLOAD, document_text=XSS_PAYLOAD)
    with serve_in_thread(create_app(settings_for(tmp_path), fake, ui=False)) as base:
        answer = httpx.post(f"{base}/api/chat", json={"message": "q"})
        document = httpx.get(f"{base}/api/documents/demo-programme")

    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["text"] == XSS_PAYLOAD
    assert document.headers["content-type"] == "text/plain; charset=utf-8"
    assert document.headers["x-content-type-options"] == "nosniff"


# =========================================================================== generated requests

# Invalid data long enough to pass max_body_bytes (a question over its maxLength, in escapes) is
# refused with 413 before it is read: as much a rejection as the 4xx schemathesis expects.
_REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
_SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings.model_validate({}), ScriptedAssistant(), ui=False).openapi(),
    config=SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": [*_REJECTIONS, "5xx"]}}}
    ),
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app(settings_for(folder), ScriptedAssistant(), ui=False)
    with serve_in_thread(app) as base:
        yield base


@pytest.mark.slow
@_SCHEMA.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers_and_never_a_server_error(
    case: schemathesis.Case, fuzzed: str
) -> None:
    # Schema-valid data may still be refused on purpose (a message over the limit, an unknown
    # programme), so that one check is left out; every other response must match the schema.
    response = case.call_and_validate(
        base_url=fuzzed, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
