"""The evaluation's metrics on hand-built results, and the runner end to end.

The assistant here is a small fake: these tests isolate the runner, its metrics and its reports
from the assistant being evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.answering.answer import Answer, Citation
from assistant.config import Settings
from assistant.conversation.assistant import ReplyDraft, Turn
from eval import (
    Case,
    CaseFormatError,
    CaseResult,
    Expect,
    Outcome,
    Verdict,
    load_cases,
    load_reference,
    run_cases,
    summarise,
)
from eval.__main__ import main
from eval.metrics import first_rank, percentile
from eval.report import format_console, render_html

BME = "kul-biomedical-engineering-postgraduate"
LEIDEN = "leiden-biomedical-sciences-master"


def made(
    category: str = "fees",
    expect: Expect | None = None,
    *,
    text: str = "An answer.",
    answered: bool = True,
    clarification: bool = False,
    error: str | None = None,
    passed: bool = True,
    retrieved: Sequence[str] = (),
    verbatim: Sequence[bool] = (),
    latency_ms: float = 100.0,
) -> CaseResult:
    """A judged result built by hand; ``passed`` is taken as given."""
    citations = tuple(Citation(source=BME, title="", quote="q") for _ in verbatim)
    outcome = Outcome(
        text=text,
        answered=answered,
        clarification=clarification,
        citations=citations,
        retrieved=tuple(retrieved),
        error=error,
    )
    case = Case(
        id=f"case-{id(outcome)}", question="?", category=category, expect=expect or Expect()
    )
    return CaseResult(
        case=case,
        outcome=outcome,
        verdict=Verdict(passed, "" if passed else "failed"),
        latency_ms=latency_ms,
        verbatim=tuple(verbatim),
    )


# --- metrics on hand-built results --------------------------------------------------------------


def test_accuracy_overall_and_per_category_in_order_of_appearance() -> None:
    summary = summarise(
        [
            made("fees"),
            made("deadlines", passed=False),
            made("fees", passed=False),
            made("fees"),
        ]
    )
    assert (summary.cases, summary.passed, summary.accuracy) == (4, 2, 0.5)
    assert list(summary.by_category) == ["fees", "deadlines"]
    fees = summary.by_category["fees"]
    assert (fees.cases, fees.passed, fees.accuracy) == (3, 2, pytest.approx(2 / 3))
    assert summary.by_category["deadlines"].accuracy == 0.0


def test_refusal_recall_counts_only_real_refusals_of_refuse_cases() -> None:
    refuse = Expect(refuse=True)
    summary = summarise(
        [
            made("unanswerable", refuse, answered=False),
            made("unanswerable", refuse, answered=True, passed=False),
            made("unanswerable", refuse, answered=False, clarification=True, passed=False),
            made("unanswerable", refuse, answered=False, error="Boom: x", passed=False),
            made("fees", answered=False, passed=False),  # not a refuse case
        ]
    )
    assert (summary.refused, summary.refuse_cases, summary.refusal_recall) == (1, 4, 0.25)


def test_answered_wrongly_counts_answers_with_wrong_or_unsupported_statements() -> None:
    fee = Expect(facts=(("4400", "4 400"),), forbid=("840",), sources=(BME,))
    summary = summarise(
        [
            made(expect=fee, text="It is 4 400 euro."),  # right
            made(expect=fee, text="It is 4400 euro.", passed=False),  # right, wrong source only
            made(expect=fee, text="It is 840 euro.", passed=False),  # forbidden and missing
            made(expect=fee, text="It is 4400, or 840.", passed=False),  # forbidden
            made(expect=fee, text="It is expensive.", passed=False),  # missing fact
            made(expect=Expect(refuse=True), text="Yes, 12 weeks.", passed=False),  # should decline
            made(expect=fee, text="I don't know.", answered=False, passed=False),  # not an answer
            made(expect=fee, text="Which one?", answered=True, clarification=True, passed=False),
        ]
    )
    assert (summary.answered_wrongly, summary.answered_cases) == (4, 6)
    assert summary.answered_wrongly_rate == pytest.approx(4 / 6)


def test_citation_validity_is_the_share_of_all_citations_quoted_verbatim() -> None:
    summary = summarise([made(verbatim=(True, False)), made(verbatim=(True,)), made(verbatim=())])
    assert (summary.verbatim_citations, summary.citations) == (2, 3)
    assert summary.citation_validity == pytest.approx(2 / 3)
    assert summarise([made()]).citation_validity is None


def test_retrieval_ranks_the_first_expected_document_among_distinct_ids() -> None:
    expect = Expect(sources=(BME, LEIDEN))
    summary = summarise(
        [
            made(expect=expect, retrieved=[LEIDEN, "x"]),  # rank 1
            made(expect=expect, retrieved=["x", "x", "x", "x", "x", BME]),  # rank 2 once distinct
            made(expect=expect, retrieved=["a", "b", "c", "d", "e", BME]),  # rank 6
            made(expect=expect, retrieved=[]),  # absent
            made(retrieved=["x"]),  # no expected sources: not counted
        ]
    )
    assert summary.retrieval_cases == 4
    assert summary.hit_at_1 == 0.25
    assert summary.hit_at_5 == 0.5
    assert summary.mrr == pytest.approx((1 + 1 / 2 + 1 / 6 + 0) / 4)


@pytest.mark.parametrize(
    ("retrieved", "expected", "rank"),
    [
        ([BME], [BME], 1),
        (["a", "a", BME], [BME], 2),
        (["a", "b"], [BME], None),
        ([], [BME], None),
    ],
)
def test_first_rank(retrieved: list[str], expected: list[str], rank: int | None) -> None:
    assert first_rank(retrieved, expected) == rank


def test_median_answer_length_counts_words_of_answered_responses_only() -> None:
    summary = summarise(
        [
            made(text="one two three"),
            made(text="one two three four five"),
            made(text="one"),
            made(text="I cannot answer that question at all sorry", answered=False),
        ]
    )
    assert summary.median_answer_words == 3.0


def test_latency_percentiles_interpolate_and_skip_calls_that_raised() -> None:
    summary = summarise(
        [
            made(latency_ms=10),
            made(latency_ms=40),
            made(latency_ms=30),
            made(latency_ms=20),
            made(latency_ms=5000, error="Timeout: slow", passed=False),
        ]
    )
    assert summary.latency_p50_ms == pytest.approx(25.0)
    assert summary.latency_p95_ms == pytest.approx(38.5)
    assert summary.errors == 1


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([7.0], 95, 7.0), ([1.0, 2.0], 50, 1.5), ([3.0, 1.0, 2.0], 100, 3.0), ([], 50, None)],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


def test_an_empty_run_has_no_rates() -> None:
    summary = summarise([])
    assert summary.cases == 0
    assert summary.accuracy is None
    assert summary.refusal_recall is None
    assert summary.mrr is None
    assert summary.latency_p95_ms is None


# --- cases file ---------------------------------------------------------------------------------


def test_load_cases_fills_in_the_optional_keys(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        '{"id": "a", "category": "fees", "question": "Q?"}\n'
        "\n"
        '{"id": "b", "category": "multi_turn", "question": "And then?",'
        ' "history": [{"role": "user", "content": "Hi"},'
        ' {"role": "assistant", "content": "Hello"}],'
        ' "expect": {"facts": [["4400", "4 400"], "2200"], "refuse": false}}\n',
        encoding="utf-8",
    )
    first, second = load_cases(path)
    assert first.expect == Expect()
    assert first.history == ()
    assert second.expect.facts == (("4400", "4 400"), ("2200",))
    assert [(turn.role, turn.content) for turn in second.history] == [
        ("user", "Hi"),
        ("assistant", "Hello"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "cases.jsonl:2: not valid JSON"),
        ('{"id": "x"}', "cases.jsonl:2: 'question' must be a non-empty string"),
        ('{"id": "x", "question": "q", "expect": {"facts": [[]]}}', "has no alternatives"),
        ('{"id": "x", "question": "q", "expect": {"refuse": "yes"}}', "must be true or false"),
        ('{"id": "ok", "question": "q"}', "duplicate case id 'ok'"),
        ('{"id": "x", "question": "q", "history": [{"role": "bot", "content": ""}]}', "role"),
    ],
)
def test_a_malformed_line_is_reported_with_its_line_number(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "ok", "question": "q"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(CaseFormatError, match=message):
        load_cases(path)


def test_the_project_case_files_load() -> None:
    root = Path(__file__).resolve().parent.parent / "eval"
    files = sorted(root.glob("cases*.jsonl"))
    if not files:
        pytest.skip("no case files yet")
    for path in files:
        assert load_cases(path), path


# --- the runner end to end with a fake assistant ------------------------------------------------

FEE_QUOTE = "non-EEA student: 4400 euro (full-time registration)"
DEADLINE_QUOTE = "1 March for applications of non-EEA citizens"
CORPUS_TEXT = (
    "---\n"
    f"id: {BME}\n"
    "title: Postgraduate Programme in Biomedical Engineering\n"
    "kind: programme\n"
    "---\n\n"
    f"- {DEADLINE_QUOTE}\n"
    f"- {FEE_QUOTE} and 2200 euro (part-time registration)\n"
)
LEIDEN_TEXT = "---\ntitle: Master Biomedical Sciences (Leiden)\nkind: programme\n---\n€18,016.00\n"

CASES = [
    {
        "id": "fee-001",
        "category": "fees",
        "question": "What is the non-EEA fee?",
        "expect": {"facts": [["4400", "4 400"]], "sources": [BME], "forbid": ["840"]},
    },
    {
        "id": "fee-002",
        "category": "fees",
        "question": "And part-time?",
        "history": [
            {"role": "user", "content": "What is the non-EEA fee?"},
            {"role": "assistant", "content": "4400 euro."},
        ],
        "expect": {"facts": [["2200"]], "sources": [BME]},
    },
    {
        "id": "out-001",
        "category": "out_of_scope",
        "question": "What is the best pizza in Leuven?",
        "expect": {"refuse": True},
    },
    {
        "id": "amb-001",
        "category": "ambiguous",
        "question": "How much is the tuition fee?",
        "expect": {"facts": [["4400"], ["18016"]], "clarify_ok": True},
    },
    {
        "id": "em-001",
        "category": "email",
        "question": "Dear team,\n\nWhen is the deadline and what is the fee?\n\nBest, <b>Ana</b>",
        "expect": {"facts": [["1st March"], ["4,400"]], "sources": [BME]},
    },
    {
        "id": "crash-001",
        "category": "fees",
        "question": "Make it crash <script>alert(1)</script>",
        "expect": {"facts": [["4400"]]},
    },
]


class FakeAssistant:
    """Answers from a table; records every call so the tests can see how it was called."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[Turn, ...]]] = []

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        self.calls.append(("ask", message, tuple(history)))
        if "crash" in message:
            raise RuntimeError("index missing")
        if message == "And part-time?":
            if history and history[0] == Turn("user", "What is the non-EEA fee?"):
                return self._fee("Part-time: 2 200 euro.")
            return Answer(text="Part-time of what?", answered=False)
        if "pizza" in message:
            return Answer(text="I can only answer questions about the programmes.", answered=False)
        if message == "How much is the tuition fee?":
            return Answer(
                text="Do you mean the Postgraduate Programme in Biomedical Engineering "
                "or the Master Biomedical Sciences (Leiden)?",
                answered=False,
                clarification=True,
            )
        return self._fee("Non-EEA students pay 4,400 euro a year.")

    def _fee(self, text: str) -> Answer:
        return Answer(
            text=text,
            answered=True,
            citations=(Citation(source=BME, title="BME", quote=FEE_QUOTE),),
            retrieved=(BME, LEIDEN),
        )

    def draft_reply(self, email_text: str) -> ReplyDraft:
        self.calls.append(("draft_reply", email_text, ()))
        deadline = Answer(
            text="1 March",
            answered=True,
            citations=(Citation(source=BME, title="BME", quote=DEADLINE_QUOTE),),
            retrieved=(LEIDEN, BME),
        )
        fee = Answer(
            text="4400 euro",
            answered=True,
            citations=(
                Citation(source=BME, title="BME", quote=FEE_QUOTE),
                Citation(source=BME, title="BME", quote="an invented sentence"),
            ),
            retrieved=(BME,),
        )
        return ReplyDraft(
            text="Dear Ana,\n\nThe deadline is 1 March and the fee is 4400 euro.",
            questions=("When is the deadline?", "What is the fee?"),
            answers=(deadline, fee, deadline),
            unanswered=(),
        )


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / f"{BME}.md").write_text(CORPUS_TEXT, encoding="utf-8")
    (corpus / f"{LEIDEN}.md").write_text(LEIDEN_TEXT, encoding="utf-8")
    return corpus


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(case) + "\n" for case in CASES), encoding="utf-8")
    return path


