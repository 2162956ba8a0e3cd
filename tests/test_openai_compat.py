"""The OpenAI-compatible endpoint, driven by the official ``openai`` client and LangChain."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from server import serve_real_app

from assistant.config import Settings
from assistant.conversation.assistant import Assistant
from assistant.web.api import MODEL_ID

KUL_BME = "kul-biomedical-engineering-postgraduate"
FEE_QUESTION = (
    "How much is the tuition fee for non-EEA students in the Postgraduate Programme in "
    "Biomedical Engineering at KU Leuven?"
)


@pytest.fixture(scope="module")
def base_url(
    index_settings: Settings, assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serve_real_app(index_settings, assistant, tmp_path_factory.mktemp("openai")) as base:
        yield f"{base}/v1"


@pytest.fixture
def client(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key="not-needed", max_retries=0) as client:
        yield client


def test_models_lists_the_programme_assistant(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == [MODEL_ID]


def test_a_completion_answers_with_the_figure_and_carries_the_citations(
    client: openai.OpenAI,
) -> None:
    completion = client.chat.completions.create(
        model=MODEL_ID,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": FEE_QUESTION},
        ],
    )

    assert completion.object == "chat.completion"
    assert completion.model == MODEL_ID
    [choice] = completion.choices
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert "4400" in (choice.message.content or "")
    extra = completion.model_extra or {}
    assert extra["answered"] is True
    assert any(c["source"] == KUL_BME and "4400" in c["quote"] for c in extra["citations"])
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_a_streamed_completion_carries_the_citations_on_its_final_chunk(
    client: openai.OpenAI,
) -> None:
    stream = client.chat.completions.create(
        model=MODEL_ID,
        messages=[{"role": "user", "content": FEE_QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    text = "".join(c.choices[0].delta.content or "" for c in content_chunks)
    assert len(content_chunks) > 1
    assert "4400" in text
    [final] = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    extra = final.model_extra or {}
    assert any(c["source"] == KUL_BME for c in extra["citations"])
    assert extra["answered"] is True
    assert chunks[-1].usage is not None and chunks[-1].choices == []
    assert len({c.id for c in chunks}) == 1


def test_earlier_messages_are_the_history(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL_ID,
        messages=[
            {
                "role": "user",
                "content": "I am interested in the Postgraduate Programme in Biomedical "
                "Engineering at KU Leuven.",
            },
            {"role": "assistant", "content": "Happy to help. What would you like to know?"},
            {"role": "user", "content": "How much is the tuition fee for non-EEA students?"},
        ],
    )

    assert "4400" in (completion.choices[0].message.content or "")


def test_the_programme_extension_field_narrows_the_search(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL_ID,
        messages=[{"role": "user", "content": "How much is the tuition fee for non-EEA students?"}],
        extra_body={"programme": KUL_BME},
    )

    assert "4400" in (completion.choices[0].message.content or "")
    assert {c["source"] for c in (completion.model_extra or {})["citations"]} == {KUL_BME}


def test_a_bad_request_raises_the_clients_error_with_the_servers_message(
    client: openai.OpenAI,
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=MODEL_ID, messages=[{"role": "assistant", "content": "hello"}]
        )

    assert "last message must come from the user" in caught.value.message
    assert caught.value.param == "messages"
    assert caught.value.type == "invalid_request_error"


def test_an_unknown_model_raises_not_found_with_model_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": FEE_QUESTION}]
        )

    assert caught.value.code == "model_not_found"
    assert [model.id for model in client.models.list()] == [MODEL_ID]


def test_asking_for_two_choices_is_refused_not_silently_served_one(
    client: openai.OpenAI,
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=MODEL_ID, messages=[{"role": "user", "content": FEE_QUESTION}], n=2
        )

    assert caught.value.param == "n"


def test_langchain_chat_openai_uses_the_assistant_as_a_model(base_url: str) -> None:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    model = ChatOpenAI(
        base_url=base_url, api_key=SecretStr("not-needed"), model=MODEL_ID, max_retries=0
    )

    reply = model.invoke(FEE_QUESTION)
    streamed = "".join(str(chunk.content) for chunk in model.stream(FEE_QUESTION))

    assert "4400" in str(reply.content)
    assert "4400" in streamed


def test_langchain_users_see_the_sources_title_and_address_in_the_message(base_url: str) -> None:
    """LangChain's chat-completions client drops annotations and extra fields: the plain-text
    Sources block at the end of the message is what reaches it."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    model = ChatOpenAI(
        base_url=base_url, api_key=SecretStr("not-needed"), model=MODEL_ID, max_retries=0
    )

    for text in (
        str(model.invoke(FEE_QUESTION).content),
        "".join(str(chunk.content) for chunk in model.stream(FEE_QUESTION)),
    ):
        sources = text.split("\n\nSources:\n", 1)[1]
        assert "Postgraduate Programme in Biomedical Engineering" in sources
        assert f"/api/documents/{KUL_BME}?quote=" in sources


