"""Property-based API testing: every documented operation, valid and invalid input, real assistant.

Schemathesis reads the app's own OpenAPI document and sends generated requests through ASGI (no
network) to the app around the real assistant: positive data (what the schema allows), negative
data (what it forbids), the schema's own examples, and real questions inside otherwise generated
requests. Whatever it sends, the server must not fail with a 5xx, and every response must match
the body the schema declares for its status.

The operations run through Schemathesis' Hypothesis strategies inside ordinary tests, because its
pytest fixture loader (``schemathesis.pytest.from_fixture``) does not run under this pytest.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from assistant.config import PROJECT_ROOT, Settings
from assistant.conversation.assistant import Assistant
from assistant.web.api import create_app
from tests.server import STAFF_TOKEN, real_app_settings

pytestmark = pytest.mark.slow

EXAMPLES = 40  # generated requests per operation and kind of data: the file runs in a few minutes
CHECKS = [not_a_server_error, response_schema_conformance]
AUTHORIZATION = {"Authorization": f"Bearer {STAFF_TOKEN}"}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same requests on every run, so a failure reproduces
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as it was sent
    suppress_health_check=list(HealthCheck),
)

OPERATIONS = (
    "POST /api/chat",
    "POST /api/chat/stream",
    "POST /v1/chat/completions",
    "POST /api/draft-reply",
    "POST /api/feedback",
    "PATCH /api/feedback/{feedback_id}",
    "GET /api/feedback/export",
    "GET /v1/models",
    "GET /api/health",
    "GET /api/programmes",
    "GET /api/documents/{doc_id}",
    "POST /api/staff-answers",
    "GET /api/staff-answers",
    "GET /api/staff-answers/{answer_id}",
    "PUT /api/staff-answers/{answer_id}",
    "DELETE /api/staff-answers/{answer_id}",
    "GET /api/unanswered",
)
WITHOUT_INPUT = {"GET /v1/models", "GET /api/health", "GET /api/programmes"}  # nothing to negate

QUESTIONS = [
    json.loads(line)["question"]
    for line in (PROJECT_ROOT / "eval" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip() and '"category": "email"' not in line
]
DOCUMENT_IDS = sorted(path.stem for path in (PROJECT_ROOT / "corpus").glob("*.md"))


@pytest.fixture(scope="module")
def api_schema(
    index_settings: Settings, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> schemathesis.BaseSchema:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(real_app_settings(index_settings, folder), assistant)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _operation(schema: schemathesis.BaseSchema, label: str) -> schemathesis.APIOperation:
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the OpenAPI document"
    return operation


def _send(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTHORIZATION, checks=CHECKS)


def _with_real_input(case: schemathesis.Case, label: str, question: str, doc_id: str) -> None:
    """Put a real question (or document id) into an otherwise generated request."""
    if label == "GET /api/documents/{doc_id}":
        case.path_parameters = {**(case.path_parameters or {}), "doc_id": doc_id}
        return
    body = dict(case.body) if isinstance(case.body, dict) else {}
    if label == "POST /api/draft-reply":
        body["email"] = f"Dear team,\n\n{question}\n\nKind regards,\nAlex"
    elif label == "POST /v1/chat/completions":
        earlier = body.get("messages")
        earlier = earlier[:-1] if isinstance(earlier, list) else []
        body["messages"] = [*earlier, {"role": "user", "content": question}]
    else:
        body["message"] = question
    case.body = body


@pytest.mark.parametrize(
    ("label", "mode"),
    [(label, GenerationMode.POSITIVE) for label in OPERATIONS]
    + [(label, GenerationMode.NEGATIVE) for label in OPERATIONS if label not in WITHOUT_INPUT],
    ids=lambda value: str(getattr(value, "value", value)),
)
def test_generated_requests_get_no_server_error_and_a_response_as_documented(
    api_schema: schemathesis.BaseSchema, label: str, mode: GenerationMode
) -> None:
    operation = _operation(api_schema, label)

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        _send(case)

    run()


@pytest.mark.parametrize(
    "label",
    [
        "POST /api/chat",
        "POST /api/chat/stream",
        "POST /v1/chat/completions",
        "POST /api/draft-reply",
        "GET /api/documents/{doc_id}",
    ],
)
def test_real_questions_in_generated_requests_are_answered_as_documented(
    api_schema: schemathesis.BaseSchema, label: str
) -> None:
    operation = _operation(api_schema, label)

    @FUZZ_SETTINGS
    @given(
        case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        question=st.sampled_from(QUESTIONS),
        doc_id=st.sampled_from(DOCUMENT_IDS),
    )
    def run(case: schemathesis.Case, question: str, doc_id: str) -> None:
        _with_real_input(case, label, question, doc_id)
        _send(case)

    run()


@pytest.mark.parametrize("label", OPERATIONS)
def test_the_schema_examples_are_answered_as_documented(
    api_schema: schemathesis.BaseSchema, label: str
) -> None:
    operation = _operation(api_schema, label)
    strategies = api_schema.get_strategies_from_examples(operation)
    for strategy in strategies:

        @settings(FUZZ_SETTINGS, max_examples=5)
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            _send(case)

        run()


def test_the_schema_documents_exactly_the_routes_fuzzed_here(
    api_schema: schemathesis.BaseSchema,
) -> None:
    results = list(api_schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the schema has invalid operations"
    assert {result.ok().label for result in results if isinstance(result, Ok)} == set(OPERATIONS)
