"""The embedding model: the shipped MiniLM through ONNX Runtime gives sentence-transformers'
vectors, is exported once, offline, and answering never loads torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.documents.embeddings import (
    OnnxEmbeddings,
    _sentence_transformers,
    default_model_path,
    exported,
    get_embeddings,
    mean_pooled,
)

TEXTS = [
    "fee?",
    "What is the full-time tuition fee for a non-EEA student in the BME postgraduate?",
    "Hoeveel kost het inschrijvingsgeld voor de master biomedische wetenschappen in Leiden?",
    # longer than the model reads (256 tokens): both cut it at the same place
    "The programme consists of compulsory courses and electives. " * 60,
    "",
]


@pytest.fixture(scope="module")
def sentence_transformers_vectors() -> np.ndarray:
    return np.array(_sentence_transformers(default_model_path(), 1).embed_documents(TEXTS))


def test_the_onnx_vectors_are_sentence_transformers_vectors(
    index_settings: Settings, sentence_transformers_vectors: np.ndarray
) -> None:
    embeddings = get_embeddings(index_settings)

    batched = np.array(embeddings.embed_documents(TEXTS))
    one_by_one = np.array([embeddings.embed_query(text) for text in TEXTS])

    assert isinstance(embeddings, OnnxEmbeddings)
    assert np.abs(batched - sentence_transformers_vectors).max() < 1e-5
    assert np.abs(one_by_one - sentence_transformers_vectors).max() < 1e-5
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_the_model_is_exported_once_and_a_half_finished_export_is_ignored(tmp_path: Path) -> None:
    model = Path(default_model_path())
    (tmp_path / ".export-interrupted").mkdir()  # a process killed while exporting

    folder = exported(model, tmp_path)
    made = (folder / "model.onnx").stat().st_mtime_ns

    assert exported(model, tmp_path) == folder
    assert (folder / "model.onnx").stat().st_mtime_ns == made
    assert json.loads((folder / "card.json").read_text())["max_length"] == 256


def test_answering_from_an_exported_model_loads_no_torch(index_settings: Settings) -> None:
    get_embeddings(index_settings)  # exported by now
    code = (
        "import sys\n"
        "from assistant.config import Settings\n"
        "from assistant.conversation.assistant import build_assistant\n"
        "settings = Settings(_env_file=None, store_dir=sys.argv[1], corpus_dir=sys.argv[2],\n"
        "    database_path=sys.argv[3], model_cache_dir=sys.argv[4])\n"
        "answer = build_assistant(settings).ask('What IELTS score do I need for Leiden?')\n"
        "print(answer.answered, '6.0' in answer.text, 'torch' in sys.modules)\n"
    )
    arguments = [
        str(index_settings.store_dir),
        str(index_settings.corpus_dir),
        str(index_settings.database_path),
        str(index_settings.model_cache_dir),
    ]
    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )

    assert result.stdout.split() == ["True", "True", "False"]


def test_a_model_pooled_otherwise_is_left_to_sentence_transformers(tmp_path: Path) -> None:
    model = Path(default_model_path())
    for path in model.iterdir():
        if path.name != "1_Pooling":
            (tmp_path / path.name).symlink_to(path)
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((model / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))

    assert mean_pooled(model)
    assert not mean_pooled(tmp_path)
    assert not mean_pooled(tmp_path / "missing")