def test_run_cases_judges_every_case_through_the_api_code_paths(
    cases_file: Path, corpus_dir: Path
) -> None:
    fake = FakeAssistant()
    report = run_cases(load_cases(cases_file), fake, corpus_dir=corpus_dir)

    outcome = {result.case.id: (result.passed, result.why) for result in report.results}
    assert outcome == {
        "fee-001": (True, ""),
        "fee-002": (True, ""),
        "out-001": (True, ""),
        "amb-001": (True, ""),
        "em-001": (True, ""),
        "crash-001": (False, "error: RuntimeError: index missing"),
    }
    # one untimed warm-up call with the first question, then one call per case
    assert [call[:2] for call in fake.calls[:2]] == [
        ("ask", "What is the non-EEA fee?"),
        ("ask", "What is the non-EEA fee?"),
    ]
    assert len(fake.calls) == len(CASES) + 1
    assert ("draft_reply", CASES[4]["question"], ()) in fake.calls
    history = next(call[2] for call in fake.calls if call[1] == "And part-time?")
    assert history == (
        Turn("user", "What is the non-EEA fee?"),
        Turn("assistant", "4400 euro."),
    )


def test_an_email_is_judged_on_its_draft_with_the_union_of_its_answers(
    cases_file: Path, corpus_dir: Path
) -> None:
    report = run_cases(load_cases(cases_file), FakeAssistant(), corpus_dir=corpus_dir)
    email = next(result for result in report.results if result.case.id == "em-001")
    assert email.outcome.answered is True
    assert [citation.quote for citation in email.outcome.citations] == [
        DEADLINE_QUOTE,
        FEE_QUOTE,
        "an invented sentence",
    ]
    assert email.verbatim == (True, True, False)
    assert email.outcome.retrieved == (LEIDEN, BME)


