"""Answer backends: what turns the extractive draft into the text the user reads.

The chat layer composes an extractive draft (quotes chosen from the documents) and hands it to
the backend from ``get_backend``. ``ExtractiveBackend`` shows the draft as it is.
``LLMBackend`` asks an OpenAI-compatible server to rephrase the draft from its numbered quotes,
with a marker like ``[1]`` after each sentence, and lets the answer through only when the
grounding guard finds every figure, date, name and address in the quotes each sentence cites
(or in the draft's own framing), and only when it cites the best quote and keeps one of the
quotes' figures or dates. The answer keeps the quotes it cites, its markers renumbered to
match. Otherwise, and whenever the server fails or is too slow, the draft is shown instead:
the model's text never reaches the user unchecked. langchain-openai is imported only when an
``LLMBackend`` is built.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from assistant.answering.answer import Answer
from assistant.answering.llm.guard import (
    check_grounding,
    checkable_facts,
    cited_quotes,
    renumber_markers,
)
from assistant.config import Settings
from assistant.errors import BackendError, ConfigurationError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_openai import ChatOpenAI

logger = logging.getLogger(__name__)


class AnswerBackend(Protocol):
    name: str

    def phrase(self, question: str, draft: Answer) -> Answer: ...

    def stream(self, question: str, draft: Answer) -> Iterator[str | Answer]:
        """Yield text deltas, then the complete Answer as the last item."""
        ...


def text_deltas(text: str, words_per_delta: int = 4) -> Iterator[str]:
    """``text`` in groups of a few words; joined, the deltas give back ``text`` exactly."""
    pieces = re.split(r"(?<=\s)(?=\S)", text)
    for start in range(0, len(pieces), words_per_delta):
        delta = "".join(pieces[start : start + words_per_delta])
        if delta:
            yield delta


class ExtractiveBackend:
    """The draft as it is: the documents' own sentences."""

    name = "extractive"

    def phrase(self, question: str, draft: Answer) -> Answer:
        return draft

    def stream(self, question: str, draft: Answer) -> Iterator[str | Answer]:
        yield from text_deltas(draft.text)
        yield draft


@dataclass(frozen=True)
class Phrasing:
    """One attempt to rephrase a draft: the answer to show, and how it came about."""

    answer: Answer
    fallback_reason: str | None = None  # why the draft is shown; None: the model's text is
    llm_text: str | None = None  # the model's reply as received, markers included
    finish_reason: str | None = None  # "stop", or "length" when max_tokens cut it off
    completion_tokens: int | None = None
    seconds: float = 0.0

    @property
    def used_llm(self) -> bool:
        return self.fallback_reason is None


_INSTRUCTIONS = (
    "You rewrite a draft answer to a question about a university programme. Use only the facts "
    "in the numbered quotes: add no figure, date, name or e-mail address of your own. Write a "
    "short answer of one to three sentences. End every sentence with the number of the quote "
    "it uses in square brackets, like [1]."
)
_IN_DUTCH = " Write the answer in Dutch."
_EXAMPLE_QUOTE = (
    "A fulltime programme takes 1 academic year, starting at the beginning of the Academic "
    "Year in September."
)
_EXAMPLE_ANSWER = {
    "en": "The full-time programme takes 1 academic year and starts in September [1].",
    "nl": "De voltijdse opleiding duurt 1 academiejaar en begint in september [1].",
}


def build_messages(question: str, draft: Answer) -> list[tuple[str, str]]:
    """The chat prompt: instructions, one worked example, then the question with its quotes."""
    dutch = draft.language == "nl"
    example = _user_message("How long does the programme take?", [_EXAMPLE_QUOTE], _EXAMPLE_QUOTE)
    quotes = [citation.quote for citation in draft.citations]
    return [
        ("system", _INSTRUCTIONS + (_IN_DUTCH if dutch else "")),
        ("human", example),
        ("ai", _EXAMPLE_ANSWER["nl" if dutch else "en"]),
        ("human", _user_message(question, quotes, draft.text)),
    ]


def _user_message(question: str, quotes: Sequence[str], draft_text: str) -> str:
    numbered = "\n".join(f"[{number}] {quote}" for number, quote in enumerate(quotes, 1))
    draft_text = _mark_quotes(draft_text, quotes)
    return f"Question: {question}\n\nQuotes:\n{numbered}\n\nDraft answer: {draft_text}"


def _quote_spans(text: str, quotes: Sequence[str]) -> list[tuple[int, int, int]]:
    """Where each quote stands verbatim in ``text`` (with its quotation marks, when it has
    them): (start, end, quote number)."""
    spans = []
    for number, quote in enumerate(quotes, 1):
        quote = quote.strip()
        if not quote:
            continue
        for candidate in (f"“{quote}”", f'"{quote}"', quote):
            start = text.find(candidate)
            if start >= 0:
                spans.append((start, start + len(candidate), number))
                break
    return spans


def _mark_quotes(text: str, quotes: Sequence[str]) -> str:
    """The draft with a marker after each quote it contains verbatim, as the answer should be
    (unless the draft carries markers already)."""
    if cited_quotes(text):
        return text
    for _, end, number in sorted(_quote_spans(text, quotes), reverse=True):
        text = f"{text[:end]} [{number}]{text[end:]}"
    return text


def evidence_of(draft: Answer) -> list[str]:
    """What each numbered quote lets the answer state: the quote and the document it is from."""
    return [
        "\n".join(part for part in (citation.title, citation.heading, citation.quote) if part)
        for citation in draft.citations
    ]


