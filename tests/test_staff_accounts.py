"""Staff accounts: each member of the admissions office signs in with a name and a password
(created with `assistant staff add NAME`, stored only as an Argon2id hash); what they change is
kept under their name; signing out, a new password or a removed account ends the session on
every host; the shared token still works, for scripts, and names itself as the author."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import STAFF_TOKEN, ScriptedAssistant, cli_command, cli_env, serve_in_thread

from assistant.config import Settings
from assistant.database.staff_accounts import StaffAccounts
from assistant.errors import InputError, StaffAccountNotFoundError
from assistant.web.api import create_app
from assistant.web.api.security import STAFF_COOKIE

NAME, PASSWORD = "Anne-Marie Peeters", "a long enough pass phrase"
EXPORT = "/api/feedback/export"


def settings_for(database: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_path": database, "rate_limit_per_minute": 0}
    values.update(overrides)
    return Settings.model_validate(values)


def staff_cli(
    database: Path, *args: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``assistant staff ...`` as an operator runs it, the password on standard input."""
    return subprocess.run(
        cli_command("staff", *args),
        input=None if password is None else f"{password}\n",
        env=cli_env({"ASSISTANT_DATABASE_PATH": str(database)}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def sign_in(base: str, name: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{base}/staff/login",
        data={"name": name, "password": password, "next": "/staff/"},
        follow_redirects=False,
    )


def cookie_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.cookies[STAFF_COOKIE]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "assistant.sqlite3"
    added = staff_cli(path, "add", NAME, password=PASSWORD)
    assert added.returncode == 0, added.stderr
    return path


@pytest.fixture
def two_hosts(database: Path) -> Iterator[tuple[str, str]]:
    """Two API servers on one database, as two hosts behind a load balancer; no staff token."""
    settings = settings_for(database)
    with (
        serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as a,
        serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as b,
    ):
        yield a, b


# --------------------------------------------------------------------------- the command


def test_staff_add_stores_only_an_argon2id_hash_of_the_password(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name, password_hash FROM staff_account").fetchall()

    assert [name for name, _ in rows] == [NAME]
    stored = rows[0][1]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert staff_cli(database, "list").stdout.splitlines() == [NAME]


@pytest.mark.parametrize(
    ("name", "password", "error"),
    [
        (NAME, PASSWORD, "already a staff account"),
        ("Bob", "too short", "at least 12 characters"),
        ("<script>", PASSWORD, "letters, digits, spaces"),
        ("staff (shared token)", PASSWORD, "letters, digits, spaces"),
    ],
    ids=["taken", "short password", "markup", "the token's name"],
)
def test_staff_add_refuses_an_unfit_account_and_says_why(
    database: Path, name: str, password: str, error: str
) -> None:
    refused = staff_cli(database, "add", name, password=password)

    assert refused.returncode == 1
    assert error in refused.stderr
    assert staff_cli(database, "list").stdout.splitlines() == [NAME]


def test_a_name_is_signed_in_with_however_its_spaces_were_typed(database: Path) -> None:
    accounts = StaffAccounts(f"sqlite:///{database}")

    assert accounts.verify("  Anne-Marie   Peeters ", PASSWORD) == NAME
    assert accounts.verify(NAME, PASSWORD + "x") is None
    assert accounts.verify("Nobody", PASSWORD) is None


def test_removing_an_unknown_account_names_it(database: Path) -> None:
    with pytest.raises(StaffAccountNotFoundError, match="Nobody"):
        StaffAccounts(f"sqlite:///{database}").remove("Nobody")
    with pytest.raises(InputError):
        StaffAccounts(f"sqlite:///{database}").add("", PASSWORD)


# --------------------------------------------------------------------------- signing in


def test_an_account_alone_turns_the_staff_view_on(two_hosts: tuple[str, str]) -> None:
    a, _ = two_hosts
    assert httpx.get(f"{a}/staff/login").status_code == 200
    assert httpx.get(f"{a}{EXPORT}").status_code == 401  # on, but not signed in

    assert (
        httpx.get(
            f"{a}{EXPORT}", cookies={STAFF_COOKIE: cookie_of(sign_in(a, NAME, PASSWORD))}
        ).status_code
        == 200
    )


def test_a_server_with_no_account_and_no_token_keeps_staff_routes_off(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path / "empty.sqlite3"), ScriptedAssistant(), ui=False)
    with serve_in_thread(app) as base:
        assert httpx.get(f"{base}/staff/login").status_code == 403
        assert httpx.get(f"{base}{EXPORT}").status_code == 403
        assert sign_in(base, "", "anything at all").status_code == 403


@pytest.mark.parametrize(
    ("name", "password"), [(NAME, "not the password"), ("Nobody", PASSWORD), ("", PASSWORD)]
)
def test_a_wrong_name_or_password_opens_no_session(
    two_hosts: tuple[str, str], name: str, password: str
) -> None:
    a, _ = two_hosts
    refused = sign_in(a, name, password)

    assert refused.status_code == 401
    assert STAFF_COOKIE not in refused.cookies
    assert "Try again" in refused.text


def test_failed_sign_ins_are_limited_per_name_and_address_even_for_the_right_password(
    database: Path,
) -> None:
    settings = settings_for(database, staff_sign_in_failures=3)
    with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
        for guess in ("guess one", "guess two"):
            assert sign_in(base, NAME, guess).status_code == 401
        cookie_of(sign_in(base, NAME, PASSWORD))  # under the limit: the right password works
        assert sign_in(base, NAME, "guess three").status_code == 401

        waiting = sign_in(base, NAME, PASSWORD)

        assert waiting.status_code == 429 and STAFF_COOKIE not in waiting.cookies
        assert int(waiting.headers["Retry-After"]) > 60
        assert "Too many failed sign-ins" in waiting.text
        assert sign_in(base, "Somebody Else", PASSWORD).status_code == 429  # same address


def test_what_a_member_saves_is_kept_under_their_name(two_hosts: tuple[str, str]) -> None:
    a, b = two_hosts
    cookies = {STAFF_COOKIE: cookie_of(sign_in(a, NAME, PASSWORD))}
    saved = httpx.post(
        f"{b}/api/staff-answers",
        json={"question": "Can I pay in instalments?", "answer": "Yes, in two parts."},
        cookies=cookies,
    )
    assert saved.status_code == 201, saved.text
    answer_id = saved.json()["id"]
    httpx.put(
        f"{a}/api/staff-answers/{answer_id}",
        json={"question": "Can I pay in instalments?", "answer": "Yes, in two or three parts."},
        cookies=cookies,
    )

    history = httpx.get(f"{b}/api/staff-answers/{answer_id}", cookies=cookies).json()["history"]
    assert saved.json()["created_by"] == NAME
    assert [(change["action"], change["author"]) for change in history] == [
        ("created", NAME),
        ("edited", NAME),
    ]


def test_the_shared_token_still_works_and_names_itself(database: Path) -> None:
    settings = settings_for(database, staff_token=STAFF_TOKEN)
    with serve_in_thread(create_app(settings, ScriptedAssistant(), ui=False)) as base:
        saved = httpx.post(
            f"{base}/api/staff-answers",
            json={"question": "Is there housing?", "answer": "See the housing office."},
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
        )
        by_token_session = cookie_of(sign_in(base, "", STAFF_TOKEN))

        assert saved.json()["created_by"] == "staff (shared token)"
        assert (
            httpx.get(f"{base}{EXPORT}", cookies={STAFF_COOKIE: by_token_session}).status_code
            == 200
        )


# --------------------------------------------------------------------------- ending sessions


def test_signing_out_on_one_host_ends_the_session_on_every_host(two_hosts: tuple[str, str]) -> None:
    a, b = two_hosts
    cookie = cookie_of(sign_in(a, NAME, PASSWORD))
    assert httpx.get(f"{b}{EXPORT}", cookies={STAFF_COOKIE: cookie}).status_code == 200

    httpx.post(f"{b}/staff/logout", cookies={STAFF_COOKIE: cookie}, follow_redirects=False)

    assert httpx.get(f"{a}{EXPORT}", cookies={STAFF_COOKIE: cookie}).status_code == 401


@pytest.mark.parametrize("action", ["password", "remove"])
def test_a_new_password_or_a_removed_account_ends_its_sessions(
    two_hosts: tuple[str, str], database: Path, action: str
) -> None:
    a, b = two_hosts
    cookie = cookie_of(sign_in(a, NAME, PASSWORD))

    changed = staff_cli(database, action, NAME, password="another long pass phrase")

    assert changed.returncode == 0, changed.stderr
    assert httpx.get(f"{b}{EXPORT}", cookies={STAFF_COOKIE: cookie}).status_code in (401, 403)
    assert sign_in(a, NAME, PASSWORD).status_code in (401, 403)
