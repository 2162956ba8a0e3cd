"""How the chat shows an answer's sources: one fold under the answer, the programme named once."""

from __future__ import annotations

from assistant.answering.answer import Citation
from assistant.web.ui_text import sources_message

BME = "Postgraduate Programme in Biomedical Engineering"
FEE = Citation("kul-bme", BME, "non-EEA student: 4400 euro", "4. Admission > Tuition fee")
DEADLINE = Citation("kul-bme", BME, "1 March for applications of non-EEA citizens", "Deadlines")
LEIDEN = Citation("leiden", "Master Biomedical Sciences", "€18,016.00 per year", "Tuition fees")


def test_sources_of_one_programme_fold_under_a_title_that_names_it_once() -> None:
    message = sources_message([FEE, DEADLINE])

    assert message["metadata"] == {"title": f"Sources (2) · {BME}", "status": "done"}
    assert BME not in message["content"]
    assert message["content"].startswith("[1] [Tuition fee](/api/documents/kul-bme?quote=")
    assert "\n> non-EEA student: 4400 euro" in message["content"]
    assert "[2] [Deadlines](" in message["content"]


def test_sources_of_several_programmes_name_each_document_by_its_line() -> None:
    message = sources_message([FEE, LEIDEN])

    assert message["metadata"]["title"] == "Sources (2)"
    assert f"[1] [{BME}](" in message["content"] and " · Tuition fee" in message["content"]
    assert "[2] [Master Biomedical Sciences](" in message["content"]


def test_a_title_with_markup_shows_as_text_in_the_fold() -> None:
    message = sources_message([Citation("x", "Title <img src=x>", "a quote", "")])

    assert message["metadata"]["title"] == "Sources (1) · Title \\<img src=x>"
    assert message["content"].startswith("[1] [Title \\<img src=x\\>](")
