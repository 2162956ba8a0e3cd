"""Evaluation cases: one JSON object a line, read into frozen ``Case`` values.

A line looks like::

    {"id": "fee-003", "category": "fees", "question": "...",
     "history": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}],
     "expect": {"facts": [["4400", "4 400"], ["2200"]], "refuse": false,
                "sources": ["kul-biomedical-engineering-postgraduate"], "forbid": ["10 euro"],
                "clarify_ok": false, "gaps": 1}}

``gaps``: how many questions of a message the documents do not answer; the reply must mark at
least one as unanswered. A case of category ``greeting`` (or with ``"small_talk": true``) is a
greeting or a thank-you: it passes with a reply in kind that neither declines nor quotes.

``programme`` (a document id) is the programme context the message is asked in, as a programme
page's widget sends it. ``programme``, ``history`` and every ``expect`` key are optional. Category ``email`` means the question is a
whole email, answered through ``Assistant.draft_reply``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.conversation.assistant import Turn

logger = logging.getLogger(__name__)

EMAIL_CATEGORY = "email"
DEFAULT_CATEGORY = "uncategorised"

_CASE_KEYS = {"id", "category", "question", "programme", "history", "expect"}
_EXPECT_KEYS = {"facts", "refuse", "sources", "forbid", "clarify_ok", "gaps", "small_talk"}
SMALL_TALK_CATEGORY = "greeting"


class CaseFormatError(ValueError):
    """A cases file line that does not follow the format; the message names file and line."""


@dataclass(frozen=True)
class Expect:
    """What a passing answer looks like. Every field is optional in the file."""

    facts: tuple[tuple[str, ...], ...] = ()  # each group: one alternative must appear
    refuse: bool = False  # the assistant must decline
    sources: tuple[str, ...] = ()  # one of these document ids must be cited
    forbid: tuple[str, ...] = ()  # none of these may appear
    clarify_ok: bool = False  # a clarifying question naming two candidates also passes
    gaps: int = 0  # questions of the message the documents do not answer: each must be marked
    small_talk: bool = (
        False  # a greeting or a thank-you: answered in kind, neither quoted nor declined
    )


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    category: str = DEFAULT_CATEGORY
    history: tuple[Turn, ...] = ()
    expect: Expect = field(default_factory=Expect)
    programme: str | None = None  # the programme context it is asked in (a widget's), a doc id

    @property
    def document(self) -> str:
        """The document the case is about, for accuracy per document."""
        return self.programme or next(iter(self.expect.sources), "(none)")

    @property
    def is_email(self) -> bool:
        return self.category == EMAIL_CATEGORY


def load_cases(path: str | Path) -> list[Case]:
    """Read a cases file (JSON Lines; blank lines and lines starting with ``#`` are skipped)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CaseFormatError(f"{path}: cannot read the cases file: {exc}") from exc
    return parse_cases(lines, origin=str(path))


def parse_cases(lines: Iterable[str], origin: str = "<cases>") -> list[Case]:
    """Parse JSON Lines into cases; every problem names the line it is on."""
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{origin}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CaseFormatError(f"{where}: not valid JSON: {exc.msg}") from exc
        case = case_from_dict(raw, where)
        if case.id in seen:
            raise CaseFormatError(f"{where}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    return cases


def case_from_dict(raw: Any, where: str = "<case>") -> Case:
    """Validate one decoded case object. Unknown keys are logged and ignored."""
    if not isinstance(raw, dict):
        raise CaseFormatError(f"{where}: a case must be a JSON object")
    _warn_unknown(raw, _CASE_KEYS, where)
    case_id = _required_text(raw, "id", where)
    question = _required_text(raw, "question", where)
    category = raw.get("category", DEFAULT_CATEGORY)
    if not isinstance(category, str) or not category.strip():
        raise CaseFormatError(f"{where}: 'category' must be a non-empty string")
    programme = raw.get("programme")
    if programme is not None and (not isinstance(programme, str) or not programme.strip()):
        raise CaseFormatError(f"{where}: 'programme' must be a document id or null")
    return Case(
        id=case_id,
        question=question,
        programme=programme,
        category=category.strip(),
        history=_history(raw.get("history", []), where),
        expect=_expect(raw.get("expect", {}), where, small_talk=category == SMALL_TALK_CATEGORY),
    )


def _required_text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CaseFormatError(f"{where}: {key!r} must be a non-empty string")
    return value


def _history(value: Any, where: str) -> tuple[Turn, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CaseFormatError(f"{where}: 'history' must be a list of turns")
    turns: list[Turn] = []
    for index, turn in enumerate(value):
        if not isinstance(turn, dict):
            raise CaseFormatError(f"{where}: history[{index}] must be an object")
        role, content = turn.get("role"), turn.get("content")
        if role not in ("user", "assistant"):
            raise CaseFormatError(f"{where}: history[{index}].role must be 'user' or 'assistant'")
        if not isinstance(content, str):
            raise CaseFormatError(f"{where}: history[{index}].content must be a string")
        turns.append(Turn(role=role, content=content))
    return tuple(turns)


def _expect(value: Any, where: str, small_talk: bool = False) -> Expect:
    if value is None:
        return Expect(small_talk=small_talk)
    if not isinstance(value, dict):
        raise CaseFormatError(f"{where}: 'expect' must be an object")
    _warn_unknown(value, _EXPECT_KEYS, f"{where} expect")
    return Expect(
        facts=_fact_groups(value.get("facts", []), where),
        refuse=_flag(value, "refuse", where),
        sources=_strings(value.get("sources", []), "expect.sources", where),
        forbid=_strings(value.get("forbid", []), "expect.forbid", where),
        clarify_ok=_flag(value, "clarify_ok", where),
        gaps=_count(value, "gaps", where),
        small_talk=small_talk or _flag(value, "small_talk", where),
    )


def _count(value: dict[str, Any], key: str, where: str) -> int:
    number = value.get(key, 0)
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise CaseFormatError(f"{where}: 'expect.{key}' must be a whole number >= 0")
    return number


def _fact_groups(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    """A list of groups; a bare string is read as a group with one alternative."""
    if not isinstance(value, list):
        raise CaseFormatError(f"{where}: 'expect.facts' must be a list of lists of strings")
    groups: list[tuple[str, ...]] = []
    for index, group in enumerate(value):
        alternatives = _strings(
            [group] if isinstance(group, str) else group, f"expect.facts[{index}]", where
        )
        if not alternatives:
            raise CaseFormatError(f"{where}: expect.facts[{index}] has no alternatives")
        groups.append(alternatives)
    return tuple(groups)


def _strings(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CaseFormatError(f"{where}: {name!r} must be a list of strings")
    if any(not item.strip() for item in value):
        raise CaseFormatError(f"{where}: {name!r} contains an empty string")
    return tuple(value)


def _flag(value: dict[str, Any], key: str, where: str) -> bool:
    flag = value.get(key, False)
    if not isinstance(flag, bool):
        raise CaseFormatError(f"{where}: 'expect.{key}' must be true or false")
    return flag


def _warn_unknown(raw: dict[str, Any], known: set[str], where: str) -> None:
    unknown: Sequence[str] = sorted(set(raw) - known)
    if unknown:
        logger.warning("%s: ignoring unknown keys %s", where, ", ".join(unknown))