def test_sources_arrive_as_url_citation_annotations_spanning_the_marks(
    client: openai.OpenAI,
) -> None:
    completion = client.chat.completions.create(
        model=MODEL_ID, messages=[{"role": "user", "content": FEE_QUESTION}]
    )
    message = completion.choices[0].message
    content = message.content or ""

    assert message.annotations
    for annotation in message.annotations:
        assert annotation.type == "url_citation"
        cited = annotation.url_citation
        assert f"/api/documents/{KUL_BME}" in cited.url and cited.title
        assert content[cited.start_index : cited.end_index].startswith("[")
    citations = (completion.model_extra or {})["citations"]
    assert {a.url_citation.url for a in message.annotations} == {c["url"] for c in citations}


def test_a_request_can_leave_the_sources_block_out(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL_ID,
        messages=[{"role": "user", "content": FEE_QUESTION}],
        extra_body={"sources": False},
    )
    content = completion.choices[0].message.content or ""

    assert "4400" in content and "Sources:" not in content
    assert completion.choices[0].message.annotations  # the marks are still annotated


def test_a_streamed_completion_ends_with_the_sources_and_annotates_them(
    client: openai.OpenAI,
) -> None:
    chunks = list(
        client.chat.completions.create(
            model=MODEL_ID, messages=[{"role": "user", "content": FEE_QUESTION}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    [final] = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    annotations = (final.choices[0].delta.model_extra or {})["annotations"]

    assert "\n\nSources:\n[1] " in text
    assert all(text[a["url_citation"]["start_index"]] == "[" for a in annotations)


# --- max_tokens and usage, counted as OpenAI counts them (cl100k_base) -----------------------


def test_max_tokens_cuts_the_message_with_finish_reason_length(client: openai.OpenAI) -> None:
    from assistant.web.api.tokens import count_tokens

    whole = client.chat.completions.create(
        model=MODEL_ID, messages=[{"role": "user", "content": FEE_QUESTION}]
    )
    cut = client.chat.completions.create(
        model=MODEL_ID, messages=[{"role": "user", "content": FEE_QUESTION}], max_tokens=12
    )
    whole_text, cut_text = whole.choices[0].message.content or "", cut.choices[0].message.content

    assert cut.choices[0].finish_reason == "length"
    assert cut_text and whole_text.startswith(cut_text) and len(cut_text) < len(whole_text)
    assert count_tokens(cut_text) <= 12
    assert cut.usage is not None and cut.usage.completion_tokens <= 12
    assert whole.usage is not None and whole.usage.completion_tokens == count_tokens(whole_text)


def test_a_streamed_completion_stops_at_max_completion_tokens(client: openai.OpenAI) -> None:
    from assistant.web.api.tokens import count_tokens

    chunks = list(
        client.chat.completions.create(
            model=MODEL_ID,
            messages=[{"role": "user", "content": FEE_QUESTION}],
            max_completion_tokens=12,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    [final] = [c for c in chunks if c.choices and c.choices[0].finish_reason]

    assert final.choices[0].finish_reason == "length"
    assert text and count_tokens(text) <= 12
    assert (final.model_extra or {})["citations"]  # the sources still reach the client
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == count_tokens(text)


def test_langchain_max_tokens_reaches_the_assistant(base_url: str) -> None:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    model = ChatOpenAI(
        base_url=base_url,
        api_key=SecretStr("not-needed"),
        model=MODEL_ID,
        max_retries=0,
        max_tokens=12,
    )
    reply = model.invoke(FEE_QUESTION)

    assert reply.response_metadata["finish_reason"] == "length"
    assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] <= 12


def test_a_negative_max_tokens_is_refused_naming_the_field(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=MODEL_ID, messages=[{"role": "user", "content": FEE_QUESTION}], max_tokens=0
        )

    assert caught.value.param == "max_tokens"
