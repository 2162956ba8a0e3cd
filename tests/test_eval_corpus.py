"""``python -m eval --corpus DIR``: answers from any corpus folders through a temporary index, and
scores each document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.__main__ import main

EXTRA = """---
id: example-data-science-master
title: Master of Data Science (Example University)
institution: Example University
programme: Master of Data Science
kind: programme
aliases:
  - Example data science master
---

# Master of Data Science (Example University)

## Tuition fee

The tuition fee for the Master of Data Science is 2,750 euro per year for every student.
"""


@pytest.fixture
def extra_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "example-data-science-master.md").write_text(EXTRA, encoding="utf-8")
    return folder


def _cases(tmp_path: Path, *cases: dict[str, object]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(case) for case in cases) + "\n", encoding="utf-8")
    return path


def test_eval_answers_from_the_given_folders_together_and_scores_each_document(
    extra_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _cases(
        tmp_path,
        {
            "id": "extra-fee",
            "question": "What is the tuition fee of the Example University data science master?",
            "expect": {"facts": [["2,750"]], "sources": ["example-data-science-master"]},
        },
        {
            "id": "seed-fee-in-widget",
            "programme": "kul-biomedical-engineering-postgraduate",
            "question": "How much is the full-time fee for non-EEA students?",
            "expect": {"facts": [["4400"]], "sources": ["kul-biomedical-engineering-postgraduate"]},
        },
    )
    out = tmp_path / "results.json"

    status = main(
        ["--cases", str(cases), "--corpus", "corpus", "--corpus", str(extra_corpus), "-q",
         "--out", str(out)]
    )  # fmt: skip

    printed = capsys.readouterr().out
    assert status == 0
    by_document = json.loads(out.read_text(encoding="utf-8"))["summary"]["by_document"]
    assert by_document == {
        "example-data-science-master": {"cases": 1, "passed": 1, "accuracy": 1.0},
        "kul-biomedical-engineering-postgraduate": {"cases": 1, "passed": 1, "accuracy": 1.0},
    }
    assert "Document" in printed and "example-data-science-master" in printed


def test_eval_names_a_corpus_folder_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _cases(tmp_path, {"id": "c", "question": "What is the fee?"})

    status = main(["--cases", str(cases), "--corpus", str(tmp_path / "nowhere"), "-q"])

    assert status == 2
    assert "nowhere" in capsys.readouterr().err
