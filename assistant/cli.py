"""Command-line entry points: ingest, ask, draft-reply, serve, and staff accounts (staff add,
list, password, remove)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from assistant.config import Settings, apply_offline_environment, get_settings
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)


def _progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="text", file=sys.stderr, disable=None)
    for batch in items:
        yield batch
        bar.update(len(batch))
    bar.close()


def run_ingest(settings: Settings) -> int:
    from assistant.documents.indexing import index_corpus

    report = index_corpus(settings, progress=_progress)
    for error in report.skipped:
        print(f"skipped {error.path}: {error.reason}", file=sys.stderr)
    for doc_id, taken in report.taken.items():
        print(f"  {doc_id}: {taken}")
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
    from assistant.conversation.assistant import get_assistant

    answer = get_assistant().ask(question)
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for number, citation in enumerate(answer.citations, 1):
            print(f"  [{number}] {citation.title} ({citation.source}): “{citation.quote}”")
    return 0


def run_draft_reply(path: str) -> int:
    from assistant.conversation.assistant import get_assistant

    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    draft = get_assistant().draft_reply(text)
    print(draft.text)
    if draft.unanswered:
        print("\nFor staff to complete:", file=sys.stderr)
        for question in draft.unanswered:
            print(f"  - {question}", file=sys.stderr)
    return 0


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request line and headers are not
    in whole ``header_timeout_s`` after it opened (or, kept alive, after its next request began):
    a client cannot hold connections open by sending its headers slowly or never finishing them.
    The time is the settings' ``header_timeout_s``, read where the server runs, as the app's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = get_settings().header_timeout_s
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_timer()  # a later request on a kept-alive connection

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            logger.info(
                "closing %s: its headers took over %s s", self.client, self.header_timeout_s
            )
            self.transport.close()


def serve_worker() -> FastAPI:
    """The app of one of ``assistant serve --workers N``'s workers, which stops when the process
    that started it dies (even by SIGKILL), so that no orphan keeps serving the port."""
    from assistant.web.api import create_app

    _stop_with_master()
    return create_app()


def _stop_with_master() -> None:
    master = multiprocessing.parent_process()
    if master is None:
        return

    def watch() -> None:
        master.join()  # returns when the master's end of the pipe closes: it has exited
        logger.warning("the server's master process %s has exited; stopping", master.pid)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="master-watch", daemon=True).start()


def run_serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from assistant.conversation.assistant import get_assistant, warm_up
    from assistant.errors import IndexNotReadyError

    try:
        warm_up(get_assistant())  # load the model and index before the first visitor does
    except IndexNotReadyError as error:
        print(f"warning: {error}; /api/health answers 503 until then", file=sys.stderr)
    _import_feedback_file(settings)

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "http": HeaderTimeoutProtocol,
        # X-Forwarded-For names the client only when a listed proxy sends it (uvicorn's own
        # default trusts 127.0.0.1, so anyone on the host could pick the address the rate
        # limit counts).
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    if workers > 1:
        uvicorn.run("assistant.cli:serve_worker", factory=True, workers=workers, **options)
    else:
        from assistant.web.api import create_app

        uvicorn.run(create_app(settings), **options)
    return 0


def _import_feedback_file(settings: Settings) -> None:
    """Votes kept in a feedback file before the database: copied into it once (while it holds
    none), the file left as it is."""
    from assistant.errors import FeedbackStoreError
    from assistant.web.feedback import FeedbackStore

    try:
        copied = FeedbackStore(settings.database).import_file(settings.feedback_db)
    except (FeedbackStoreError, OSError, sqlite3.Error) as error:
        print(
            f"warning: the votes of {settings.feedback_db} were not imported: {error}",
            file=sys.stderr,
        )
        return
    if copied:
        print(f"imported {copied} votes from {settings.feedback_db} into the database")


def _new_password(name: str) -> str:
    """The password for a staff account: typed twice at a terminal (not shown), else the
    first line of standard input (``printf '%s\\n' "$PASSWORD" | assistant staff add NAME``)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    password = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("The same password again: ") != password:
        from assistant.errors import InputError

        raise InputError("the two passwords differ; nothing was changed")
    return password


def run_staff(settings: Settings, action: str, name: str | None) -> int:
    """Staff accounts in the database: add one, list them, set a password, remove one (its
    sessions end on every host)."""
    from assistant.database.staff_accounts import StaffAccounts

    accounts = StaffAccounts(settings.database)
    if action == "list":
        for account in accounts.names():
            print(account)
        return 0
    if name is None:
        print(f"error: 'assistant staff {action}' needs the account's NAME", file=sys.stderr)
        return 2
    if action == "add":
        added = accounts.add(name, _new_password(name))
        print(f"staff account {added!r} created: sign in at /staff/login with it")
    elif action == "password":
        accounts.set_password(name, _new_password(name))
        print(f"password of {name!r} changed; its open sessions were ended")
    else:
        accounts.remove(name)
        print(f"staff account {name!r} removed; its open sessions were ended")
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
    staff = commands.add_parser(
        "staff", help="staff accounts: add NAME, list, password NAME, remove NAME"
    )
    staff.add_argument("action", choices=("add", "list", "password", "remove"))
    staff.add_argument("name", nargs="?", help="the staff member's name, as they sign in")
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
        if args.command == "staff":
            return run_staff(settings, args.action, args.name)
        return run_serve(settings, args.host, args.port, args.workers)
    except (AssistantError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
