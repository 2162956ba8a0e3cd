"""One database for what the assistant keeps (votes, staff accounts and sessions, the office's saved answers): SQLAlchemy over a
SQLite file by default, nothing to set up, or PostgreSQL (``ASSISTANT_DATABASE_URL``) so that
several hosts share it. Its tables are ``schema``; their changes are Alembic migrations
(``migrations/``), applied when a process first uses the database (``engine``)."""

from __future__ import annotations

from assistant.database.engine import database_url, engine_for, sqlite_file
from assistant.database.schema import METADATA, feedback, staff_account, staff_session

__all__ = [
    "METADATA",
    "database_url",
    "engine_for",
    "feedback",
    "sqlite_file",
    "staff_account",
    "staff_session",
]
