"""What to answer next: the questions nothing answered (neither the documents nor a saved answer)
are kept for staff, without IP addresses, with e-mail addresses and phone numbers removed, for a
configured number of days, and listed grouped by meaning, the most asked first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import STAFF_TOKEN, serve_with_its_own_assistant

from assistant.config import Settings
from assistant.conversation.unanswered import grouped_by_meaning
from assistant.database.unanswered import Unanswered, UnansweredLog, scrubbed
from assistant.documents.embeddings import get_embeddings

STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
KUL_BME = "kul-biomedical-engineering-postgraduate"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Write to ana.souza@example.com please", "Write to [e-mail address] please"),
        ("call me on +32 470 12 34 56.", "call me on [phone number]."),
        ("my number is 0470/12.34.56", "my number is [phone number]"),
        ("IELTS 6.5, 4400 euro for 2024-2025", "IELTS 6.5, 4400 euro for 2024-2025"),
        ("I applied on 01/03/2025", "I applied on 01/03/2025"),
    ],
)
def test_e_mail_addresses_and_phone_numbers_are_removed_but_figures_kept(
    text: str, kept: str
) -> None:
    assert scrubbed(text) == kept


class _Clock(dt.datetime):
    now_value = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _Clock:  # type: ignore[override]
        return cls.now_value  # type: ignore[return-value]


def test_questions_are_kept_for_the_retention_period_only(tmp_path: Path) -> None:
    log = UnansweredLog(f"sqlite:///{tmp_path / 'db.sqlite3'}", retention_days=90, clock=_Clock)
    log.record(["Can I pay in instalments?"], KUL_BME)
    _Clock.now_value += dt.timedelta(days=91)
    log.record(["Is there student housing?"], None)

    assert [(q.question, q.programme) for q in log.recent()] == [
        ("Is there student housing?", None)
    ]


def test_questions_are_grouped_by_meaning_most_asked_first(index_settings: Settings) -> None:
    asked = [
        "Can I pay the tuition in instalments?",
        "Is there student housing?",
        "can i split the payment of tuition",
        "do you offer dorms for international students",
        "Can I get a scholarship?",
        "Can I pay the tuition in instalments?",
    ]
    entries = [
        Unanswered(f"2026-12-07T10:{minute:02d}:00", q, None)
        for minute, q in reversed(list(enumerate(asked)))
    ]

    groups = grouped_by_meaning(entries, get_embeddings(index_settings).embed_documents)

    assert [(g.count, set(g.examples)) for g in groups] == [
        (3, {"Can I pay the tuition in instalments?", "can i split the payment of tuition"}),
        (2, {"Is there student housing?", "do you offer dorms for international students"}),
        (1, {"Can I get a scholarship?"}),
    ]
    assert groups[0].last_asked == "2026-12-07T10:05:00"


# --------------------------------------------------------------------------- through the API


@pytest.fixture(scope="module")
def served(index_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_with_its_own_assistant(
        index_settings, tmp_path_factory.mktemp("unanswered")
    ) as base:
        yield base


def chat(base: str, message: str) -> dict[str, object]:
    response = httpx.post(
        f"{base}/api/chat", json={"message": message, "programme": KUL_BME}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_staff_see_what_nothing_answered_and_nothing_else(served: str) -> None:
    assert httpx.get(f"{served}/api/unanswered").status_code == 401

    declined = chat(served, "Can I bring my dog to the lectures? Mail me at a.b@example.org")
    answered = chat(served, "What is the tuition fee for non-EEA students?")
    greeted = chat(served, "Hello!")

    assert not declined["answered"] and answered["answered"]
    listed = httpx.get(f"{served}/api/unanswered", headers=STAFF).json()
    assert listed["retention_days"] == 90
    examples = [e for group in listed["groups"] for e in group["examples"]]
    assert examples == ["Can I bring my dog to the lectures? Mail me at [e-mail address]"]
    assert listed["groups"][0]["programmes"] == [KUL_BME]
    assert greeted["text"]


def test_in_a_message_of_several_questions_only_the_unanswered_one_is_kept(served: str) -> None:
    chat(served, "How much is the tuition fee? And is there a student bar on campus?")

    listed = httpx.get(f"{served}/api/unanswered", headers=STAFF).json()
    examples = [e for group in listed["groups"] for e in group["examples"]]
    assert "is there a student bar on campus?" in examples
    assert not any("tuition" in e for e in examples)
