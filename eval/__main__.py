"""``python -m eval``: run the cases through the assistant, print the tables, write the reports.

Exit status: 0, or 1 when accuracy is below ``--min-accuracy``, or 2 when the cases file or the
assistant cannot be loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings, apply_offline_environment, get_settings
from assistant.errors import AssistantError
from eval.cases import Case, CaseFormatError, load_cases
from eval.corpora import temporary_index
from eval.matching import load_reference
from eval.report import format_console, render_html, report_json, write_html, write_json
from eval.results import CaseResult
from eval.runner import Answerer, EvalReport, run_cases

DEFAULT_CASES = PROJECT_ROOT / "eval" / "cases.jsonl"


def _accuracy_threshold(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eval",
        description="Evaluate the programme assistant on a file of cases (JSON Lines).",
    )
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="default: %(default)s")
    parser.add_argument("--out", type=Path, help="write the full results as JSON")
    parser.add_argument("--html", type=Path, help="write a self-contained HTML report")
    parser.add_argument(
        "--baseline", action="store_true", help="also evaluate the plain top-4 chunk recipe"
    )
    parser.add_argument(
        "--min-accuracy",
        type=_accuracy_threshold,
        metavar="X",
        help="exit with status 1 when accuracy is below X (a fraction, e.g. 0.8)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        metavar="DIR",
        help="answer from the documents of DIR (repeat to index several folders together) "
        "through a temporary index, instead of the configured store",
    )
    parser.add_argument(
        "--compare-reader",
        action="store_true",
        help="answer the cases in each reader mode (off, with_rules, chooses, alone) and print "
        "a row of totals per mode",
    )
    parser.add_argument(
        "--staff-answers",
        type=Path,
        metavar="FILE",
        help="answer with the admissions office's saved answers of FILE (JSON Lines: id, "
        "question, answer, programme) in a temporary database; with a cases file of "
        "paraphrase and near_miss cases, report how often each gets a saved answer",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    parser.add_argument(
        "--blind",
        action="store_true",
        help="print totals only, no case or category (for held-out files); no reports written",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    assistant: Answerer | None = None,
) -> int:
    """Run the CLI; ``settings`` and ``assistant`` default to the configured ones."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    apply_offline_environment()
    # Saved answers only with --staff-answers: the figures never depend on a database's state;
    # an evaluator's questions are not kept for staff as unanswered.
    settings = (settings or get_settings()).model_copy(
        update={"saved_answers": False, "unanswered_retention_days": 0}
    )
    if args.staff_answers:
        return _evaluate_with_saved_answers(args, settings, assistant)
    try:
        cases = load_cases(args.cases)
    except CaseFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        if args.corpus:
            try:
                settings = stack.enter_context(temporary_index(settings, args.corpus))
            except AssistantError as exc:
                print(
                    f"error: cannot index {', '.join(map(str, args.corpus))}: {exc}",
                    file=sys.stderr,
                )
                return 2
        return _evaluate(args, cases, settings, assistant)


def _evaluate(
    args: argparse.Namespace,
    cases: Sequence[Case],
    settings: Settings,
    assistant: Answerer | None,
) -> int:
    reference = load_reference(settings.corpus_dir)
    if args.compare_reader:
        from eval.ablation import compare_reader_modes, format_modes

        try:
            print(format_modes(compare_reader_modes(cases, settings, reference)))
        except AssistantError as exc:
            print(f"error: cannot run the assistant: {exc}", file=sys.stderr)
            return 2
        return 0
    try:
        if assistant is None:
            from assistant.conversation.assistant import build_assistant

            assistant = build_assistant(settings)
        report = run_cases(
            cases,
            assistant,
            reference=reference,
            on_result=None if args.quiet or args.blind else _Progress(len(cases), "ours"),
        )
        baseline: EvalReport | None = None
        if args.baseline:
            from eval.baseline import build_baseline

            baseline_assistant = build_baseline(settings)
            baseline = run_cases(
                cases,
                baseline_assistant,
                reference=reference,
                on_result=None if args.quiet or args.blind else _Progress(len(cases), "baseline"),
            )
    except (AssistantError, NotImplementedError) as exc:
        print(f"error: cannot run the assistant: {exc or type(exc).__name__}", file=sys.stderr)
        return 2

    print(format_console(report, baseline, blind=args.blind))
    meta = {
        "cases_file": str(args.cases),
        "corpus_dir": str(settings.corpus_dir),
        "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    if args.out and not args.blind:
        write_json(args.out, report_json(report, baseline, meta))
        print(f"JSON report: {args.out}")
    if args.html and not args.blind:
        write_html(args.html, render_html(report, baseline, meta))
        print(f"HTML report: {args.html}")

    accuracy = report.summary.accuracy or 0.0
    if args.min_accuracy is not None and accuracy < args.min_accuracy:
        print(
            f"FAILED: accuracy {accuracy:.1%} is below the minimum {args.min_accuracy:.1%}",
            file=sys.stderr,
        )
        return 1
    return 0


def _evaluate_with_saved_answers(
    args: argparse.Namespace, settings: Settings, assistant: Answerer | None
) -> int:
    from eval.staff_answers import (
        evaluate_office,
        is_office_cases,
        load_office_cases,
        settings_with_saved_answers,
    )

    try:
        if is_office_cases(args.cases):
            report = evaluate_office(settings, args.staff_answers, load_office_cases(args.cases))
            print("\n".join(report.lines()))
            if not args.blind and report.failures:
                print("failed: " + ", ".join(report.failures))
            return 0
        cases = load_cases(args.cases)
        with settings_with_saved_answers(settings, args.staff_answers) as (changed, _ids):
            return _evaluate(args, cases, changed, assistant)
    except (AssistantError, CaseFormatError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


class _Progress:
    """One line per judged case on stderr, so a long run shows where it is."""

    def __init__(self, total: int, label: str) -> None:
        self._total, self._label, self._done = total, label, 0

    def __call__(self, result: CaseResult) -> None:
        self._done += 1
        status = "pass" if result.passed else f"FAIL {result.why}"
        print(
            f"[{self._label} {self._done}/{self._total}] {result.case.id} "
            f"{result.latency_ms:.0f} ms {status}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    sys.exit(main())
