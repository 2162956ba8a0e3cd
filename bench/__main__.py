"""``python -m bench``: measure this machine and print the figures next to their targets.

Works in a temporary folder (removed at the end unless ``--keep``): a store built from
``corpus/``, a served app on a free 127.0.0.1 port, synthetic corpora 10x and 100x larger.
Exit status 0 when it ran (targets missed or not); 2 when a measurement could not be made.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.corpora import scaled_corpus
from bench.figures import Latencies, Row, growth_exponent, ms, ratio, render_table, secs
from bench.load import LoadResult, run_load
from bench.redis_stopped import StoppedRedis, measure_stopped_redis, stopped_redis_rows
from bench.stages import (
    ChildError,
    ColdStart,
    IngestFigure,
    Place,
    chat_payloads,
    machine,
    measure_cold_start,
    measure_ingest,
    process_memory,
    serve,
    time_answers,
)

TARGET_WARM_P95 = 0.200  # the default answer path includes the trained reader (16 candidates)
TARGET_THROUGHPUT = 15.0
TARGET_HTTP_P95 = 2.5
TARGET_COLD = 20.0
TARGET_RSS_MIB = 1.5 * 1024
TARGET_GROWTH = 1.1  # time ~ size**k; 1 is linear, a little above allows for noise
TARGET_CLIENTS = 32
TARGET_DETECTION = 0.002  # seconds per question to tell its language


@dataclass(frozen=True)
class Plan:
    """How long and how much to measure."""

    seconds: float  # per HTTP load level
    clients: tuple[int, ...]
    scales: tuple[int, ...]
    cold_runs: int
    warm_passes: int
    warm_budget: float  # seconds per recipe
    ingest_timeout: float

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Plan:
        quick = args.quick
        return cls(
            seconds=args.seconds or (5.0 if quick else 30.0),
            clients=_numbers(args.clients),
            scales=_numbers(args.scales or ("1,10" if quick else "1,10,100")),
            cold_runs=args.cold_runs or (1 if quick else 3),
            warm_passes=args.warm_passes or (1 if quick else 3),
            warm_budget=args.warm_budget or (60.0 if quick else 300.0),
            ingest_timeout=args.ingest_timeout,
        )


@dataclass
class Results:
    """Everything measured, for the table and the JSON file."""

    machine: dict[str, str] = field(default_factory=dict)
    cold: ColdStart | None = None
    warm: Latencies | None = None
    warm_baseline: Latencies | None = None
    http: list[LoadResult] = field(default_factory=list)
    memory: dict[str, float] = field(default_factory=dict)
    ingest: list[IngestFigure] = field(default_factory=list)
    ingest_baseline: list[IngestFigure] = field(default_factory=list)
    redis_stopped: StoppedRedis | None = None
    detection: float = math.nan  # seconds per question to tell its language
    growth: list[Growth] = field(default_factory=list)


@dataclass(frozen=True)
class Growth:
    """The cost of one corpus size: indexing it, and answering the seed questions from it."""

    documents: int
    ingest: IngestFigure
    load: LoadResult
    memory: dict[str, float]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, 1x and 10x corpora only")
    parser.add_argument("--seconds", type=float, help="per HTTP load level (default 30, quick 5)")
    parser.add_argument(
        "--clients", default="1,8,32", help="HTTP load levels (default %(default)s)"
    )
    parser.add_argument("--scales", help="corpus sizes for ingest (default 1,10,100; quick 1,10)")
    parser.add_argument("--cold-runs", type=int, help="fresh processes timed (default 3, quick 1)")
    parser.add_argument(
        "--warm-passes", type=int, help="passes over the cases (default 3, quick 1)"
    )
    parser.add_argument(
        "--warm-budget", type=float, help="seconds per recipe (default 300, quick 60)"
    )
    parser.add_argument("--ingest-timeout", type=float, default=3600.0, help="seconds per ingest")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--growth",
        action="store_true",
        help="only the cost of growth: ingest time, 1-client p95 and RSS with the seeds, then"
        " the test bed's development pages and then its held-out pages beside them",
    )
    parser.add_argument(
        "--redis-stopped",
        action="store_true",
        help="only time rate-limited requests while the rate limit's Redis is stopped",
    )
    return parser


def _numbers(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise SystemExit(f"expected positive integers separated by commas, got {text!r}")
    return values


def say(message: str) -> None:
    print(message, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in [k for k in os.environ if k.startswith("ASSISTANT_")]:
        del os.environ[name]  # the bench measures the default, extractive configuration
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from assistant.config import apply_offline_environment

    apply_offline_environment()
    plan = Plan.from_args(args)
    folder = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    started = time.monotonic()
    try:
        if args.redis_stopped:
            results = run_redis_stopped(folder)
        elif args.growth:
            results = run_growth(folder, plan)
        else:
            results = run(folder, plan)
    except ChildError as exc:
        say(f"error: {exc}")
        return 2
    finally:
        if args.keep:
            say(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    results.machine["load at end"] = machine()["load"]
    results.machine["bench took"] = f"{time.monotonic() - started:.0f} s"
    say("")
    say(" ".join(f"{k}: {v};" for k, v in results.machine.items()))
    if args.redis_stopped:
        table = stopped_redis_rows(results.redis_stopped)
    elif args.growth:
        table = growth_rows(results.growth, plan.seconds)
    else:
        table = rows(results, plan.seconds)
    say(render_table(table))
    if args.out:
        args.out.write_text(json.dumps(_as_json(results), indent=2, default=str), encoding="utf-8")
    return 0


def run(folder: Path, plan: Plan) -> Results:
    from assistant.config import PROJECT_ROOT
    from eval.cases import load_cases

    results = Results(machine={**machine()})
    say(f"machine: {results.machine}; working in {folder}")
    payloads = chat_payloads(load_cases(PROJECT_ROOT / "eval" / "cases.jsonl"))
    log = folder / "children.log"
    corpus = PROJECT_ROOT / "corpus"
    serving = Place(corpus, folder / "store", folder)

    say("ingest 1x (ours, then baseline) ...")
    ours = measure_ingest("ours", 1, serving, plan.ingest_timeout, log)
    if ours.problem:
        raise ChildError(f"the corpus could not be indexed: {ours.problem}")
    results.ingest.append(ours)
    results.ingest_baseline.append(
        measure_ingest(
            "baseline", 1, Place(corpus, folder / "unused", folder), plan.ingest_timeout, log
        )
    )

    say(f"cold start x{plan.cold_runs} ...")
    results.cold = measure_cold_start(payloads[0]["message"], serving, plan.cold_runs, 600.0, log)

    say(
        f"warm latency over {len(payloads)} questions x{plan.warm_passes} (ours, then baseline) ..."
    )
    results.warm, results.warm_baseline = warm_latencies(
        serving, payloads, plan.warm_passes, plan.warm_budget
    )

    with serve(serving, folder / "server.log", ASSISTANT_RATE_LIMIT_PER_MINUTE="0") as server:
        run_load(server.base_url, payloads[:1], clients=1, seconds=1.0, max_requests=3)
        for level in plan.clients:
            say(f"HTTP load: {level} client(s) for {plan.seconds:.0f} s ...")
            results.http.append(run_load(server.base_url, payloads, level, plan.seconds))
        results.memory = process_memory(server.pid)

    say("rate-limited requests with Redis stopped ...")
    results.redis_stopped = measure_stopped_redis(serving, log)
    results.detection = detection_seconds([p["message"] for p in payloads])

    for scale in [s for s in plan.scales if s != 1]:
        say(f"ingest {scale}x (ours, then baseline) ...")
        place = Place(
            scaled_corpus(corpus, folder / f"corpus-{scale}x", scale),
            folder / f"store-{scale}x",
            folder,
        )
        results.ingest.append(measure_ingest("ours", scale, place, plan.ingest_timeout, log))
        results.ingest_baseline.append(
            measure_ingest("baseline", scale, place, plan.ingest_timeout, log)
        )
        shutil.rmtree(place.store, ignore_errors=True)
        shutil.rmtree(place.corpus, ignore_errors=True)
    return results


def run_redis_stopped(folder: Path) -> Results:
    """Only the stopped-Redis figures (on an index of the 1x corpus)."""
    from assistant.config import PROJECT_ROOT

    results = Results(machine={**machine()})
    serving = Place(PROJECT_ROOT / "corpus", folder / "store", folder)
    log = folder / "children.log"
    ours = measure_ingest("ours", 1, serving, 3600.0, log)
    if ours.problem:
        raise ChildError(f"the corpus could not be indexed: {ours.problem}")
    say("rate-limited requests with Redis stopped ...")
    results.redis_stopped = measure_stopped_redis(serving, log)
    return results


def detection_seconds(questions: Sequence[str], rounds: int = 20) -> float:
    """Seconds per question to tell its language, warm."""
    from assistant.understanding.language import detect_language

    for question in questions:
        detect_language(question)
    start = time.perf_counter()
    for _ in range(rounds):
        for question in questions:
            detect_language(question)
    return (time.perf_counter() - start) / (rounds * len(questions))


def growing_corpora() -> list[list[Path]]:
    """The seeds; the seeds and the test bed's development pages; and its held-out pages too."""
    from assistant.config import PROJECT_ROOT

    seeds = sorted((PROJECT_ROOT / "corpus").glob("*.md"))
    bed = sorted((PROJECT_ROOT / "eval" / "testbed").glob("*.md"))
    held = sorted((PROJECT_ROOT / "eval" / "testbed" / "held-out").glob("*.md"))
    return [seeds, seeds + bed, seeds + bed + held]


