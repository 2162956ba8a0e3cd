"""What the bench runs in fresh processes: ``python -m bench.child cold|ingest|ingest-baseline``.

Each prints one JSON object on its last stdout line. Settings come from ``ASSISTANT_*`` variables
set by the parent. Ingest timings start once the embedding model is loaded, so they measure the
indexing itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

STARTED = time.perf_counter()


def cold_start(question: str) -> dict[str, Any]:
    """Import, load the model and the index, answer one question: the phases of a first answer."""
    from assistant.config import apply_offline_environment, get_settings
    from assistant.conversation.assistant import build_assistant

    apply_offline_environment()
    imported = time.perf_counter()
    assistant = build_assistant(get_settings())
    built = time.perf_counter()
    answer = assistant.ask(question)
    answered = time.perf_counter()
    return {
        "import_s": imported - STARTED,
        "model_s": built - imported,
        "first_answer_s": answered - built,
        "in_process_s": answered - STARTED,
        "answered": answer.answered,
    }


def ingest_ours() -> dict[str, Any]:
    from assistant.config import get_settings
    from assistant.documents.embeddings import get_embeddings
    from assistant.documents.indexing import index_corpus

    settings = get_settings()
    get_embeddings(settings).embed_query("load the model first")
    started = time.perf_counter()
    report = index_corpus(settings)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "documents": report.documents,
        "chunks": report.chunks,
        "skipped": len(report.skipped),
    }


def ingest_baseline() -> dict[str, Any]:
    from assistant.config import get_settings
    from assistant.documents.embeddings import get_embeddings
    from eval.baseline import build_baseline

    settings = get_settings()
    get_embeddings(settings).embed_query("load the model first")
    started = time.perf_counter()
    build_baseline(settings)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "chunks": baseline_chunk_count(settings.corpus_dir)}


def baseline_chunk_count(corpus_dir: Any) -> int:
    """How many chunks the baseline's splitter makes of the corpus (what it embeds)."""
    from pathlib import Path

    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from eval.baseline import CHUNK_OVERLAP, CHUNK_SIZE

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    paths = sorted(Path(corpus_dir).glob("*.md"))
    return sum(len(splitter.split_text(p.read_text(encoding="utf-8"))) for p in paths)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("cold").add_argument("question")
    commands.add_parser("ingest")
    commands.add_parser("ingest-baseline")
    args = parser.parse_args(argv)
    if args.command == "cold":
        result = cold_start(args.question)
    elif args.command == "ingest":
        result = ingest_ours()
    else:
        result = ingest_baseline()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
