"""Staff accounts: each member of the admissions office signs in with a name and a password,
and what they change is kept under that name. A password is stored only as its Argon2id hash
(salted, with its parameters); ``assistant staff add NAME`` creates an account."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import Engine

from assistant.database.engine import engine_for
from assistant.database.schema import staff_account, staff_session
from assistant.errors import InputError, StaffAccountNotFoundError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
MAX_NAME_CHARS = 64
# Letters of any script, digits, spaces and the marks names carry ("Anne-Marie O'Neill", "J. Peeters").
_NAME = re.compile(r"^[^\W_](?:[\w .'’-]*[^\W_.])?$")


@lru_cache(maxsize=1)
def _unknown_hash() -> str:
    """What an unknown name's password is checked against, so that a sign-in with an unknown
    name takes as long as one with a known name (timing does not tell which names exist)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(secrets.token_urlsafe(16))


def folded_name(name: str) -> str:
    """A name as typed, as it is stored and looked up: NFC, spaces folded."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def checked_name(name: str) -> str:
    """The name as stored; InputError naming what is wrong."""
    name = folded_name(name)
    if not name:
        raise InputError("a staff account needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"a staff name has at most {MAX_NAME_CHARS} characters")
    if not _NAME.match(name):
        raise InputError(
            "a staff name is letters, digits, spaces and . ' - (such as 'Anne-Marie Peeters')"
        )
    if name.lower() == "staff (shared token)":
        raise InputError("that name is the shared staff token's")
    return name


def checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"a staff password has at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"a staff password has at most {MAX_PASSWORD_CHARS} characters")
    return password


class StaffAccounts:
    """The staff accounts in the database at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    def add(self, name: str, password: str) -> str:
        """Create the account; InputError if the name is taken or name or password unfit.
        Returns the name as stored."""
        from argon2 import PasswordHasher

        name, password = checked_name(name), checked_password(password)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.insert(staff_account),
                    {
                        "name": name,
                        "password_hash": PasswordHasher().hash(password),
                        "created_at": now,
                    },
                )
        except sa.exc.IntegrityError:
            raise InputError(f"there is already a staff account named {name!r}") from None
        return name

    def set_password(self, name: str, password: str) -> None:
        """A new password for the account; its open sessions are ended."""
        from argon2 import PasswordHasher

        name, password = self._existing(name), checked_password(password)
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(staff_account)
                .where(staff_account.c.name == name)
                .values(password_hash=PasswordHasher().hash(password))
            )
            connection.execute(sa.delete(staff_session).where(staff_session.c.account == name))

    def verify(self, name: str, password: str) -> str | None:
        """The account's name if the password is its own, else None (as slow either way)."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        name = folded_name(name)
        with self.engine.connect() as connection:
            stored = connection.execute(
                sa.select(staff_account.c.password_hash).where(staff_account.c.name == name)
            ).scalar()
        hasher = PasswordHasher()
        try:
            hasher.verify(stored or _unknown_hash(), password[:MAX_PASSWORD_CHARS])
        except (VerificationError, InvalidHashError):
            return None
        if stored is None:
            return None
        if hasher.check_needs_rehash(stored):
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(staff_account)
                    .where(staff_account.c.name == name)
                    .values(password_hash=hasher.hash(password))
                )
        return name

    def names(self) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(staff_account.c.name).order_by(staff_account.c.name)
            )
            return [row[0] for row in rows]

    def remove(self, name: str) -> None:
        """Delete the account and end its sessions on every host."""
        name = self._existing(name)
        with self.engine.begin() as connection:
            connection.execute(sa.delete(staff_session).where(staff_session.c.account == name))
            connection.execute(sa.delete(staff_account).where(staff_account.c.name == name))

    def _existing(self, name: str) -> str:
        name = folded_name(name)
        if name not in self.names():
            raise StaffAccountNotFoundError(f"there is no staff account named {name!r}")
        return name