def run_growth(folder: Path, plan: Plan) -> Results:
    """For each corpus size: a fresh index, then one client asking the seed questions over HTTP
    for ``plan.seconds`` (the per-answer p95 as a user waits for it), and the server's RSS."""
    from assistant.config import PROJECT_ROOT
    from eval.cases import load_cases

    results = Results(machine={**machine()})
    payloads = chat_payloads(load_cases(PROJECT_ROOT / "eval" / "cases.jsonl"))
    log = folder / "children.log"
    for files in growing_corpora():
        corpus = folder / f"corpus-{len(files)}"
        corpus.mkdir()
        for path in files:
            shutil.copy2(path, corpus / path.name)
        place = Place(corpus, folder / f"store-{len(files)}", folder)
        say(f"{len(files)} documents: ingest, then 1 client for {plan.seconds:.0f} s ...")
        ingest = measure_ingest("ours", 1, place, plan.ingest_timeout, log)
        if ingest.problem:
            raise ChildError(f"{len(files)} documents could not be indexed: {ingest.problem}")
        with serve(place, folder / "server.log", ASSISTANT_RATE_LIMIT_PER_MINUTE="0") as server:
            run_load(server.base_url, payloads[:1], clients=1, seconds=1.0, max_requests=3)
            load = run_load(server.base_url, payloads, 1, plan.seconds)
            memory = process_memory(server.pid)
        results.growth.append(Growth(len(files), ingest, load, memory))
        shutil.rmtree(place.store, ignore_errors=True)
    return results


