"""A real PostgreSQL server for the tests: a fresh cluster in a temporary folder, on a free
port, run as the ``postgres`` user when the tests run as root (the server refuses root)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from server import free_port


def postgres_bin(name: str) -> str:
    """A PostgreSQL program: on the PATH, or in Debian's /usr/lib/postgresql/VERSION/bin."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt install postgresql)")
    return found


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A new cluster with one database, ``assistant``; yields its SQLAlchemy URL. The cluster
    lives in a folder of its own under the system's temporary folder (pytest's are private to
    the user running the tests), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="assistant-postgres-") as name:
        yield from _cluster(Path(name))


def _cluster(folder: Path) -> Iterator[str]:
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    log = folder / "postgres.log"
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        _as_server_user([postgres_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        **run,  # type: ignore[call-overload]
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = postgres_bin("pg_ctl")
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
        **run,  # type: ignore[call-overload]
    )
    try:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE assistant")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/assistant"
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
