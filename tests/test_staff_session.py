"""Staff sessions: kept on the server in the feedback database, ended by signing out; the cookie
Secure behind HTTPS; a staff token too short to be safe refused at start-up."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import STAFF_TOKEN, ScriptedAssistant, cli_command, cli_env, serve_cli, serve_in_thread

from assistant.config import MIN_STAFF_TOKEN_CHARS, Settings
from assistant.errors import ConfigurationError
from assistant.web.api import create_app
from assistant.web.api.security import STAFF_COOKIE, StaffSessions
from assistant.web.feedback import FeedbackStore

EXPORT = "/api/feedback/export"


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_path": tmp_path / "feedback.sqlite3",
        "staff_token": STAFF_TOKEN,
        "rate_limit_per_minute": 0,
    }
    values.update(overrides)
    return Settings.model_validate(values)  # defaults and these values; no environment


@pytest.fixture
def staff_server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = settings_for(tmp_path)
    with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
        yield base, settings


def sign_in(base: str, token: str = STAFF_TOKEN, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base}/staff/login",
        data={"token": token, "next": "/staff/"},
        headers=headers,
        follow_redirects=False,
    )


def session_cookie(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.cookies[STAFF_COOKIE]


def export_with(base: str, cookie: str) -> httpx.Response:
    return httpx.get(f"{base}{EXPORT}", cookies={STAFF_COOKIE: cookie})


# --------------------------------------------------------------------------- signing out


def test_a_cookie_replayed_after_signing_out_is_refused(
    staff_server: tuple[str, Settings],
) -> None:
    base, _ = staff_server
    cookie = session_cookie(sign_in(base))
    assert export_with(base, cookie).status_code == 200

    logout = httpx.post(
        f"{base}/staff/logout", cookies={STAFF_COOKIE: cookie}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert f'{STAFF_COOKIE}=""' in logout.headers["set-cookie"]  # the browser forgets it

    replayed = export_with(base, cookie)  # a copy of the cookie kept from before
    assert replayed.status_code == 401
    assert replayed.json()["error"]["type"] == "unauthorized"
    gate = httpx.get(f"{base}/staff/config", cookies={STAFF_COOKIE: cookie})
    assert gate.status_code == 401


def test_signing_out_ends_only_that_session(staff_server: tuple[str, Settings]) -> None:
    base, _ = staff_server
    first, second = session_cookie(sign_in(base)), session_cookie(sign_in(base))

    httpx.post(f"{base}/staff/logout", cookies={STAFF_COOKIE: first}, follow_redirects=False)

    assert (export_with(base, first).status_code, export_with(base, second).status_code) == (
        401,
        200,
    )


def test_the_cookie_carries_a_random_id_and_the_database_only_its_keyed_hash(
    staff_server: tuple[str, Settings],
) -> None:
    base, settings = staff_server
    cookies = {session_cookie(sign_in(base)) for _ in range(3)}

    assert len(cookies) == 3
    assert all(STAFF_TOKEN not in cookie and len(cookie) >= 43 for cookie in cookies)
    with sqlite3.connect(settings.database_path) as connection:
        stored = [row[0] for row in connection.execute("SELECT key FROM staff_session")]
    assert len(stored) == 3 and not cookies & set(stored)


@pytest.mark.parametrize("cookie", ["", "not-a-session", "x" * 43, "1700000000.deadbeef"], ids=repr)
def test_a_made_up_cookie_is_refused(staff_server: tuple[str, Settings], cookie: str) -> None:
    base, _ = staff_server

    assert export_with(base, cookie).status_code == 401


def test_a_new_staff_token_ends_every_session(tmp_path: Path) -> None:
    with serve_in_thread(create_app(settings_for(tmp_path), ScriptedAssistant(), ui=False)) as a:
        cookie = session_cookie(sign_in(a))
    renewed = settings_for(tmp_path, staff_token="a-brand-new-staff-token")
    with serve_in_thread(create_app(renewed, ScriptedAssistant(), ui=False)) as b:
        assert export_with(b, cookie).status_code == 401


def test_a_session_ends_when_it_expires_and_expired_ones_are_deleted(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    sessions = StaffSessions(store, STAFF_TOKEN, lifetime_s=60, clock=lambda: now[0])
    old = sessions.open()

    now[0] += 59
    assert sessions.is_open(old)
    now[0] += 1
    assert not sessions.is_open(old)

    fresh = sessions.open()
    with store.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM staff_session").one() == (1,)
    assert sessions.is_open(fresh)


# --------------------------------------------------------------------------- Secure behind HTTPS


@pytest.fixture(scope="module")
def served_without_trusted_proxies(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """``assistant serve`` as an operator starts it behind a TLS proxy it was not told about:
    uvicorn trusts no proxy, so the request's own scheme stays http."""
    folder = tmp_path_factory.mktemp("serve")
    env = {
        "ASSISTANT_STAFF_TOKEN": STAFF_TOKEN,
        "ASSISTANT_DATABASE_PATH": str(folder / "feedback.sqlite3"),
        "ASSISTANT_STORE_DIR": str(folder / "no-index"),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
    }
    with serve_cli(env, folder / "server.log") as base:
        yield base