def growth_rows(growth: list[Growth], seconds: float) -> list[Row]:
    return [
        Row(
            f"{g.documents} documents: ingest / 1-client p50, p95 ({seconds:.0f} s) / peak RSS",
            f"{_ingest_text(g.ingest)} / {secs(g.load.latencies.p50)}, "
            f"{secs(g.load.latencies.p95)} / {g.memory.get('VmHWM', math.nan):.0f} MiB",
            target=f"p95 < {TARGET_WARM_P95 * 1000:.0f} ms",
            met=g.load.latencies.p95 < TARGET_WARM_P95 and g.load.error_count == 0,
        )
        for g in growth
    ]


def warm_latencies(
    place: Place, payloads: list[dict[str, Any]], passes: int, budget: float
) -> tuple[Latencies, Latencies]:
    """Answer every question in this process, after a warm-up; ours, then the baseline's."""
    from assistant.config import Settings
    from assistant.conversation.assistant import Turn, build_assistant, warm_up
    from eval.baseline import build_baseline

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        corpus_dir=place.corpus,
        store_dir=place.store,
        database_path=place.folder / "feedback.sqlite3",
    )
    histories = {id(p): [Turn(h["role"], h["content"]) for h in p["history"]] for p in payloads}
    assistant = build_assistant(settings)
    warm_up(assistant)
    assistant.ask(payloads[0]["message"])
    ours = time_answers(
        lambda p: assistant.ask(p["message"], histories[id(p)]), payloads, passes, budget
    )
    baseline = build_baseline(settings)
    baseline.ask(payloads[0]["message"])
    theirs = time_answers(lambda p: baseline.ask(p["message"]), payloads, passes, budget)
    return Latencies.of(ours), Latencies.of(theirs)


# --- the table ------------------------------------------------------------------------------


def rows(results: Results, seconds: float) -> list[Row]:
    return [
        *_cold_rows(results.cold),
        *_warm_rows(results.warm, results.warm_baseline),
        *(row for load in results.http for row in _http_rows(load, seconds)),
        _memory_row(results.memory),
        Row(
            "Language detection per question (warm)",
            ms(results.detection),
            target=f"< {TARGET_DETECTION * 1000:.0f} ms",
            met=results.detection < TARGET_DETECTION if not math.isnan(results.detection) else None,
        ),
        *_ingest_rows(results.ingest, results.ingest_baseline),
        *stopped_redis_rows(results.redis_stopped),
    ]


def _cold_rows(cold: ColdStart | None) -> list[Row]:
    if cold is None:
        return []
    runs = ", ".join(f"{w:.1f}" for w in cold.walls)
    phases = cold.phases
    return [
        Row(
            "Cold start to first answer (median)",
            f"{secs(cold.median)} (runs: {runs} s)",
            target=f"< {TARGET_COLD:.0f} s",
            met=cold.median < TARGET_COLD and cold.answered,
        ),
        Row(
            "  inside: import / model / index+answer",
            f"{phases['import_s']:.1f} / {phases['model_s']:.1f} / {phases['first_answer_s']:.1f} s",
        ),
    ]


