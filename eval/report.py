"""Reports of an evaluation run: console tables, a JSON file and a self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import CategoryScore, Summary
from eval.results import CaseResult
from eval.runner import EvalReport


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    show: Callable[[float | None], str]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


METRICS: tuple[MetricRow, ...] = (
    MetricRow("accuracy", "answer accuracy", _percent),
    MetricRow("refusal_recall", "refusal recall", _percent),
    MetricRow("answered_wrongly_rate", "answered wrongly", _percent),
    MetricRow("citation_validity", "citation validity", _percent),
    MetricRow("hit_at_1", "retrieval hit@1", _percent),
    MetricRow("hit_at_5", "retrieval hit@5", _percent),
    MetricRow("mrr", "retrieval MRR", _fraction),
    MetricRow("median_answer_words", "median answer words", _number),
    MetricRow("latency_p50_ms", "latency p50 ms", _number),
    MetricRow("latency_p95_ms", "latency p95 ms", _number),
)

_COUNTS = {
    "accuracy": lambda s: f"{s.passed}/{s.cases}",
    "refusal_recall": lambda s: f"{s.refused}/{s.refuse_cases}",
    "answered_wrongly_rate": lambda s: f"{s.answered_wrongly}/{s.answered_cases}",
    "citation_validity": lambda s: f"{s.verbatim_citations}/{s.citations}",
    "hit_at_1": lambda s: f"n={s.retrieval_cases}",
}


def metric_value(summary: Summary, row: MetricRow) -> str:
    value = row.show(getattr(summary, row.key))
    count: Callable[[Summary], str] | None = _COUNTS.get(row.key)
    return f"{value} ({count(summary)})" if count else value


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        return "  ".join(
            [first.ljust(widths[0])]
            + [cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True)]
        )

    return [line(header), "  ".join("-" * width for width in widths), *map(line, rows)]


def format_console(
    report: EvalReport, baseline: EvalReport | None = None, blind: bool = False
) -> str:
    """Per-category table, failures with their reason, then every metric (next to the baseline).
    ``blind``: totals only, no case is shown (a held-out file stays unread)."""
    lines = (
        []
        if blind
        else [
            *_category_table(report.summary, baseline.summary if baseline else None),
            "",
            *_document_table(report.summary),
            "",
        ]
    )
    failures = report.failures
    lines.append(f"Failures ({len(failures)})" if failures else "Failures: none")
    for result in [] if blind else failures:
        lines.append(f"  {result.case.id} [{result.case.category}] {result.why}")
        lines.append(f"      Q: {_shorten(result.case.question)}")
        lines.append(f"      A: {_shorten(result.outcome.text)}")
    lines.append("")
    header = ["Metric", "Ours", *(["Baseline"] if baseline else [])]
    rows = [
        [
            row.label,
            metric_value(report.summary, row),
            *([metric_value(baseline.summary, row)] if baseline else []),
        ]
        for row in METRICS
    ]
    lines.extend(_table(header, rows))
    if report.summary.errors:
        lines.append(f"{report.summary.errors} case(s) raised an error")
    return "\n".join(lines)


def _category_table(summary: Summary, baseline: Summary | None) -> list[str]:
    header = ["Category", "Cases", "Passed", "Accuracy"]
    if baseline:
        header += ["Baseline passed", "Baseline accuracy"]
    rows: list[list[str]] = []
    for name, score in summary.by_category.items():
        other = baseline.by_category.get(name) if baseline else None
        rows.append(_score_cells(name, score, other, with_baseline=baseline is not None))
    total = CategoryScore(summary.cases, summary.passed)
    base_total = CategoryScore(baseline.cases, baseline.passed) if baseline else None
    rows.append(_score_cells("TOTAL", total, base_total, with_baseline=baseline is not None))
    return _table(header, rows)


def _document_table(summary: Summary) -> list[str]:
    """Accuracy per document (a case's programme context, else the first source it expects)."""
    rows = [
        [name, str(score.cases), str(score.passed), _percent(score.accuracy)]
        for name, score in summary.by_document.items()
    ]
    return _table(["Document", "Cases", "Passed", "Accuracy"], rows)


def _score_cells(
    name: str, score: CategoryScore, other: CategoryScore | None, *, with_baseline: bool
) -> list[str]:
    cells = [name, str(score.cases), str(score.passed), _percent(score.accuracy)]
    if with_baseline:
        cells += [str(other.passed), _percent(other.accuracy)] if other else ["-", "-"]
    return cells


def _shorten(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def report_json(
    report: EvalReport, baseline: EvalReport | None = None, meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``summary`` and ``results``; with a baseline also ``baseline`` (its summary) and
    ``baseline_results``."""
    data: dict[str, Any] = {"meta": meta or {}, **report.to_dict()}
    if baseline is not None:
        data["baseline"] = baseline.summary.to_dict()
        data["baseline_results"] = [result.to_dict() for result in baseline.results]
    return data


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1d2430}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d8dde6}
.meta{color:#5b6576}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d8dde6;border-radius:8px;padding:.7rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.3rem .8rem;text-align:left;
border-bottom:1px solid #e6e9ef}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bars{display:grid;grid-template-columns:12rem 1fr;gap:.35rem 1rem;align-items:center}
.track{background:#eef1f5;border-radius:4px;height:1.1rem;position:relative;margin:2px 0}
.fill{height:100%;border-radius:4px}.ours{background:#2f6fd6}.base{background:#a3acb9}
.track span{position:absolute;left:.4rem;top:0;font-size:.75rem;line-height:1.1rem;color:#10151d}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;border-radius:2px}
.failure{border:1px solid #e3c3c3;border-left:4px solid #c43d3d;border-radius:6px;
padding:.6rem 1rem;margin:1rem 0}.why{color:#a12b2b;font-weight:600}
.text{white-space:pre-wrap;background:#f6f7f9;padding:.5rem .7rem;border-radius:4px;margin:.3rem 0}
.quote{white-space:pre-wrap;border-left:3px solid #c9ced8;padding-left:.6rem;margin:.3rem 0;
color:#3b4452}.bad{color:#a12b2b}.ok{color:#2a7a3a}small{color:#5b6576}
"""


def render_html(
    report: EvalReport, baseline: EvalReport | None = None, meta: dict[str, Any] | None = None
) -> str:
    """One offline page: totals, metrics, a bar per category, every failure with its sources."""
    meta = meta or {}
    summary = report.summary
    title = "Programme assistant evaluation"
    generated = meta.get("generated_at") or dt.datetime.now().isoformat(timespec="seconds")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class='meta'>Cases: {_e(meta.get('cases_file', ''))} · generated {_e(generated)}</p>",
        "<div class='cards'>",
        _card("Accuracy", _percent(summary.accuracy), f"{summary.passed} of {summary.cases}"),
        _card("Failures", str(summary.cases - summary.passed), f"{summary.errors} errors"),
        _card("Refusal recall", _percent(summary.refusal_recall), ""),
        _card("Citation validity", _percent(summary.citation_validity), ""),
    ]
    if baseline is not None:
        parts.append(_card("Baseline accuracy", _percent(baseline.summary.accuracy), ""))
    parts.append("</div>")
    parts.append(_html_metrics(summary, baseline.summary if baseline else None))
    parts.append(_html_bars(summary, baseline.summary if baseline else None))
    parts.append(_html_failures(report.failures))
    parts.append(_html_all_results(report.results))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(path: str | Path, page: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _card(label: str, value: str, note: str) -> str:
    return f"<div class='card'>{_e(label)}<b>{_e(value)}</b><small>{_e(note)}</small></div>"


def _html_metrics(summary: Summary, baseline: Summary | None) -> str:
    head = "<tr><th>Metric</th><th>Ours</th>" + ("<th>Baseline</th>" if baseline else "") + "</tr>"
    rows = [
        f"<tr><td>{_e(row.label)}</td><td class='n'>{_e(metric_value(summary, row))}</td>"
        + (f"<td class='n'>{_e(metric_value(baseline, row))}</td>" if baseline else "")
        + "</tr>"
        for row in METRICS
    ]
    return "<h2>Metrics</h2><table>" + head + "".join(rows) + "</table>"


def _bar(css: str, accuracy: float | None, label: str) -> str:
    width = 0.0 if accuracy is None else max(0.0, min(1.0, accuracy)) * 100
    return (
        f"<div class='track'><div class='fill {css}' style='width:{width:.1f}%'></div>"
        f"<span>{_e(label)}</span></div>"
    )


def _html_bars(summary: Summary, baseline: Summary | None) -> str:
    legend = "<p class='legend'><i class='ours'></i>ours"
    legend += "<i class='base'></i>baseline</p>" if baseline else "</p>"
    rows = []
    for name, score in summary.by_category.items():
        bars = _bar(
            "ours", score.accuracy, f"{_percent(score.accuracy)} ({score.passed}/{score.cases})"
        )
        other = baseline.by_category.get(name) if baseline else None
        if other is not None:
            bars += _bar(
                "base", other.accuracy, f"{_percent(other.accuracy)} ({other.passed}/{other.cases})"
            )
        rows.append(f"<div>{_e(name)}</div><div>{bars}</div>")
    return (
        "<h2>Accuracy by category</h2>" + legend + "<div class='bars'>" + "".join(rows) + "</div>"
    )


def _html_sources(result: CaseResult) -> str:
    if not result.outcome.citations:
        return "<p><small>No citations.</small></p>"
    items = []
    for citation, verbatim in zip(result.outcome.citations, result.verbatim, strict=True):
        mark = (
            "<span class='ok'>verbatim</span>" if verbatim else "<span class='bad'>not found</span>"
        )
        items.append(
            f"<li><b>{_e(citation.source)}</b> {mark}"
            f"<div class='quote'>{_e(citation.quote)}</div></li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _html_failures(failures: Sequence[CaseResult]) -> str:
    if not failures:
        return "<h2>Failures</h2><p>None.</p>"
    blocks = []
    for result in failures:
        retrieved = ", ".join(dict.fromkeys(result.outcome.retrieved)) or "-"
        blocks.append(
            "<div class='failure'>"
            f"<div><b>{_e(result.case.id)}</b> <small>{_e(result.case.category)}</small> · "
            f"<span class='why'>{_e(result.why)}</span></div>"
            f"<div>Question</div><div class='text'>{_e(result.case.question)}</div>"
            f"<div>Answer <small>(answered: {_e(result.outcome.answered)}, "
            f"clarification: {_e(result.outcome.clarification)}, "
            f"{result.latency_ms:.0f} ms)</small></div>"
            f"<div class='text'>{_e(result.outcome.text)}</div>"
            f"<div>Sources <small>(retrieved: {_e(retrieved)})</small></div>"
            f"{_html_sources(result)}</div>"
        )
    return f"<h2>Failures ({len(failures)})</h2>" + "".join(blocks)


def _html_all_results(results: Sequence[CaseResult]) -> str:
    rows = "".join(
        f"<tr><td>{_e(r.case.id)}</td><td>{_e(r.case.category)}</td>"
        f"<td class='{'ok' if r.passed else 'bad'}'>{'pass' if r.passed else 'fail'}</td>"
        f"<td>{_e(r.why)}</td><td class='n'>{r.latency_ms:.0f}</td></tr>"
        for r in results
    )
    return (
        "<h2>All cases</h2><details><summary>Show every case</summary><table>"
        "<tr><th>Id</th><th>Category</th><th>Result</th><th>Why</th><th>ms</th></tr>"
        f"{rows}</table></details>"
    )
