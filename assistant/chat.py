"""A conversation: a message and its history in, an Answer out. No web imports here."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from assistant import phrases
from assistant.answer import (
    CITATION_MARK,
    Answer,
    Citation,
    SmallTalk,
    compose_answer,
    small_talk_answer,
)
from assistant.config import ReaderMode, Settings, get_settings
from assistant.corpus import GENERAL, document_text
from assistant.decision import decide
from assistant.emails import sender_name, split_email
from assistant.errors import InputError, MessageTooLongError
from assistant.language import served_languages_note
from assistant.llm import text_deltas
from assistant.reader import Reader, load_reader
from assistant.understanding import Query, detect_programmes, understand

if TYPE_CHECKING:
    from assistant.llm import AnswerBackend
    from assistant.retrieval import HybridRetriever, SearchIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class ReplyDraft:
    """A reply to an applicant's email, for staff to check, complete and send."""

    text: str
    questions: tuple[str, ...]
    answers: tuple[Answer, ...]
    unanswered: tuple[str, ...]

    @property
    def citations(self) -> tuple[Citation, ...]:
        seen: dict[tuple[str, str], Citation] = {}
        for answer in self.answers:
            for citation in answer.citations:
                seen.setdefault((citation.source, citation.quote), citation)
        return tuple(seen.values())


@dataclass(frozen=True)
class ProgrammeInfo:
    id: str
    title: str
    institution: str
    programme: str
    kind: str
    academic_year: str | None


