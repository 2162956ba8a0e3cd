"""The answer backends: the extractive draft as it is, or an LLM's rephrasing that the grounding
guard has checked, with the draft as the fallback.

The tests marked ``llm`` talk to a real llama.cpp server (llama-cpp-python) serving
SmolLM2-135M-Instruct, started once for the session; the fallback tests use real sockets.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from llm_server import (
    LLMServer,
    closed_port_url,
    missing_requirement,
    running_server,
    silent_server,
)

from assistant.answering.answer import Answer, Citation
from assistant.answering.llm.backend import (
    ExtractiveBackend,
    LLMBackend,
    Phrasing,
    build_messages,
    evidence_of,
    framing_of,
    get_backend,
    text_deltas,
)
from assistant.answering.llm.guard import GroundingReport, check_grounding, checkable_facts
from assistant.config import PROJECT_ROOT, Settings
from assistant.conversation.assistant import Assistant
from assistant.errors import ConfigurationError

DOC = "kul-biomedical-engineering-postgraduate"
TITLE = "Postgraduate Programme in Biomedical Engineering"


def cite(quote: str, heading: str) -> Citation:
    return Citation(source=DOC, title=TITLE, quote=quote, heading=heading)


# Sentences of corpus/kul-biomedical-engineering-postgraduate.md, as the composer quotes them.
FEE = cite(
    "non-EEA student: 4400 euro (full-time registration) and 2200 euro (part-time registration)",
    "Tuition fee",
)
DEADLINES = (
    cite("1 March for applications of non-EEA citizens", "Admission"),
    cite("1 June for applications of EEA citizens", "Admission"),
)
COORDINATOR = cite("Coordination: Prof. Frederik Maes", "6. Contact")
BASIC_COURSES = (
    cite("H0H08A Inleiding in Celbiologie en Anatomie van de Mens 7 ECTS", "Basic Medical Courses"),
    cite("I0D34A Basic concepts in Human Cell Biology 5 ECTS", "Basic Medical Courses"),
    cite("H03I4B Human System Physiology 5 ECTS", "Basic Medical Courses"),
)
BIOMATERIALS = (
    cite("H03U4A Biomaterials I 3 ECTS", "Biomechanics and Biomaterials"),
    cite("H03J2A Biofluid Mechanics 3 ECTS", "Biomechanics and Biomaterials"),
)


def draft(question: str, *citations: Citation, language: str = "en") -> Answer:
    """A draft as the extractive composer writes it: the quotes, each with its marker."""
    return Answer(
        text=" ".join(f"“{citation.quote}” [{n}]" for n, citation in enumerate(citations, 1)),
        answered=True,
        citations=citations,
        programme=DOC,
        standalone_question=question,
        language=language,
        retrieved=(DOC,),
    )


def llm_settings(base_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"llm_base_url": base_url, "llm_model": "smollm2"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def split_stream(items: list[str | Answer]) -> tuple[list[str], Answer]:
    *deltas, final = items
    assert all(isinstance(delta, str) for delta in deltas)
    assert isinstance(final, Answer)
    return [str(delta) for delta in deltas], final


# --- the interface, without a model ------------------------------------------------------------

FEE_DRAFT = draft("What is the tuition fee for non-EEA students?", FEE)


def test_extractive_backend_returns_the_draft_unchanged() -> None:
    assert ExtractiveBackend().phrase("What is the fee?", FEE_DRAFT) is FEE_DRAFT


def test_extractive_stream_yields_word_groups_then_the_draft() -> None:
    deltas, final = split_stream(list(ExtractiveBackend().stream("What is the fee?", FEE_DRAFT)))
    assert final is FEE_DRAFT
    assert "".join(deltas) == FEE_DRAFT.text
    assert len(deltas) == 3  # 12 words, four to a delta


@pytest.mark.parametrize(
    "text",
    ["", "one", "  leading and trailing  ", "two\nlines,  double  spaces\tand tabs.", "a b c d e"],
)
def test_text_deltas_join_back_to_the_text(text: str) -> None:
    assert "".join(text_deltas(text)) == text


def test_get_backend_is_extractive_unless_a_base_url_is_set() -> None:
    assert isinstance(get_backend(Settings(_env_file=None, llm_base_url=None)), ExtractiveBackend)  # type: ignore[call-arg]
    backend = get_backend(llm_settings("http://127.0.0.1:9/v1"))
    assert isinstance(backend, LLMBackend)
    assert backend.name == "llm"


def test_llm_backend_needs_a_base_url() -> None:
    with pytest.raises(ConfigurationError, match="ASSISTANT_LLM_BASE_URL"):
        LLMBackend(Settings(_env_file=None, llm_base_url=None))  # type: ignore[call-arg]


def test_importing_the_backends_loads_no_llm_client() -> None:
    code = (
        "import sys, assistant.answering.llm.backend; "
        "print(sorted(m for m in ('langchain_openai', 'openai', 'torch') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_prompt_gives_the_question_the_numbered_quotes_and_the_draft() -> None:
    messages = build_messages("When must I apply?", draft("When must I apply?", *DEADLINES))
    assert messages[-1] == (
        "human",
        "Question: When must I apply?\n\n"
        "Quotes:\n"
        "[1] 1 March for applications of non-EEA citizens\n"
        "[2] 1 June for applications of EEA citizens\n\n"
        "Draft answer: “1 March for applications of non-EEA citizens” [1] "
        "“1 June for applications of EEA citizens” [2]",
    )
    assert "Dutch" not in messages[0][1]


def test_a_draft_without_markers_is_shown_to_the_model_with_them() -> None:
    unmarked = Answer(
        f"Apply by: {DEADLINES[0].quote}. Or: “{DEADLINES[1].quote}”", True, DEADLINES
    )
    assert build_messages("When?", unmarked)[-1][1].endswith(
        f"Draft answer: Apply by: {DEADLINES[0].quote} [1]. Or: “{DEADLINES[1].quote}” [2]"
    )


def test_the_framing_is_the_draft_without_its_quotes() -> None:
    framed = Answer(
        f"For the programme (KU Leuven): “{FEE.quote}” [1]\nNote: 2024-2025.", True, (FEE,)
    )
    assert framing_of(framed) == "For the programme (KU Leuven): \n [1]\nNote: 2024-2025."


def test_a_dutch_draft_asks_for_a_dutch_answer() -> None:
    messages = build_messages("Wanneer?", draft("Wanneer?", *DEADLINES, language="nl"))
    assert messages[0][1].endswith("Write the answer in Dutch.")
    assert "begint in september [1]" in messages[2][1]


# --- the guard between a model and the user (a scripted model isolates the backend) ---------


def scripted(*replies: str) -> LLMBackend:
    """An LLMBackend whose chat model answers with ``replies``, in turn."""
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply) for reply in replies]))
    return LLMBackend(Settings(_env_file=None), chat_model=model)  # type: ignore[call-arg]


FEE_AND_DEADLINES = draft("What does it cost and when do I apply?", FEE, *DEADLINES)


def test_the_answer_keeps_only_the_quotes_it_cites_and_renumbers_its_markers() -> None:
    reply = "Non-EEA students pay 4400 euro full time [1] and apply by 1 March [2]."
    phrasing = scripted(reply).rephrase("What does it cost?", FEE_AND_DEADLINES)
    assert phrasing.used_llm
    assert phrasing.answer == Answer(
        text="Non-EEA students pay 4400 euro full time [1] and apply by 1 March [2].",
        answered=True,
        citations=(FEE, DEADLINES[0]),
        programme=DOC,
        standalone_question="What does it cost and when do I apply?",
        language="en",
    )
    assert phrasing.answer.retrieved == (DOC,)


def test_markers_skipping_a_quote_are_renumbered_to_the_kept_citations() -> None:
    reply = "Non-EEA students pay 4400 euro [1]; EEA citizens apply by 1 June [3]."
    answer = scripted(reply).phrase("What does it cost?", FEE_AND_DEADLINES)
    assert answer.text == "Non-EEA students pay 4400 euro [1]; EEA citizens apply by 1 June [2]."
    assert answer.citations == (FEE, DEADLINES[1])


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            "Non-EEA students pay 5000 euro [1].",
            'the answer states what its quotes do not: "5000 euro": figure not in the evidence',
        ),
        (
            "Non-EEA students pay 4400 euro.",
            "the answer states what its quotes do not: "
            '"Non-EEA students pay 4400 euro.": a claim without a citation marker',
        ),
        (
            "Non-EEA citizens apply by 1 March [2].",
            "the answer leaves out the best quote [1]",
        ),
        (
            "The fee depends on your registration [1].",
            "the answer gives none of the figures and dates of its quotes",
        ),
    ],
)
def test_a_reply_the_checks_reject_gives_the_draft(
    reply: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.answering.llm.backend"):
        phrasing = scripted(reply).rephrase("What does it cost?", FEE_AND_DEADLINES)
    assert phrasing.answer is FEE_AND_DEADLINES
    assert phrasing.fallback_reason == reason
    assert phrasing.llm_text == reply
    assert f"keeping the extractive draft: {reason}" in caplog.text


def test_the_stream_sends_nothing_of_a_rejected_reply() -> None:
    items = list(scripted("Non-EEA students pay 5000 euro [1].").stream("Fee?", FEE_DRAFT))
    deltas, final = split_stream(items)
    assert final is FEE_DRAFT
    assert "".join(deltas) == FEE_DRAFT.text


# --- falling back without a model ----------------------------------------------------------------


def test_an_unanswered_draft_is_returned_without_calling_the_model() -> None:
    decline = Answer(text="The documents do not say.", answered=False)
    clarify = Answer(text="Which programme?", answered=False, clarification=True)
    with silent_server() as server:
        backend = LLMBackend(llm_settings(server.base_url, llm_timeout_s=5))
        started = time.monotonic()
        assert backend.phrase("Is there a scholarship?", decline) is decline
        assert list(backend.stream("What is the fee?", clarify))[-1] is clarify
        assert time.monotonic() - started < 0.5
    assert server.accepted == 0


def test_a_server_that_never_answers_gives_the_draft_within_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with silent_server() as server:
        backend = LLMBackend(llm_settings(server.base_url, llm_timeout_s=1.0))
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="assistant.answering.llm.backend"):
            phrasing = backend.rephrase("What is the tuition fee?", FEE_DRAFT)
        elapsed = time.monotonic() - started
    assert server.accepted == 1
    assert phrasing.answer is FEE_DRAFT
    assert phrasing.fallback_reason == f"no answer from {server.base_url} within 1s"
    assert 1.0 <= elapsed < 1.5
    assert f"keeping the extractive draft: no answer from {server.base_url}" in caplog.text


def test_a_server_that_never_answers_streams_the_draft() -> None:
    with silent_server() as server:
        backend = LLMBackend(llm_settings(server.base_url, llm_timeout_s=0.5))
        deltas, final = split_stream(list(backend.stream("What is the fee?", FEE_DRAFT)))
    assert final is FEE_DRAFT
    assert "".join(deltas) == FEE_DRAFT.text


def test_an_unreachable_server_gives_the_draft(caplog: pytest.LogCaptureFixture) -> None:
    base_url = closed_port_url()
    backend = LLMBackend(llm_settings(base_url, llm_timeout_s=5))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="assistant.answering.llm.backend"):
        phrasing = backend.rephrase("What is the tuition fee?", FEE_DRAFT)
    assert time.monotonic() - started < 2
    assert phrasing.answer is FEE_DRAFT
    assert phrasing.fallback_reason is not None
    assert phrasing.fallback_reason.startswith(f"cannot reach {base_url}")
    assert "keeping the extractive draft: cannot reach" in caplog.text


# --- the real model ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLMServer]:
    reason = missing_requirement()
    if reason is not None:
        pytest.skip(reason)
    with running_server(tmp_path_factory.mktemp("llm") / "llama-server.log") as server:
        yield server


@pytest.fixture(scope="session")
def backend(llm_server: LLMServer) -> LLMBackend:
    # A generous timeout: these tests are about what the model says, not how fast it says it.
    return LLMBackend(
        llm_settings(llm_server.base_url, llm_model=llm_server.model, llm_timeout_s=120)
    )


def assert_grounded(phrasing: Phrasing, original: Answer) -> None:
    """The answer shown states nothing its quotes lack: the model's checked text or the draft."""
    answer = phrasing.answer
    framing = framing_of(original)
    assert check_grounding(answer.text, evidence_of(answer), context=framing).ok
    if phrasing.used_llm:
        assert phrasing.llm_text is not None
        assert check_grounding(phrasing.llm_text, evidence_of(original), context=framing).ok
        assert set(answer.citations) <= set(original.citations) and answer.citations
        assert answer == Answer(
            text=answer.text,
            answered=True,
            citations=answer.citations,
            programme=original.programme,
            standalone_question=original.standalone_question,
            language=original.language,
        )
        assert answer.retrieved == original.retrieved
    else:
        assert answer is original