@pytest.mark.slow
@pytest.mark.parametrize(
    "headers",
    [{"X-Forwarded-Proto": "https"}, {"Forwarded": "for=203.0.113.7;proto=https"}],
    ids=["X-Forwarded-Proto", "Forwarded"],
)
def test_the_cookie_is_secure_when_the_browser_came_over_https(
    served_without_trusted_proxies: str, headers: dict[str, str]
) -> None:
    base = served_without_trusted_proxies
    signed_in = sign_in(base, **headers)

    attributes = _attributes(signed_in.headers["set-cookie"])
    assert {"secure", "httponly", "samesite=strict"} <= attributes
    logout = httpx.post(
        f"{base}/staff/logout",
        cookies={STAFF_COOKIE: session_cookie(signed_in)},
        headers=headers,
        follow_redirects=False,
    )
    assert "secure" in _attributes(logout.headers["set-cookie"])


@pytest.mark.slow
def test_the_cookie_is_not_secure_over_plain_http(served_without_trusted_proxies: str) -> None:
    signed_in = sign_in(served_without_trusted_proxies)

    assert "secure" not in _attributes(signed_in.headers["set-cookie"])
    assert "httponly" in _attributes(signed_in.headers["set-cookie"])


def test_a_public_base_url_on_https_makes_the_cookie_secure(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, public_base_url="https://uni.example/assistant")
    with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
        signed_in = sign_in(base)

    assert "secure" in _attributes(signed_in.headers["set-cookie"])


def _attributes(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


# --------------------------------------------------------------------------- the token's length


@pytest.mark.parametrize("token", ["Q", "short-token", "y" * (MIN_STAFF_TOKEN_CHARS - 1)])
def test_assistant_serve_refuses_a_short_staff_token_naming_the_variable(
    tmp_path: Path, token: str
) -> None:
    env = {
        "ASSISTANT_STAFF_TOKEN": token,
        "ASSISTANT_DATABASE_PATH": str(tmp_path / "feedback.sqlite3"),
        "ASSISTANT_STORE_DIR": str(tmp_path / "no-index"),
    }
    command = cli_command("serve", "--host", "127.0.0.1", "--port", "9")
    finished = subprocess.run(
        command, env=cli_env(env), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode != 0
    assert "ASSISTANT_STAFF_TOKEN" in finished.stderr
    assert f"at least {MIN_STAFF_TOKEN_CHARS}" in finished.stderr
    assert token not in finished.stderr


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("z" * MIN_STAFF_TOKEN_CHARS, "z" * MIN_STAFF_TOKEN_CHARS),
        (f"  {STAFF_TOKEN}\n", STAFF_TOKEN),
        ("", None),
        ("   ", None),
    ],
    ids=["16 characters", "padded", "empty", "blank"],
)
def test_a_long_enough_token_is_kept_and_a_blank_one_turns_staff_routes_off(
    monkeypatch: pytest.MonkeyPatch, given: str, kept: str | None
) -> None:
    from assistant.config import load_settings

    monkeypatch.setenv("ASSISTANT_STAFF_TOKEN", given)
    monkeypatch.chdir(Path(__file__).parent)  # no .env here

    assert load_settings().staff_token == kept


def test_a_short_token_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import load_settings

    monkeypatch.setenv("ASSISTANT_STAFF_TOKEN", "abc")
    monkeypatch.chdir(Path(__file__).parent)

    with pytest.raises(ConfigurationError, match="ASSISTANT_STAFF_TOKEN: is 3 characters long"):
        load_settings()
