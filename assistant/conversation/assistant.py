"""A conversation: a message and its history in, an Answer out. No web imports here."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cache, lru_cache, partial
from typing import TYPE_CHECKING, Literal

from assistant.answering.answer import Answer
from assistant.answering.llm.backend import text_deltas
from assistant.answering.office import OfficeAnswers, or_office_answer
from assistant.answering.reading.decision import decide, documents_sure
from assistant.answering.reading.reader import Reader, load_reader
from assistant.answering.wording.compose import compose_answer
from assistant.answering.wording.small_talk import (
    SmallTalk,
    small_talk_answer,
)
from assistant.config import ReaderMode, Settings, get_settings
from assistant.conversation.emails import sender_name, split_email
from assistant.conversation.replies import (
    distinct_questions,
    in_served_language,
    joined_answers,
    render_reply,
    with_note,
)
from assistant.conversation.turns import Ask, ProgrammeInfo, ReplyDraft, Turn
from assistant.conversation.waiting import FirstComeTurns
from assistant.documents.corpus import GENERAL, document_text
from assistant.errors import InputError, MessageTooLongError
from assistant.understanding.language import load_language_models, served_languages_note
from assistant.understanding.query import Query, detect_programmes, read_after, understand

if TYPE_CHECKING:
    from assistant.answering.llm.backend import AnswerBackend
    from assistant.database.unanswered import UnansweredLog
    from assistant.retrieval.index import SearchIndex
    from assistant.retrieval.retriever import HybridRetriever

logger = logging.getLogger(__name__)


class Assistant:
    """The one entry point every surface (CLI, API, UI, eval) uses."""

    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        backend: AnswerBackend,
        office: OfficeAnswers | None = None,
        unanswered: UnansweredLog | None = None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.backend = backend
        self.office = office  # the admissions office's saved answers, where documents are silent
        self.unanswered = unanswered  # where questions nothing answers are kept for staff
        self._small_talk: SmallTalk | None = None
        # questions answered at once: the others wait their turn rather than share the cores
        self._turns = FirstComeTurns(settings.concurrent_answers or os.cpu_count() or 1)

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

    def answer(
        self,
        ask: Ask,
        continuing: str | None = None,
        mode: ReaderMode | None = None,
        earlier: Query | None = None,
    ) -> tuple[Query, Answer]:
        """One ask in one pass: understood, retrieved, decided (the rules and the reader choose
        what to quote; where the documents are silent, the office's saved answer), worded.
        ``continuing``: the programme the previous answer to the same message was about;
        ``mode``: how the reader takes part (default: the ``reader`` setting); ``earlier``: the
        ask before this one in the same message, as understood. Returns the question as
        understood with its extractive answer. Where as many messages as ``concurrent_answers``
        are being answered, it waits its turn, first come first served."""
        with self._turns:
            return self._answer(ask, continuing, mode, earlier)

    def _answer(
        self,
        ask: Ask,
        continuing: str | None,
        mode: ReaderMode | None,
        earlier: Query | None,
    ) -> tuple[Query, Answer]:
        query = self._understood(ask)
        if earlier is not None:
            query = read_after(query, earlier)
        # "Hello!" in a programme's widget, or "thanks!" after an answer, is read on its own: the
        # page's programme and the conversation say nothing about whether it asks something. One
        # of several questions split out of a message is a question.
        small_talk = None if ask.asked else self.small_talk().kind(_as_read(ask, query))
        if small_talk:
            return query, small_talk_answer(query, small_talk)
        index, result = self.retriever.search(query)
        today = self.settings.current_date()
        mode = mode or self.settings.reader
        candidates, docs = self.settings.reader_candidates, index.documents
        reader = cache(lambda: self.reader().for_one_ask())  # each pair read once per ask
        choice = decide(
            query,
            result,
            docs,
            mode,
            reader,
            candidates,
            self.settings.max_quotes,
            self.settings.reader_choice_candidates,
        )
        sure = partial(documents_sure, choice, query, result, docs, mode, reader, candidates)
        choice = or_office_answer(choice, query, self.office, today, sure)
        draft = compose_answer(query, choice, result.documents, docs, today, continuing)
        return query, replace(draft, standalone_question=_standalone(query))

    def _understood(self, ask: Ask) -> Query:
        """An ask read as a Query: the question itself noted when the message asks several, and
        who asks taken from the rest of an e-mail when the question does not say."""
        query = self.understand(ask.text, ask.history, ask.programme)
        if ask.asked:
            query = replace(query, asked=ask.asked)
        background = ask.background
        if query.situation is None and background is not None and background.situation is not None:
            query = replace(
                query,
                situation=background.situation,
                citizenship=query.citizenship or background.citizenship,
                flemish_degree=background.flemish_degree,
            )
        return query

    def small_talk(self) -> SmallTalk:
        """The greeting recogniser, its examples embedded once by the retriever's model."""
        if self._small_talk is None:
            self._small_talk = SmallTalk(self.retriever.embeddings.embed_query)
        return self._small_talk

    def reader(self) -> Reader:
        return load_reader(
            str(self.settings.reader_dir) if self.settings.reader_dir else None,
            self.settings.torch_threads,
            self.settings.reader_workers,
        )

    def _answers(self, asks: Sequence[Ask], mode: ReaderMode | None = None) -> list[Answer]:
        """The answers to the asks of one message, each going on from the one before, each
        phrased by the backend (as it stands, without an LLM). A message waits its turn once,
        however many asks it holds; the phrasing comes after its turn."""
        drafts: list[tuple[Query, Answer]] = []
        earlier: Query | None = None
        with self._turns:
            for ask in asks:
                last = drafts[-1][1] if drafts else None
                previous = last.programme if last is not None and last.answered else None
                earlier, draft = self._answer(ask, previous, mode, earlier)
                drafts.append((earlier, _noting_unanswered(ask, draft)))
        return [self.backend.phrase(query.text, draft) for query, draft in drafts]

    def ask(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Answer:
        answers = self._answers(self._asks_in(message, history, programme))
        answer = answers[0] if len(answers) == 1 else joined_answers(answers)
        self._keep_unanswered(answer, programme)
        return in_served_language(message, answer)

    def stream(
        self, message: str, history: Sequence[Turn] = (), programme: str | None = None
    ) -> Iterator[str | Answer]:
        """Yield text deltas, then the complete Answer as the last item."""
        asks = self._asks_in(message, history, programme)
        note = served_languages_note(message)
        if len(asks) == 1:
            if note:
                yield f"{note}\n\n"
            query, draft = self.answer(asks[0])
            self._keep_unanswered(_noting_unanswered(asks[0], draft), programme)
            for item in self.backend.stream(query.text, draft):
                yield with_note(note, item) if isinstance(item, Answer) else item
            return
        answer = with_note(note, joined_answers(self._answers(asks)))
        self._keep_unanswered(answer, programme)
        yield from text_deltas(answer.text)
        yield answer

    def _keep_unanswered(self, answer: Answer, programme: str | None) -> None:
        """Keep what nothing answered for staff to answer next (when the log is on)."""
        if self.unanswered is not None and answer.unanswered:
            self.unanswered.record(answer.unanswered, answer.programme or programme)
            from assistant.conversation.unanswered import remember_meaning

            # embedded now, while it is asked, so staff's grouped list reads it from memory
            remember_meaning(answer.unanswered, self.retriever.embeddings.embed_documents)

    def _asks_in(self, message: str, history: Sequence[Turn], programme: str | None) -> list[Ask]:
        """'Is it taught in English? And is it still online?' asks two things: one ask each,
        each read with the rest of the message (who is asking) and the programme it names."""
        message = self._checked(message)
        questions, context = split_email(message)
        if len(questions) < 2:
            return [Ask(message, history=tuple(history), programme=programme)]
        programme = self._programme_of(message, questions) or programme
        return [
            Ask(f"{context} {q}".strip(), asked=q, history=tuple(history), programme=programme)
            for q in questions
        ]

    def _programme_of(self, message: str, questions: Sequence[str]) -> str | None:
        """The one programme a message (or any of its questions) names; None when it names none
        or several: then each ask is about the programme it names itself."""
        names = self.retriever.index().names
        named = set(detect_programmes(message, names))
        named |= {
            found[0] for part in questions if len(found := detect_programmes(part, names)) == 1
        }
        return named.pop() if len(named) == 1 else None

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
        programme = self._programme_of(email_text, questions)
        # Who asks: said anywhere in the email, in one of its questions too ("How do I apply as
        # someone with a Flemish degree?" holds for "What is the deadline?" after it). The rest
        # of the email says who asks and about which programme, never what is asked.
        background = understand(" ".join([context, *questions]), index.names)
        asks = [
            Ask(
                question[: self.settings.max_message_chars],
                asked=question,
                programme=programme,
                background=background,
            )
            for question in questions
        ]
        answers = self._answers(asks, self.settings.draft_reader)
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


def _noting_unanswered(ask: Ask, answer: Answer) -> Answer:
    """The answer, noting its question when neither the documents nor a saved answer answer
    it (not a greeting, not a "which programme?")."""
    if answer.answered or answer.clarification or answer.small_talk:
        return answer
    return replace(answer, unanswered=(ask.asked or ask.text,))


def _as_read(ask: Ask, query: Query) -> str:
    """A message as the small-talk detector reads it: in English (its sentence vectors read
    Dutch poorly), through the glossary where it is not."""
    return ask.text if query.language == "en" else query.english


def _standalone(query: Query) -> str:
    return query.search_text if query.follow_up else query.text


@lru_cache(maxsize=1)
def get_assistant() -> Assistant:
    """The process-wide assistant built from get_settings(); the index is opened lazily."""
    return build_assistant(get_settings())


def build_assistant(settings: Settings) -> Assistant:
    from assistant.answering.llm.backend import get_backend
    from assistant.retrieval.retriever import build_retriever

    retriever = build_retriever(settings)
    office = None
    if settings.saved_answers:
        from assistant.database.saved_answers import SavedAnswers

        saved = SavedAnswers(settings.database)
        office = OfficeAnswers(saved, retriever.embeddings.embed_documents)
    unanswered = None
    if settings.unanswered_retention_days > 0:
        from assistant.database.unanswered import UnansweredLog

        unanswered = UnansweredLog(settings.database, settings.unanswered_retention_days)
    return Assistant(settings, retriever, get_backend(settings), office, unanswered)


def warm_up(assistant: Assistant) -> SearchIndex:
    """Load the models and the index now rather than on the first question."""
    index = assistant.retriever.index()
    index.embed("warm up")
    load_language_models()
    assistant.small_talk()  # embeds its examples
    if assistant.settings.reader != "off":
        assistant.reader()
    if assistant.office is not None:
        assistant.office.load()
    return index