def _warm_rows(ours: Latencies | None, theirs: Latencies | None) -> list[Row]:
    if ours is None or theirs is None:
        return []
    rows = []
    for label, mine, base in (
        ("p50", ours.p50, theirs.p50),
        ("p95", ours.p95, theirs.p95),
        ("p99", ours.p99, theirs.p99),
    ):
        is_target = label == "p95"
        rows.append(
            Row(
                f"Warm answer latency {label} ({ours.count} answers)",
                ms(mine),
                ms(base),
                ratio(mine, base),
                target=f"< {TARGET_WARM_P95 * 1000:.0f} ms" if is_target else "",
                met=(mine < TARGET_WARM_P95) if is_target else None,
            )
        )
    return rows


def _http_rows(load: LoadResult, seconds: float) -> list[Row]:
    name = f"HTTP {load.clients} client{'s' if load.clients > 1 else ''} ({seconds:.0f} s)"
    targeted = load.clients == TARGET_CLIENTS
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(load.errors.items())) or "0"
    return [
        Row(
            f"{name}: answers/s",
            f"{load.throughput:.1f} ({load.answers} answers)",
            target=f">= {TARGET_THROUGHPUT:.0f}/s" if targeted else "",
            met=load.throughput >= TARGET_THROUGHPUT if targeted else None,
        ),
        Row(
            f"{name}: p50 / p95 / p99",
            f"{secs(load.latencies.p50)} / {secs(load.latencies.p95)} / {secs(load.latencies.p99)}",
            target=f"p95 < {TARGET_HTTP_P95:g} s" if targeted else "",
            met=load.latencies.p95 < TARGET_HTTP_P95 if targeted else None,
        ),
        Row(
            f"{name}: errors",
            errors,
            target="0",
            met=load.error_count == 0,
        ),
    ]


def _memory_row(memory: dict[str, float]) -> Row:
    peak = memory.get("VmHWM", math.nan)
    return Row(
        "Serving process peak RSS (VmHWM)",
        f"{peak:.0f} MiB (now {memory.get('VmRSS', math.nan):.0f})",
        target=f"< {TARGET_RSS_MIB:.0f} MiB",
        met=peak < TARGET_RSS_MIB if not math.isnan(peak) else None,
    )


def _ingest_text(figure: IngestFigure) -> str:
    if figure.problem:
        return f"failed: {figure.problem[:60]}"
    return f"{figure.seconds:.1f} s, {figure.chunks} chunks, {figure.per_chunk * 1000:.0f} ms/chunk"


def _ingest_rows(ours: list[IngestFigure], theirs: list[IngestFigure]) -> list[Row]:
    rows = []
    by_scale = {f.scale: f for f in theirs}
    for figure in ours:
        base = by_scale.get(figure.scale, IngestFigure(figure.scale))
        rows.append(
            Row(
                f"Ingest {figure.scale}x ({figure.documents} documents)",
                _ingest_text(figure),
                _ingest_text(base) if base.chunks or base.problem else "n/a",
                ratio(figure.seconds, base.seconds),
            )
        )
    k_ours = growth_exponent([(f.chunks, f.seconds) for f in ours])
    k_base = growth_exponent([(f.chunks, f.seconds) for f in theirs])
    if not math.isnan(k_ours):
        sizes = f"{min(f.scale for f in ours)}x-{max(f.scale for f in ours)}x"
        rows.append(
            Row(
                f"Ingest growth k, time ~ chunks^k ({sizes})",
                f"{k_ours:.2f}",
                "n/a" if math.isnan(k_base) else f"{k_base:.2f}",
                target=f"<= {TARGET_GROWTH} (1 = linear)",
                met=k_ours <= TARGET_GROWTH,
            )
        )
    return rows


def _as_json(results: Results) -> dict[str, Any]:
    return {
        "machine": results.machine,
        "cold": asdict(results.cold) if results.cold else None,
        "warm": asdict(results.warm) if results.warm else None,
        "warm_baseline": asdict(results.warm_baseline) if results.warm_baseline else None,
        "http": [
            {
                "clients": r.clients,
                "seconds": r.seconds,
                "answers": r.answers,
                "throughput": r.throughput,
                "errors": dict(r.errors),
                "latencies": asdict(r.latencies),
            }
            for r in results.http
        ],
        "memory_mib": results.memory,
        "detection_s": results.detection,
        "ingest": [asdict(f) for f in results.ingest],
        "ingest_baseline": [asdict(f) for f in results.ingest_baseline],
        "redis_stopped": asdict(results.redis_stopped) if results.redis_stopped else None,
        "growth": [
            {
                "documents": g.documents,
                "ingest": asdict(g.ingest),
                "latencies": asdict(g.load.latencies),
                "answers": g.load.answers,
                "errors": dict(g.load.errors),
                "memory_mib": g.memory,
            }
            for g in results.growth
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