@pytest.mark.llm
@pytest.mark.parametrize(
    "question, citations",
    [
        ("What is the tuition fee for non-EEA students?", (FEE,)),
        ("When is the application deadline for non-EEA students?", DEADLINES),
        ("Who coordinates the programme?", (COORDINATOR,)),
    ],
)
def test_a_real_answer_is_the_checked_rephrasing_or_the_draft(
    backend: LLMBackend,
    question: str,
    citations: tuple[Citation, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    original = draft(question, *citations)
    with caplog.at_level(logging.INFO, logger="assistant.answering.llm.backend"):
        phrasing = backend.rephrase(question, original)
    assert phrasing.llm_text is not None  # the server answered
    assert phrasing.finish_reason == "stop"
    assert_grounded(phrasing, original)
    if phrasing.used_llm:
        assert "LLM answer accepted" in caplog.text
        assert checkable_facts(phrasing.answer.text)
    else:
        assert f"keeping the extractive draft: {phrasing.fallback_reason}" in caplog.text


@pytest.mark.llm
def test_figures_the_model_invents_are_caught_and_the_draft_is_shown(
    backend: LLMBackend, caplog: pytest.LogCaptureFixture
) -> None:
    # Asked for totals it would have to compute, the tiny model writes figures of its own.
    questions = [
        ("How many ECTS do the three basic medical courses give in total?", BASIC_COURSES),
        ("How many ECTS are Biomaterials I and Biofluid Mechanics together?", BIOMATERIALS),
    ]
    invented: list[str] = []
    for question, citations in questions:
        original = draft(question, *citations)
        with caplog.at_level(logging.WARNING, logger="assistant.answering.llm.backend"):
            phrasing = backend.rephrase(question, original)
        assert phrasing.llm_text is not None
        report = check_grounding(phrasing.llm_text, evidence_of(original))
        figures = [item for item in report.unsupported if "figure not in the evidence" in item]
        invented += figures
        if figures:
            assert not phrasing.used_llm
            assert phrasing.answer is original
            assert figures[0] in (phrasing.fallback_reason or "")
            assert f"keeping the extractive draft: {phrasing.fallback_reason}" in caplog.text
        assert_grounded(phrasing, original)
    assert invented, "the model stated no figure of its own; choose questions that make it"


@pytest.mark.llm
def test_streaming_yields_the_checked_answer_in_deltas_then_the_answer(
    backend: LLMBackend,
) -> None:
    question = "When is the application deadline for non-EEA students?"
    original = draft(question, *DEADLINES)
    deltas, final = split_stream(list(backend.stream(question, original)))
    assert len(deltas) >= 2
    assert "".join(deltas) == final.text
    assert final == backend.phrase(question, original)  # temperature 0: the same answer
    assert check_grounding(final.text, evidence_of(final), context=framing_of(original)).ok


@pytest.mark.llm
def test_max_tokens_reaches_the_server(llm_server: LLMServer) -> None:
    short = LLMBackend(
        llm_settings(
            llm_server.base_url, llm_model=llm_server.model, llm_max_tokens=16, llm_timeout_s=120
        )
    )
    phrasing = short.rephrase("What is the tuition fee for non-EEA students?", FEE_DRAFT)
    assert phrasing.finish_reason == "length"
    assert phrasing.completion_tokens == 16
    assert phrasing.fallback_reason == "the answer was cut off at llm_max_tokens=16"
    assert phrasing.answer is FEE_DRAFT


# --- drafts of the real assistant ----------------------------------------------------------------
# Drafted by the rules alone: the default's veto only turns some of their answers into declines,
# so every answered draft the default shows is among these.

REAL_QUESTIONS = [
    "How much will one year of the biomedical engineering postgrad cost me if I'm not from Europe?",
    "I'm from India and live in Hyderabad. When do I need to apply for the BME postgraduate?",
    "Who's in charge of the BME postgraduate?",
    "Wat kost het inschrijvingsgeld voor niet-EER studenten voor het postgraduaat biomedical "
    "engineering?",
    "If my study plan ends up at 41 credits instead of 40, do I still pay the same for the "
    "biomedical engineering postgraduate?",
    "How much is the tuition fee?",
]


@pytest.mark.parametrize("question", REAL_QUESTIONS)
def test_the_guard_accepts_the_extractive_draft_it_guards(rules: Assistant, question: str) -> None:
    original = rules.ask(question)
    assert original.answered and original.citations
    report = check_grounding(original.text, evidence_of(original), context=framing_of(original))
    assert report == GroundingReport(ok=True, unsupported=())


@pytest.mark.llm
@pytest.mark.parametrize("question", REAL_QUESTIONS[:4])
def test_the_real_model_on_real_drafts_shows_only_grounded_answers(
    rules: Assistant, backend: LLMBackend, question: str
) -> None:
    original = rules.ask(question)
    phrasing = backend.rephrase(question, original)
    assert phrasing.llm_text is not None
    assert_grounded(phrasing, original)
