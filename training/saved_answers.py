"""Train the model that says whether a question asks what a saved answer of the admissions
office answers (``assistant/models/saved-answers/model.json``).

The data (``training/data/staff-answers/calibration*.jsonl``, one file per writer, written apart
from the evaluation files) holds saved questions with their answers, applicants' paraphrases of
each and near misses it does not answer. For every message, its ``CANDIDATES`` nearest saved questions in meaning
are pairs: right when the message paraphrases that saved question. A logistic regression reads
``pair_features``. The threshold comes from cross-validation by writer (each writer's saved
questions and messages scored by a model fitted on the others' only: voices it has not read):
the lowest at which at most ``MAX_TAKEN`` of the near misses take an answer. The figures it
prints are those folds'; the shipped model is then fitted on all the data.

    python -m training.saved_answers
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answering.office import CANDIDATES, MODEL_DIR, pair_features
from assistant.config import get_settings
from assistant.documents.embeddings import get_embeddings
from assistant.understanding.language import detect_language
from assistant.understanding.query import in_english

DATA_DIR = Path(__file__).resolve().parent / "data" / "staff-answers"
MAX_TAKEN = 0.05


def english(text: str) -> str:
    """A message as the matcher reads it (``assistant.answering.office.asked_text``)."""
    return in_english(text, detect_language(text))


class Data:
    def __init__(self, records: list[dict[str, Any]], embed: Any) -> None:
        self.questions = np.asarray(embed([r["question"] for r in records]), dtype=np.float32)
        self.answers = np.asarray(embed([r["answer"] for r in records]), dtype=np.float32)
        self.messages = [
            (kind, index, english(text))
            for index, record in enumerate(records)
            for kind, texts in (("p", record["paraphrases"]), ("n", record["near_misses"]))
            for text in texts
        ]
        self.vectors = np.asarray(embed([m for _, _, m in self.messages]), dtype=np.float32)

    def pairs(self, saved: set[int]) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, bool]]]:
        """Features, labels and (message, kind, right saved question) of the pairs among
        ``saved``."""
        features, labels, meta = [], [], []
        nearness = self.vectors @ self.questions.T
        for row, (kind, index, _) in enumerate(self.messages):
            if index not in saved:
                continue
            nearest = [j for j in np.argsort(-nearness[row]) if j in saved][:CANDIDATES]
            for j in nearest:
                right = kind == "p" and j == index
                features.append(
                    pair_features(self.vectors[row], self.questions[j], self.answers[j])
                )
                labels.append(int(right))
                meta.append((row, kind, right))
        return np.asarray(features), np.asarray(labels), meta


def fitted(features: np.ndarray, labels: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=2000).fit(features, labels)


def cross_validated(data: Data, writers: list[str]) -> tuple[list[tuple[float, bool]], list[float]]:
    """Per paraphrase (best probability, whether it was its own saved question) and per near miss
    (best probability), each scored by a model fitted on the other writers' data only."""
    paraphrases: list[tuple[float, bool]] = []
    near_misses: list[float] = []
    count = len(writers)
    for writer in sorted(set(writers)):
        held = {i for i, w in enumerate(writers) if w == writer}
        model = fitted(*data.pairs(set(range(count)) - held)[:2])
        features, _, meta = data.pairs(held)
        best: dict[int, tuple[float, str, bool]] = {}
        for probability, (row, kind, right) in zip(
            model.predict_proba(features)[:, 1], meta, strict=True
        ):
            if row not in best or probability > best[row][0]:
                best[row] = (float(probability), kind, right)
        for probability, kind, right in best.values():
            if kind == "p":
                paraphrases.append((probability, right))
            else:
                near_misses.append(probability)
    return paraphrases, near_misses


def rates(
    threshold: float, paraphrases: list[tuple[float, bool]], near: list[float]
) -> tuple[float, float]:
    found = sum(p >= threshold and right for p, right in paraphrases) / len(paraphrases)
    return found, sum(p >= threshold for p in near) / len(near)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the writers' files' folder")
    args = parser.parse_args()
    files = sorted(args.data.glob("calibration*.jsonl"))
    records, writers = [], []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
                writers.append(path.stem)
    data = Data(records, get_embeddings(get_settings()).embed_documents)
    paraphrases, near = cross_validated(data, writers)
    threshold = next(
        t / 100 for t in range(5, 100) if rates(t / 100, paraphrases, near)[1] <= MAX_TAKEN
    )
    found, taken = rates(threshold, paraphrases, near)
    print(
        f"cross-validated by writer, {len(files)} writers (threshold {threshold:.2f}):"
        f" paraphrases given their answer {found:.1%}, near misses taking one {taken:.1%}"
    )
    model = fitted(*data.pairs(set(range(len(records))))[:2])
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    (MODEL_DIR / "model.json").write_text(
        json.dumps(
            {
                "weights": [round(float(w), 6) for w in model.coef_[0]],
                "bias": float(model.intercept_[0]),
                "threshold": threshold,
                "trained_on": [path.name for path in files],
                "cross_validated": {
                    "paraphrases_found": round(found, 4),
                    "near_misses_taken": round(taken, 4),
                },
            }
        ),
        encoding="utf-8",
    )
    print(f"model written to {MODEL_DIR / 'model.json'}")


if __name__ == "__main__":
    main()
