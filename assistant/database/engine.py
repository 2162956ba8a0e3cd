"""The database's engine for a URL, made once per process and migrated to the latest schema on
first use: SQLite in WAL mode (a reader never blocks a writer), its folder created; or any
server SQLAlchemy speaks to (PostgreSQL through psycopg)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_TIMEOUT_S = 10.0  # how long a write waits for another one before "database is locked"

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL; a path (or a URL-less string) names a SQLite file."""
    text = str(target)
    if isinstance(target, Path) or "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    return text


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for a database server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def engine_for(url: str) -> Engine:
    """This process's engine for ``url``, its schema migrated to the latest revision (again
    when a SQLite file was removed since)."""
    path = sqlite_file(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None or (path is not None and not path.exists()):
            if engine is None:
                engine = _create(url, path)
                _engines[url] = engine
            migrate(engine)
        return engine


def _create(url: str, path: Path | None) -> Engine:
    if path is None:
        return create_engine(url, pool_pre_ping=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the database to the latest revision of ``migrations/`` (nothing to do when it is)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
