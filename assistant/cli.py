"""Command-line entry points: ingest, ask, draft-reply, serve."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.errors import AssistantError


def _progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="text", file=sys.stderr, disable=None)
    for batch in items:
        yield batch
        bar.update(len(batch))
    bar.close()


def run_ingest(settings: Settings) -> int:
    from assistant.store import index_corpus

    report = index_corpus(settings, progress=_progress)
    for error in report.skipped:
        print(f"skipped {error.path}: {error.reason}", file=sys.stderr)
    if not report.changed:
        print(
            f"Index is up to date: {report.documents} documents, {report.chunks} chunks; "
            f"nothing added or deleted ({report.seconds:.1f} s)."
        )
        return 0
    parts = [
        f"{label} {len(ids)} ({', '.join(ids)})"
        for label, ids in (
            ("added", report.added),
            ("replaced", report.replaced),
            ("removed", report.removed),
        )
        if ids
    ]
    print(
        f"Indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s: "
        + "; ".join(parts)
        + f". Store: {settings.store_dir if settings.chroma_mode == 'embedded' else settings.chroma_host}"
    )
    return 0


def run_ask(question: str) -> int:
    from assistant.chat import get_assistant

    answer = get_assistant().ask(question)
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for number, citation in enumerate(answer.citations, 1):
            print(f"  [{number}] {citation.title} ({citation.source}): “{citation.quote}”")
    return 0


def run_draft_reply(path: str) -> int:
    from assistant.chat import get_assistant

    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    draft = get_assistant().draft_reply(text)
    print(draft.text)
    if draft.unanswered:
        print("\nFor staff to complete:", file=sys.stderr)
        for question in draft.unanswered:
            print(f"  - {question}", file=sys.stderr)
    return 0


def run_serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from assistant.chat import get_assistant, warm_up
    from assistant.errors import IndexNotReadyError

    try:
        warm_up(get_assistant())  # load the model and index before the first visitor does
    except IndexNotReadyError as error:
        print(f"warning: {error}; /api/health answers 503 until then", file=sys.stderr)

    # X-Forwarded-For names the client only when a listed proxy sends it (uvicorn's own default
    # trusts 127.0.0.1, so anyone on the host could pick the address the rate limit counts).
    proxies = settings.forwarded_allow_ips
    if workers > 1:
        uvicorn.run(
            "assistant.api:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            forwarded_allow_ips=proxies,
        )
    else:
        from assistant.api import create_app

        uvicorn.run(create_app(settings), host=host, port=port, forwarded_allow_ips=proxies)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ingest", help="build or update the index from the corpus folder")
    ask = commands.add_parser("ask", help="answer one question and list its sources")
    ask.add_argument("question")
    draft = commands.add_parser(
        "draft-reply", help="draft a reply to an applicant's email (FILE or -)"
    )
    draft.add_argument("file")
    serve = commands.add_parser("serve", help="serve the API, the UI (/ui) and the widget")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    apply_offline_environment()
    try:
        settings = get_settings()
        if args.command == "ingest":
            return run_ingest(settings)
        if args.command == "ask":
            return run_ask(args.question)
        if args.command == "draft-reply":
            return run_draft_reply(args.file)
        return run_serve(settings, args.host, args.port, args.workers)
    except (AssistantError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
