"""How a message or an email is read: the questions it asks, the rest of it (who is asking, about
which programme) and the name it is signed with.

How emails open ("Dear …"), ask without a question mark ("I would like to know …", "Ik wil graag
weten …") and close ("Met vriendelijke groet,") is data, ``data/email-words.csv``, in the languages
applicants write in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.tables import read_table

_EMAIL_WORD_COLUMNS = ("part", "language", "phrase")
_LANGUAGES = ("en", "nl", "fr", "de", "es")


def _load_email_words() -> dict[str, list[str]]:
    """The greetings, requests and sign-offs of ``data/email-words.csv``, each phrase in lower case."""
    words: dict[str, list[str]] = {"greeting": [], "request": [], "sign_off": []}
    for row in read_table("email-words.csv", _EMAIL_WORD_COLUMNS):
        part = row.choice("part", tuple(words))
        row.choice("language", _LANGUAGES)
        phrase = " ".join(row.required("phrase").lower().split())
        if phrase in words[part]:
            raise row.error(f"{phrase!r} is listed twice as a {part}")
        words[part].append(phrase)
    return words


def _any_of(phrases: Iterable[str]) -> str:
    """A pattern matching any of the phrases as whole words, the longest first."""
    escaped = (
        r"\s+".join(re.escape(word) for word in phrase.split())
        for phrase in sorted(phrases, key=len, reverse=True)
    )
    return "(?:" + "|".join(escaped) + ")"


_EMAIL_WORDS = _load_email_words()
_GREETING = re.compile(
    rf"^[ \t]*{_any_of(_EMAIL_WORDS['greeting'])}\b[^\n,!]*[,!]?", re.IGNORECASE | re.MULTILINE
)
_SIGN_OFF = re.compile(
    rf"^[ \t]*{_any_of(_EMAIL_WORDS['sign_off'])}\b", re.IGNORECASE | re.MULTILINE
)


def _sign_off(text: str) -> re.Match[str] | None:
    """The sign-off that opens a message's closing ("Kind regards,\nAna"), if it has one: at the
    start of a line, with nothing asked after it. The first line is never the closing, even
    when it starts alike ("Thanks for your reply! I would like to know …")."""
    content = len(text) - len(text.lstrip())
    first_line_end = text.find("\n", content)
    if first_line_end < 0:
        return None
    for match in _SIGN_OFF.finditer(text, first_line_end + 1):
        if "?" not in text[match.start() :]:
            return match
    return None


# A sentence runs to its "?". A dot inside a word or a number ("B.Pharm", "6.5",
# "kuleuven.be"), the dots of initials ("U.S.", "M.Sc.") and the dot of a shortened word ("e.g.",
# "Dr.") do not end the sentence before it.
_NOT_AN_END = (
    r"\.(?:(?=\w)|"
    + "|".join(
        [*(rf"(?<=\b[A-Za-z]\.[A-Za-z]{{{n}}}\.)" for n in range(1, 6))]
        + [
            rf"(?<=\b{re.escape(row['abbreviation'])})"
            for row in read_table("abbreviations.csv", ["abbreviation"])
        ]
    )
    + ")"
)
_IN_SENTENCE = rf"(?:[^.!?\n]|{_NOT_AN_END})"
_QUESTION = re.compile(rf"{_IN_SENTENCE}*\?")
_REQUEST = re.compile(
    rf"{_IN_SENTENCE}*\b{_any_of(_EMAIL_WORDS['request'])}\b{_IN_SENTENCE}*[.!:]?", re.IGNORECASE
)
# A sentence that opens as a question does but lacks its "?" ("also how much is tuition"), in
# chat often the last thing said.
_BARE_QUESTION = re.compile(
    rf"(?:(?<=[.!?])|^)[ \t]*(?:(?:and|also|plus|btw|oh and)[ ,]+)?"
    rf"(?:how|what|when|where|which|who|why|is|are|can|could|do|does|will|would|should)\b"
    rf"{_IN_SENTENCE}*(?=[.!]|$)",
    re.IGNORECASE | re.MULTILINE,
)
_ONE_CLAUSE = re.compile(rf"(?:(?![:;]|\s[-–—]\s){_IN_SENTENCE})*")  # no sentence ends in it
_LIST_ITEM = re.compile(r"^[ \t]*(?:\d+[.)]|[-*•])[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def split_email(text: str, sub_questions: bool = True) -> tuple[list[str], str]:
    """The questions an email asks, and the rest of its body (who is asking, which programme).

    With ``sub_questions``, one sentence asking two things ("What is the fee, and when is the
    deadline?") counts as two questions."""
    closing = _sign_off(text)
    body = text if closing is None else text[: closing.start()]
    body = _GREETING.sub("", body)
    spans: list[tuple[int, int]] = []
    for pattern in (_QUESTION, _REQUEST, _BARE_QUESTION):
        for match in pattern.finditer(body):
            if not any(s <= match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    spans = _apart([span for lead in sorted(spans) for span in _asked_in(body, lead)])
    sentences = [
        _with_referent(" ".join(body[s:e].split()), body[spans[i - 1][1] if i else 0 : s])
        for i, (s, e) in enumerate(spans)
    ]
    questions = [part for q in sentences for part in (_sub_questions(q) if sub_questions else [q])]
    questions = [
        re.sub(r"^(and|also|further(more)?|moreover|finally|lastly),?\s+", "", q, flags=re.I)
        for q in questions
    ]
    questions = [re.sub(r"[,;]?\s+(and|or)$|[,;]$", "", q, flags=re.I) for q in questions]
    if not spans and len(body.split()) >= MIN_WORDS_ASKED_WHOLE:
        # nothing in a question's or a request's form ("I am interested in the fees for
        # non-EU students."): what the email says is what it asks
        return [" ".join(body.split())], ""
    rest = body
    for s, e in reversed(spans):
        rest = rest[:s] + " " + rest[e:]
    return [q for q in questions if len(q.split()) >= 2], " ".join(rest.split())


MIN_WORDS_ASKED_WHOLE = 4


def _apart(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans in order, each overlapping none before it."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def _asked_in(body: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """What a request asks: itself, or, for a lead-in ("Could you please tell me:"), the list
    items that follow it, each one question."""
    start, end = span
    if not body[start:end].rstrip().endswith(":"):
        return [span]
    items = []
    for match in _LIST_ITEM.finditer(body, end):
        if body[end : match.start()].strip():
            break
        items.append((match.start(1), match.end(1)))
        end = match.end()
    return items


_REFERS_BACK = re.compile(r"\b(it|its|this one|that one)\b", re.IGNORECASE)


def _with_referent(question: str, before: str) -> str:
    """'I saw there is a course on implants. How many ECTS is it?': the statement just before a
    question that says "it" is what the question is about."""
    statements = [p for p in re.split(r"(?<=[.!:])\s+|\n+", before.strip()) if p.strip()]
    if _REFERS_BACK.search(question) and statements and len(statements[-1].split()) >= 3:
        return f"{statements[-1].strip()} {question}"
    return question


_JOINED = re.compile(
    r",?\s+(?:and|also)\s+(?=(?:(?:on|in|at|for|from|to|by|with) )?(?:what|when|how|which|where|who|whether|if|is|are|can|could|do|does|will|would)\b)"
    r"|,\s+(?=(?:what|when|how|which|where|who|whether|is there|are there|can i|do i|does)\b)",
    re.IGNORECASE,
)
_SUBORDINATE = re.compile(  # "If I go part-time, ..."; not "When will ..."
    r"^(if|as|since|because|although|though|once|given)\b|"
    r"^(when|after|before|while)\s+(i|i'm|you|we|my|the student)\b|"
    # a lead-in naming what the rest is about: "For the Leiden research master, what ..."
    r"^(for|regarding|concerning|about|as for|as to|with regard to|re:?)\s+"
    r"(?!(what|when|how|which|where|who|whether|is|are|can|do|does)\b)[^?,:]{0,80}$",
    re.IGNORECASE,
)


# "I hold a B.Sc. in physics, can I apply?": what the asker says of themselves, before the
# question it is the premise of; not "I'd like to know the fee, and when ...", which asks.
_ABOUT_THE_ASKER = re.compile(
    r"^(i|i'm|im|i've|i am|i have|my|we|we're|we've|our)\b"
    r"(?!.*\b(know|wonder|wondering|ask|asking|find out|curious|tell|learn|like|want|need)\b)",
    re.IGNORECASE,
)


def _premise(part: str) -> bool:
    """Whether the first part of a question is one clause about the asker, nothing before it
    (not "I'm new here. Which faculty runs it", whose question is its own)."""
    return bool(_ABOUT_THE_ASKER.match(part)) and bool(_ONE_CLAUSE.fullmatch(part))


def _sub_questions(sentence: str) -> list[str]:
    """'What is the deadline, and how much is the fee?' asks two things; answer each.
    'If I go part-time, do I pay less?' asks one: its first part is a condition; so does 'I
    hold a B.Sc. in physics, can I apply?': its first part is about the asker."""
    parts = [p.strip(" ,") for p in _JOINED.split(sentence) if p.strip(" ,")]
    if len(parts) > 1 and (_SUBORDINATE.match(parts[0]) or _premise(parts[0])):
        parts = [f"{parts[0]}, {parts[1]}", *parts[2:]]
    return [p if p.endswith("?") else p + "?" for p in parts] if len(parts) > 1 else [sentence]


# Words a name may hold between its capitalised words ("Jan de Vries", "Ludwig van Beethoven").
_NAME_PARTICLES = "van|von|de|der|den|du|da|di|dos|das|del|della|la|le|ten|ter|el|al|bin|'t"
_NAME_WORD = r"[A-ZÀ-Ý][\w'’.-]+"
_SIGNATURE_NAME = re.compile(
    rf"^{_NAME_WORD}(?: (?:(?:{_NAME_PARTICLES}) ){{0,2}}{_NAME_WORD}){{0,3}}$"
)


def sender_name(email_text: str) -> str | None:
    """The name an email is signed with ("Best regards,\nAna Souza" -> "Ana Souza"), if any."""
    closing = _sign_off(email_text)
    if closing is None:
        return None
    for sign_off in _SIGN_OFF.finditer(email_text, closing.start()):
        rest_of_line, _, after = email_text[sign_off.end() :].partition("\n")
        rest_of_line = rest_of_line.strip(" ,!.:")
        # "Best regards, Ana" names; "Thank you for your time." does not, the line after it may
        if rest_of_line and _SIGNATURE_NAME.match(rest_of_line):
            return rest_of_line
        for line in after.splitlines():
            line = line.strip(" ,")
            if line:
                if _SIGNATURE_NAME.match(line):
                    return line
                break
    return None
