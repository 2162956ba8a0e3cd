"""Settings: read from the real environment as operators write the variables, with errors that
name the variable; every command starts with the documented values."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from server import cli_command, cli_env, serve_cli

from assistant.config import Settings, load_settings
from assistant.errors import ConfigurationError
from tests.conftest import FIGURE_QUESTIONS

ORIGINS = ["https://uni.example", "https://www.uni.example"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://uni.example", ["https://uni.example"]),
        ("https://uni.example,https://www.uni.example", ORIGINS),
        (" https://uni.example , https://www.uni.example ,", ORIGINS),
        ('["https://uni.example", "https://www.uni.example"]', ORIGINS),
        ("", []),
    ],
    ids=["one", "comma-separated", "spaces and a trailing comma", "JSON list", "empty"],
)
def test_a_list_setting_is_read_comma_separated_or_as_json(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_CORS_ORIGINS", value)

    assert load_settings().cors_origins == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ASSISTANT_CORS_ORIGINS", '["https://uni.example"'),
        ("ASSISTANT_CORS_ORIGINS", "[1, 2]"),
        ("ASSISTANT_MAX_BODY_BYTES", "lots"),
    ],
)
def test_a_value_that_cannot_be_read_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError, match=variable):
        load_settings()


def test_a_command_with_an_unreadable_setting_exits_1_naming_the_variable(tmp_path: Path) -> None:
    env = cli_env(
        {"ASSISTANT_CORS_ORIGINS": '["https://uni.example"', "ASSISTANT_STORE_DIR": str(tmp_path)}
    )

    result = subprocess.run(
        cli_command("ingest"), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    assert "ASSISTANT_CORS_ORIGINS" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_serve_allows_the_origins_listed_comma_separated_in_the_environment(
    tmp_path: Path,
) -> None:
    env = {
        "ASSISTANT_CORS_ORIGINS": ",".join(ORIGINS),
        "ASSISTANT_STORE_DIR": str(tmp_path / "store"),
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
    }
    with serve_cli(env, tmp_path / "server.log") as base:
        allowed = [
            httpx.options(
                f"{base}/api/chat",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            for origin in [*ORIGINS, "https://elsewhere.example"]
        ]

    assert [r.headers.get("access-control-allow-origin") for r in allowed] == [*ORIGINS, None]


@pytest.mark.slow
def test_ingest_and_ask_start_with_the_documented_cors_setting(
    index_settings: Settings, tmp_path: Path
) -> None:
    env = cli_env(
        {
            "ASSISTANT_CORS_ORIGINS": "https://uni.example",
            "ASSISTANT_STORE_DIR": str(index_settings.store_dir),
            "ASSISTANT_CORPUS_DIR": str(index_settings.corpus_dir),
            "ASSISTANT_TODAY": "2026-11-22",
        }
    )
    question, figure, source = FIGURE_QUESTIONS[0]

    ingest = subprocess.run(
        cli_command("ingest"), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    ask = subprocess.run(
        cli_command("ask", question),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert ingest.returncode == 0, ingest.stderr[-2000:]
    assert "Index is up to date" in ingest.stdout
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert figure in ask.stdout and source in ask.stdout