def framing_of(draft: Answer) -> str:
    """The draft's own words around its quotes: the programme, the academic year, the
    applicant's category, composed from the documents and the question, so the answer may
    repeat them without a citation."""
    text = draft.text
    quotes = [citation.quote for citation in draft.citations]
    for start, end, _ in sorted(_quote_spans(text, quotes), reverse=True):
        text = text[:start] + "\n" + text[end:]
    return text


@dataclass(frozen=True)
class _Completion:
    text: str
    finish_reason: str | None
    completion_tokens: int | None


class LLMBackend:
    """Rephrases answered drafts with an OpenAI-compatible chat model, checked by the guard."""

    name = "llm"

    def __init__(self, settings: Settings, chat_model: BaseChatModel | None = None) -> None:
        """``chat_model`` replaces the ChatOpenAI client built from ``settings``."""
        if chat_model is None and not settings.llm_base_url:
            raise ConfigurationError(
                "LLMBackend needs ASSISTANT_LLM_BASE_URL (an OpenAI-compatible /v1 endpoint)"
            )
        self.settings = settings
        self._chat_model = chat_model or self._build_chat_model(settings)

    def phrase(self, question: str, draft: Answer) -> Answer:
        return self.rephrase(question, draft).answer

    def stream(self, question: str, draft: Answer) -> Iterator[str | Answer]:
        """The checked answer (or the draft) in deltas: nothing is sent before the check."""
        answer = self.rephrase(question, draft).answer
        yield from text_deltas(answer.text)
        yield answer

    def rephrase(self, question: str, draft: Answer) -> Phrasing:
        if not draft.answered or not draft.citations:
            return Phrasing(draft, fallback_reason="the draft is a decline or a question back")
        started = time.monotonic()
        try:
            completion = self._complete(build_messages(question, draft))
        except BackendError as error:
            return self._fallback(draft, str(error), started)
        reason = self._rejection(completion, draft)
        if reason is not None:
            return self._fallback(draft, reason, started, completion)
        cited = set(cited_quotes(completion.text))
        kept = [number for number in range(1, len(draft.citations) + 1) if number in cited]
        answer = dataclasses.replace(
            draft,
            text=renumber_markers(completion.text, {old: new for new, old in enumerate(kept, 1)}),
            citations=tuple(draft.citations[number - 1] for number in kept),
            note="",  # the model's text is not the draft's: its dating note is not its last line
        )
        seconds = time.monotonic() - started
        logger.info("LLM answer accepted after %.2fs", seconds)
        return Phrasing(
            answer,
            llm_text=completion.text,
            finish_reason=completion.finish_reason,
            completion_tokens=completion.completion_tokens,
            seconds=seconds,
        )

    def _rejection(self, completion: _Completion, draft: Answer) -> str | None:
        """Why the model's text may not be shown, or None when it may."""
        if completion.finish_reason == "length":
            limit = self.settings.llm_max_tokens
            return f"the answer was cut off at llm_max_tokens={limit}"
        # The word check compares stems, which a Dutch answer from English quotes cannot share.
        word_support = 0.0 if draft.language == "nl" else 0.5
        report = check_grounding(
            completion.text,
            evidence_of(draft),
            context=framing_of(draft),
            min_word_support=word_support,
        )
        if not report.ok:
            return "the answer states what its quotes do not: " + "; ".join(report.unsupported)
        if 1 not in cited_quotes(completion.text):
            return "the answer leaves out the best quote [1]"
        quotes = [citation.quote for citation in draft.citations]
        if checkable_facts(" ".join(quotes)) and not checkable_facts(completion.text, quotes):
            return "the answer gives none of the figures and dates of its quotes"
        return None

    def _fallback(
        self,
        draft: Answer,
        reason: str,
        started: float,
        completion: _Completion | None = None,
    ) -> Phrasing:
        logger.warning("keeping the extractive draft: %s", reason)
        return Phrasing(
            draft,
            fallback_reason=reason,
            llm_text=completion.text if completion else None,
            finish_reason=completion.finish_reason if completion else None,
            completion_tokens=completion.completion_tokens if completion else None,
            seconds=time.monotonic() - started,
        )

    @staticmethod
    def _build_chat_model(settings: Settings) -> ChatOpenAI:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=SecretStr(settings.llm_api_key),
            timeout=settings.llm_timeout_s,
            max_retries=0,
            temperature=0,
            # langchain-openai renames max_tokens to max_completion_tokens, which llama.cpp and
            # other OpenAI-compatible servers ignore; the request body carries max_tokens itself.
            extra_body={"max_tokens": settings.llm_max_tokens},
        )

    def _complete(self, messages: list[tuple[str, str]]) -> _Completion:
        import openai

        base_url = self.settings.llm_base_url
        try:
            reply = self._chat_model.invoke(messages)
        except openai.APITimeoutError as error:
            timeout = self.settings.llm_timeout_s
            raise BackendError(f"no answer from {base_url} within {timeout:g}s") from error
        except openai.APIConnectionError as error:
            raise BackendError(f"cannot reach {base_url}: {error.__cause__ or error}") from error
        except openai.APIStatusError as error:
            raise BackendError(f"{base_url} answered {error.status_code}: {error}") from error
        except Exception as error:  # a client or parsing failure must not lose the answer
            raise BackendError(f"the LLM call failed: {type(error).__name__}: {error}") from error
        usage = reply.usage_metadata
        return _Completion(
            text=reply.text,
            finish_reason=reply.response_metadata.get("finish_reason"),
            completion_tokens=usage["output_tokens"] if usage else None,
        )


def get_backend(settings: Settings) -> AnswerBackend:
    """The LLM backend when ``llm_base_url`` is set, the extractive one otherwise."""
    if settings.llm_base_url:
        return LLMBackend(settings)
    return ExtractiveBackend()