class Assistant:
    """The one entry point every surface (CLI, API, UI, eval) uses."""

    def __init__(
        self, settings: Settings, retriever: HybridRetriever, backend: AnswerBackend
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.backend = backend
        self._small_talk: SmallTalk | None = None

    # -- questions --------------------------------------------------------------------------

    def understand(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Query:
        message = self._checked(message)
        index = self.retriever.index()
        turns = [
            (t.role, t.content[: self.settings.max_message_chars])
            for t in latest_turns(history, self.settings.max_history_turns)
        ]
        return understand(message, index.names, turns, programme)

    def answer_query(
        self, query: Query, continuing: str | None = None, mode: ReaderMode | None = None
    ) -> Answer:
        """An understood question in one pass: retrieved, read, composed. ``continuing``: the
        programme the previous answer to the same message was about; ``mode``: how the reader
        takes part (default: the ``reader`` setting)."""
        small_talk = self.small_talk().kind(query)
        if small_talk:
            return small_talk_answer(query, small_talk)
        index, result = self.retriever.search(query)
        choice = decide(
            query,
            result,
            index.documents,
            mode or self.settings.reader,
            self.reader,
            self.settings.reader_candidates,
            self.settings.max_quotes,
        )
        draft = compose_answer(
            query,
            choice,
            result.documents,
            index.documents,
            self.settings.current_date(),
            continuing,
        )
        return replace(draft, standalone_question=_standalone(query))

    def small_talk(self) -> SmallTalk:
        """The greeting recogniser, its examples embedded once by the retriever's model."""
        if self._small_talk is None:
            self._small_talk = SmallTalk(self.retriever.embeddings.embed_documents)
        return self._small_talk

    def reader(self) -> Reader:
        return load_reader(
            str(self.settings.reader_dir) if self.settings.reader_dir else None,
            self.settings.torch_threads,
        )

    def _answers(self, queries: Sequence[Query], mode: ReaderMode | None = None) -> list[Answer]:
        """The answers to the questions of one message, each going on from the one before."""
        answers: list[Answer] = []
        for query in queries:
            previous = answers[-1].programme if answers and answers[-1].answered else None
            answer = self.answer_query(query, previous, mode)
            answers.append(self.backend.phrase(query.text, answer))
        return answers

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        answers = self._answers(self._questions_in(message, history, programme))
        answer = answers[0] if len(answers) == 1 else joined_answers(answers)
        return in_served_language(message, answer)

    def stream(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Iterator[str | Answer]:
        """Yield text deltas, then the complete Answer as the last item."""
        queries = self._questions_in(message, history, programme)
        note = served_languages_note(message)
        if len(queries) == 1:
            if note:
                yield f"{note}\n\n"
            for item in self.backend.stream(queries[0].text, self.answer_query(queries[0])):
                yield _with_note(note, item) if isinstance(item, Answer) else item
            return
        answer = _with_note(note, joined_answers(self._answers(queries)))
        yield from text_deltas(answer.text)
        yield answer

    def _questions_in(
        self, message: str, history: Sequence[Turn], programme: str | None
    ) -> list[Query]:
        """'Is it taught in English? And is it still online?' asks two things: one query each,
        each read with the rest of the message (who is asking) and the programme it names."""
        message = self._checked(message)
        questions, context = split_email(message)
        if len(questions) < 2:
            return [self.understand(message, history, programme)]
        named = detect_programmes(message, self.retriever.index().names)
        programme = named[0] if len(named) == 1 else programme
        return [
            replace(self.understand(f"{context} {q}".strip(), history, programme), asked=q)
            for q in questions
        ]

    def _checked(self, message: str) -> str:
        return checked_input(message, self.settings.max_message_chars)

    # -- email replies ----------------------------------------------------------------------

    def draft_reply(self, email_text: str) -> ReplyDraft:
        """Answer each question of an applicant's email; list what staff must complete."""
        email_text = checked_input(email_text, self.settings.max_email_chars, "email")
        asked, context = split_email(email_text)
        if not asked:
            raise InputError("no question found in the email")
        distinct = distinct_questions(asked)
        questions, left_over = distinct[:MAX_EMAIL_QUESTIONS], distinct[MAX_EMAIL_QUESTIONS:]
        index = self.retriever.index()
        named = detect_programmes(email_text, index.names)
        programme = named[0] if len(named) == 1 else None
        # Who asks: said anywhere in the email, in one of its questions too ("How do I apply as
        # someone with a Flemish degree?" holds for "What is the deadline?" after it).
        background = understand(" ".join([context, *questions]), index.names)
        queries: list[Query] = []
        for question in questions:
            # The rest of the email says who asks and about which programme, never what is asked.
            query = replace(
                self.understand(question[: self.settings.max_message_chars], (), programme),
                asked=question,
            )
            if query.situation is None and background.situation is not None:
                query = replace(
                    query,
                    situation=background.situation,
                    citizenship=query.citizenship or background.citizenship,
                    flemish_degree=background.flemish_degree,
                )
            queries.append(query)
        answers = self._answers(queries, self.settings.draft_reader)
        unanswered = tuple(q for q, a in zip(questions, answers, strict=True) if not a.answered)
        text = render_reply(
            questions,
            answers,
            language=answers[0].language,
            name=sender_name(email_text),
            note=served_languages_note(email_text),
            left_over=left_over,
        )
        return ReplyDraft(text, tuple(questions), tuple(answers), (*unanswered, *left_over))

    # -- the documents ----------------------------------------------------------------------

    def programmes(self) -> list[ProgrammeInfo]:
        """The programmes (and units) to choose from; a general document is none of them."""
        return [info for info in self._documents().values() if info.kind != GENERAL]

    def _documents(self) -> dict[str, ProgrammeInfo]:
        return {
            doc_id: ProgrammeInfo(
                id=doc_id,
                title=meta["title"],
                institution=meta["institution"],
                programme=meta["programme"],
                kind=meta["kind"],
                academic_year=meta["academic_year"] or None,
            )
            for doc_id, meta in self.retriever.index().documents.items()
        }

    def stats(self) -> dict[str, int]:
        """How much the live index holds (for health checks)."""
        index = self.retriever.index()
        return {"documents": len(index.documents), "chunks": len(index.snapshot.chunk_ids)}

    def document(self, doc_id: str) -> tuple[ProgrammeInfo, str]:
        """The document's description and its text, read from the file the index recorded."""
        info = self._documents().get(doc_id)
        if info is None:
            raise InputError(f"no document with id {doc_id!r}")
        name = self.retriever.index().documents[doc_id].get("path", "")
        return info, document_text(self.settings.corpus_dir, name, doc_id)


MAX_EMAIL_QUESTIONS = 20  # a draft answers at most this many; the rest are listed for staff


def distinct_questions(questions: Sequence[str]) -> list[str]:
    """Each question once, in order: the same words asked again (case, spacing and punctuation
    aside) are one question."""
    seen: set[str] = set()
    distinct: list[str] = []
    for question in questions:
        key = " ".join(re.findall(r"\w+", question.casefold()))
        if key not in seen:
            seen.add(key)
            distinct.append(question)
    return distinct


_INPUT_RULES = {  # what to do about a text that is too long, and about an empty one
    "message": ("Shorten it and send it again.", "The message is empty: write a question."),
    "email": (
        "Paste only the applicant's message.",
        "The email is empty: paste the applicant's message.",
    ),
}


def checked_input(text: str, limit: int, kind: Literal["message", "email"] = "message") -> str:
    """The text, stripped; the same rule on every surface."""
    too_long, empty = _INPUT_RULES[kind]
    if len(text) > limit:
        raise MessageTooLongError(
            f"The {kind} is {len(text)} characters long; the limit is {limit} characters. {too_long}"
        )
    if not text.strip():
        raise InputError(empty)
    return text.strip()


def latest_turns(history: Sequence[Turn], max_turns: int) -> list[Turn]:
    """The last ``max_turns`` exchanges (a question and its answer each); older ones are dropped,
    not refused, so a long conversation keeps working."""
    turns = [t for t in history if t.content.strip()]
    return turns[-2 * max_turns :] if max_turns else []


def _standalone(query: Query) -> str:
    return query.search_text if query.follow_up else query.text


def _renumbered(text: str, numbers: dict[str, str]) -> str:
    """Citation marks of one answer renumbered to the reply's common source list."""
    return CITATION_MARK.sub(lambda mark: f"[{numbers.get(mark[1], mark[1])}]", text)


def _numbered_together(answers: Sequence[Answer]) -> tuple[list[str], list[Citation]]:
    """Each answer's text with its citation marks renumbered to one common source list."""
    texts: list[str] = []
    sources: list[Citation] = []
    for answer in answers:
        numbers: dict[str, str] = {}
        for number, citation in enumerate(answer.citations, 1):
            if citation not in sources:
                sources.append(citation)
            numbers[str(number)] = str(sources.index(citation) + 1)
        texts.append(_renumbered(answer.text, numbers))
    return texts, sources


def joined_answers(answers: Sequence[Answer]) -> Answer:
    """The answers to the questions of one message, as one answer with one list of sources."""
    texts, sources = _numbered_together(answers)
    seen: set[str] = set()
    kept: list[str] = []
    for text in texts:  # a note said once (the academic year of the figures) is not repeated
        lines = [line for line in text.splitlines() if not line.strip() or line not in seen]
        seen.update(line for line in lines if line.strip())
        kept.append("\n".join(lines))
    first = answers[0]
    return replace(
        first,
        text="\n\n".join(k for k in kept if k.strip()),
        answered=any(a.answered for a in answers),
        gaps=sum(a.gaps for a in answers),
        small_talk=all(a.small_talk for a in answers),
        citations=tuple(sources),
        programme=first.programme if all(a.programme == first.programme for a in answers) else None,
        standalone_question=" ".join(a.standalone_question for a in answers),
        clarification=any(a.clarification for a in answers),
        retrieved=tuple(dict.fromkeys(d for a in answers for d in a.retrieved)),
        note="",
    )


def render_reply(
    questions: Sequence[str],
    answers: Sequence[Answer],
    language: str = "en",
    name: str | None = None,
    note: str = "",
    left_over: Sequence[str] = (),
) -> str:
    """The draft staff send: a greeting by name when the email is signed, the served-languages
    ``note`` once when the email is in another language, each question answered once, each gap
    and each dated figure marked for staff, the sources listed once."""
    greeting = (
        phrases.EMAIL(language, "greeting_name", name=name)
        if name
        else phrases.EMAIL(language, "greeting")
    )
    paragraphs = [greeting, phrases.EMAIL(language, "thanks"), *([note] if note else [])]
    undated = [
        replace(a, text=a.text.removesuffix(a.note).rstrip()) if a.note else a for a in answers
    ]
    lines: list[str] = []  # a line per question: its answer, or the gap staff fill in
    stating: list[tuple[int, Answer]] = []
    checks: list[str] = []
    for question, answer, stated in zip(questions, answers, undated, strict=True):
        if not answer.answered:
            lines.append(phrases.EMAIL(language, "missing", question=question))
            continue
        stating.append((len(lines), stated))
        lines.append("")
        if answer.note and answer.note not in checks:
            checks.append(answer.note)
    texts, sources = _numbered_together([answer for _, answer in stating])
    said: set[int] = set()  # the sources' numbers already quoted in the reply
    for (at, answer), text in zip(stating, texts, strict=True):
        numbers = {sources.index(c) + 1 for c in answer.citations}
        if numbers - said:  # a fact asked about twice is stated once: what was given is left out
            lines[at] = _without_quotes(text, {n: sources[n - 1] for n in numbers & said})
        said |= numbers
    paragraphs += [line for line in lines if line]
    if left_over:
        paragraphs.append(
            phrases.EMAIL(
                language,
                "left_over",
                count=str(len(left_over)),
                questions=" ".join(f"“{q}”" for q in left_over),
            )
        )
    for note in checks:
        year = re.search(r"\d{4}\s*-\s*\d{2,4}(?:, \d{4}\s*-\s*\d{2,4})*", note)
        check = (
            phrases.EMAIL(language, "check_year", year=year.group(0))
            if year
            else phrases.EMAIL(language, "check_undated")
        )
        if check not in paragraphs:  # fees and dates of one year: checked once
            paragraphs.append(check)
    if sources:
        listed = "\n".join(
            f"[{n}] {c.title}, {c.heading.split(' > ')[-1] or c.title}: “{_plain_quote(c.quote)}”"
            for n, c in enumerate(sources, 1)
        )
        paragraphs.append(f"{phrases.EMAIL(language, 'sources')}\n{listed}")
    paragraphs.append(phrases.EMAIL(language, "sign_off"))
    return "\n\n".join(paragraphs)


def _without_quotes(text: str, given: Mapping[int, Citation]) -> str:
    """An answer's text without the quotes (each with its mark) that the reply already gave."""
    for number, citation in given.items():
        text = text.replace(f" “{_plain_quote(citation.quote)}” [{number}]", "")
    return text


def in_served_language(message: str, answer: Answer) -> Answer:
    """The answer, opened by a sentence naming the served languages when the message is
    written in another language (the answer itself is in English then)."""
    return _with_note(served_languages_note(message), answer)


def _with_note(note: str, answer: Answer) -> Answer:
    return replace(answer, text=f"{note}\n\n{answer.text}") if note else answer


def _plain_quote(quote: str) -> str:
    """A table row read as text in a list of sources ("H03I2A – Biomedical Data Processing – 6")."""
    from assistant.corpus import unit_display

    return unit_display(quote) if quote.startswith("|") else quote


@lru_cache(maxsize=1)
def get_assistant() -> Assistant:
    """The process-wide assistant built from get_settings(); the index is opened lazily."""
    return build_assistant(get_settings())


def build_assistant(settings: Settings) -> Assistant:
    from assistant.llm import get_backend
    from assistant.retrieval import build_retriever

    return Assistant(settings, build_retriever(settings), get_backend(settings))


def warm_up(assistant: Assistant) -> SearchIndex:
    """Load the model and the index now rather than on the first question."""
    index = assistant.retriever.index()
    index.embed("warm up")
    return index
