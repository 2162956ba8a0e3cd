"""Token counting and cutting as OpenAI clients count (cl100k_base, shipped offline)."""

from __future__ import annotations

from assistant.web.api.tokens import TokenBudget, count_tokens, cut_to_tokens


def test_tokens_are_counted_with_openais_encoding() -> None:
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0


def test_a_text_within_the_limit_is_kept_whole() -> None:
    assert cut_to_tokens("The fee is 4400 euro.", 50) == ("The fee is 4400 euro.", False)


def test_a_longer_text_keeps_its_first_tokens() -> None:
    kept, cut = cut_to_tokens("The tuition fee for non-EEA students is 4400 euro a year.", 5)
    assert cut and count_tokens(kept) == 5
    assert "The tuition fee for non-EEA students".startswith(kept)


def test_a_stream_lets_deltas_through_until_the_budget_is_spent() -> None:
    budget = TokenBudget(6)
    pieces = [budget.take(d) for d in ("The tuition ", "fee for non-EEA ", "students is ", "4400")]
    assert "".join(pieces) == budget.text
    assert budget.exhausted and count_tokens(budget.text) <= 6
    assert pieces[-1] == ""


def test_without_a_limit_every_delta_passes() -> None:
    budget = TokenBudget(None)
    assert [budget.take(d) for d in ("a ", "b")] == ["a ", "b"] and not budget.exhausted