def test_the_summary_of_a_run(cases_file: Path, corpus_dir: Path) -> None:
    summary = run_cases(load_cases(cases_file), FakeAssistant(), corpus_dir=corpus_dir).summary
    assert (summary.cases, summary.passed) == (6, 5)
    assert summary.errors == 1
    assert summary.refusal_recall == 1.0
    assert (summary.answered_wrongly, summary.answered_cases) == (0, 3)
    assert (summary.verbatim_citations, summary.citations) == (4, 5)
    # fee-001, fee-002: rank 1; em-001: LEIDEN first, so rank 2
    assert summary.retrieval_cases == 3
    assert summary.hit_at_1 == pytest.approx(2 / 3)
    assert summary.hit_at_5 == 1.0
    assert summary.mrr == pytest.approx((1 + 1 + 1 / 2) / 3)
    assert summary.by_category["fees"].to_dict() == {
        "cases": 3,
        "passed": 2,
        "accuracy": pytest.approx(2 / 3),
    }
    assert summary.latency_p50_ms is not None and summary.latency_p50_ms >= 0


def test_the_console_report_lists_categories_failures_and_metrics(
    cases_file: Path, corpus_dir: Path
) -> None:
    report = run_cases(load_cases(cases_file), FakeAssistant(), corpus_dir=corpus_dir)
    text = format_console(report, baseline=report)
    assert "Baseline accuracy" in text
    assert "crash-001 [fees] error: RuntimeError: index missing" in text
    assert "TOTAL" in text
    assert "answer accuracy" in text and "83.3% (5/6)" in text


