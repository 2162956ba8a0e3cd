"""One reply from several answers: the answers to the asks of one message joined with one source
list, a staff draft for an e-mail, and the note on the languages served."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from assistant import phrases
from assistant.answering.answer import CITATION_MARK, Answer, Citation
from assistant.understanding.language import served_languages_note


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
        unanswered=tuple(q for a in answers for q in a.unanswered),
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
        for saved in (c for c in answer.citations if c.kind == "staff_answer"):
            # the office's saved answer, given because it seemed to ask the same: a glance
            lines.append(
                phrases.EMAIL(
                    language,
                    "check_saved",
                    id=str(saved.answer_id),
                    author=saved.author,
                    date=saved.date,
                )
            )
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
    return with_note(served_languages_note(message), answer)


def with_note(note: str, answer: Answer) -> Answer:
    return replace(answer, text=f"{note}\n\n{answer.text}") if note else answer


def _plain_quote(quote: str) -> str:
    """A table row read as text in a list of sources ("H03I2A – Biomedical Data Processing – 6")."""
    from assistant.documents.splitting import unit_display

    return unit_display(quote) if quote.startswith("|") else quote