def test_the_cli_writes_json_and_an_offline_html_report(
    cases_file: Path, corpus_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, page = tmp_path / "report.json", tmp_path / "report.html"
    status = main(
        ["--cases", str(cases_file), "--out", str(out), "--html", str(page), "--quiet"],
        settings=Settings(corpus_dir=corpus_dir),
        assistant=FakeAssistant(),
    )
    assert status == 0
    assert "Failures (1)" in capsys.readouterr().out

    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {"summary", "results"}
    assert data["summary"]["accuracy"] == pytest.approx(5 / 6)
    first = data["results"][0]
    assert set(first) >= {
        "id",
        "category",
        "question",
        "answer",
        "answered",
        "citations",
        "retrieved",
        "latency_ms",
        "passed",
        "why",
    }
    assert first["citations"] == [{"source": BME, "quote": FEE_QUOTE, "verbatim": True}]
    assert first["retrieved"] == [BME, LEIDEN]

    html = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "http" not in html.replace("http-equiv", "")  # nothing fetched from elsewhere
    assert "error: RuntimeError: index missing" in html


@pytest.mark.parametrize(("threshold", "status"), [("0.8", 0), ("0.9", 1)])
def test_the_cli_fails_below_the_minimum_accuracy(
    cases_file: Path, corpus_dir: Path, threshold: str, status: int
) -> None:
    argv = ["--cases", str(cases_file), "--min-accuracy", threshold, "--quiet"]
    settings = Settings(corpus_dir=corpus_dir)
    assert main(argv, settings=settings, assistant=FakeAssistant()) == status


def test_the_cli_rejects_a_broken_cases_file(tmp_path: Path, corpus_dir: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus_dir)
    assert main(["--cases", str(broken)], settings=settings, assistant=FakeAssistant()) == 2


def test_the_html_report_draws_a_bar_per_category(cases_file: Path, corpus_dir: Path) -> None:
    report = run_cases(load_cases(cases_file), FakeAssistant(), corpus_dir=corpus_dir)
    html = render_html(report, baseline=report)
    for category in ("fees", "out_of_scope", "ambiguous", "email"):
        assert f"<div>{category}</div>" in html
    assert html.count("class='fill ours'") == 4
    assert html.count("class='fill base'") == 4


def test_run_cases_reads_the_corpus_once_from_a_given_reference(
    cases_file: Path, corpus_dir: Path
) -> None:
    reference = load_reference(corpus_dir)
    report = run_cases(load_cases(cases_file), FakeAssistant(), reference=reference)
    assert report.summary.passed == 5


@pytest.mark.slow
def test_the_baseline_answers_with_the_best_chunk_of_the_real_embedding_search(
    corpus_dir: Path,
) -> None:
    from eval.baseline import build_baseline

    baseline = build_baseline(Settings(corpus_dir=corpus_dir))
    answer = baseline.ask("What is the tuition fee for non-EEA students?")
    assert answer.answered
    assert answer.citations[0].quote == answer.text
    assert answer.citations[0].source in {BME, LEIDEN}
    assert set(answer.retrieved) == {BME, LEIDEN}
    reference = load_reference(corpus_dir)
    assert reference.is_verbatim(answer.citations[0])
    draft = baseline.draft_reply("Dear team, what does the Leiden master cost? Best, Ana")
    assert draft.answers and draft.text == draft.answers[0].text
