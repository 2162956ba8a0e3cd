"""Train the model that says whether a question asks what a saved answer of the admissions
office answers (``assistant/models/saved-answers/``): ``python -m training.saved_answers``.

The data (``training/data/staff-answers/calibration*.jsonl``, one file per writer, written apart
from the evaluation files) holds saved questions with their answers, applicants' paraphrases of
each, and near misses that none of the writer's saved answers answers.

1. Every message is paired with its writer's ``CANDIDATES`` saved questions nearest in meaning
   (MiniLM, as at run time); a pair is right when the message paraphrases that saved question.
   For training, a paraphrase's own saved question is always among its pairs, and other
   paraphrases of the same record also stand in for the saved question.
2. A cross-encoder is fine-tuned from the shipped MiniLM on the training writers' pairs, read as
   the assistant reads them (``office_question`` and ``saved_passage``).
3. It is exported to ONNX and quantised to int8. On the validation writers (whole writers never
   trained on; never an evaluation file), the shipped model's threshold is the lowest at which at
   most ``MAX_TAKEN`` of the near misses take a saved answer and at most as many paraphrases take
   another's; the card reports what it finds (``--calibrate-only`` redoes only this step).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.answering.office import (
    CANDIDATES,
    MAX_LENGTH,
    MODEL_DIR,
    office_question,
    saved_passage,
)
from assistant.config import apply_offline_environment

logger = logging.getLogger("training.saved_answers")

DATA_DIR = Path(__file__).resolve().parent / "data" / "staff-answers"
VALIDATION_WRITERS = ("calibration-2", "calibration-5")
MAX_TAKEN = 0.05  # near misses that may take a saved answer on validation
REWORDED = 2  # per message: other paraphrases of its record read as if they were the saved question


@dataclass(frozen=True)
class Message:
    writer: str
    text: str  # as the model reads it
    saved: int  # the record it was written for
    paraphrase: bool  # it asks what that record answers (else a near miss)


@dataclass(frozen=True)
class Data:
    records: list[dict[str, Any]]
    passages: list[str]  # each record's saved question and answer, as the model reads them
    writers: list[str]  # each record's writer
    messages: list[Message]
    nearest: list[list[int]]  # per message: its writer's saved questions nearest in meaning


def load(folder: Path, embed: Callable[[list[str]], Sequence[Sequence[float]]]) -> Data:
    import numpy as np

    from assistant.understanding.language import detect_language
    from assistant.understanding.query import in_english

    records, writers = [], []
    for path in sorted(folder.glob("calibration*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
                writers.append(path.stem)
    messages = [
        Message(writers[n], office_question(in_english(text, detect_language(text))), n, kind)
        for n, record in enumerate(records)
        for kind, texts in ((True, record["paraphrases"]), (False, record["near_misses"]))
        for text in texts
    ]
    questions = np.asarray(embed([r["question"] for r in records]), dtype=np.float32)
    vectors = np.asarray(embed([m.text for m in messages]), dtype=np.float32)
    nearness = vectors @ questions.T
    nearest = []
    for row, message in enumerate(messages):
        own = [j for j in np.argsort(-nearness[row]) if writers[j] == message.writer]
        nearest.append(own[:CANDIDATES])
    passages = [saved_passage(r["question"], r["answer"]) for r in records]
    return Data(records, passages, writers, messages, nearest)


def training_pairs(
    data: Data, rows: Sequence[int], seed: int
) -> tuple[list[str], list[str], list[float]]:
    """Each message with its candidates, and with ``REWORDED`` other paraphrases of its own
    record standing in for the saved question (the office words its questions in many ways)."""
    rng = random.Random(seed)
    questions, passages, labels = [], [], []

    def pair(message: Message, passage: str, right: bool) -> None:
        questions.append(message.text)
        passages.append(passage)
        labels.append(float(right))

    for row in rows:
        message = data.messages[row]
        candidates = list(data.nearest[row])
        if message.paraphrase and message.saved not in candidates:
            candidates.append(message.saved)
        for j in candidates:
            pair(message, data.passages[j], message.paraphrase and j == message.saved)
        record = data.records[message.saved]
        others = [p for p in record["paraphrases"] if office_question(p) != message.text]
        for other in rng.sample(others, min(REWORDED, len(others))):
            pair(message, saved_passage(other, record["answer"]), message.paraphrase)
    return questions, passages, labels


@dataclass(frozen=True)
class Calibration:
    threshold: float
    paraphrases: int
    found: float  # paraphrases whose best candidate is their own saved answer, at the threshold
    given_another: float  # paraphrases whose best candidate, at the threshold, is another's
    near_misses: int
    taken: float  # near misses whose best candidate reaches the threshold
    candidate_recall: float  # paraphrases whose own saved question is among the candidates


def calibrate(
    data: Data, rows: Sequence[int], score: Callable[[str, list[str]], list[float]]
) -> Calibration:
    """The lowest threshold at which at most ``MAX_TAKEN`` of the near misses take a saved
    answer and at most as many paraphrases take another's (both are wrong answers)."""
    best: list[tuple[float, bool, bool]] = []  # (best probability, paraphrase, best is right)
    recalled = 0
    for row in rows:
        message = data.messages[row]
        candidates = data.nearest[row]
        probabilities = score(message.text, [data.passages[j] for j in candidates])
        top = max(range(len(candidates)), key=lambda i: probabilities[i])
        best.append((probabilities[top], message.paraphrase, candidates[top] == message.saved))
        recalled += message.paraphrase and message.saved in candidates
    near = [p for p, paraphrase, _ in best if not paraphrase]
    paraphrases = [(p, right) for p, paraphrase, right in best if paraphrase]
    wrong = [p for p, right in paraphrases if not right]

    def lowest_safe(values: list[float], count: int) -> float:
        ordered = sorted(values)
        allowed = int(MAX_TAKEN * count)  # of ``count`` messages, this many may reach it
        return ordered[len(ordered) - allowed - 1] + 1e-6 if len(ordered) > allowed else 0.0

    threshold = max(lowest_safe(near, len(near)), lowest_safe(wrong, len(paraphrases)))
    return Calibration(
        threshold=round(threshold, 6),
        paraphrases=len(paraphrases),
        found=sum(p >= threshold and right for p, right in paraphrases) / len(paraphrases),
        given_another=sum(p >= threshold for p in wrong) / len(paraphrases),
        near_misses=len(near),
        taken=sum(p >= threshold for p in near) / len(near),
        candidate_recall=recalled / len(paraphrases),
    )


def recalibrate(data: Data, held: Sequence[int], folder: Path) -> Calibration:
    """Calibrate the exported model in ``folder`` on the validation writers; rewrite its card."""
    from training.evaluation import onnx_scorer

    shipped = calibrate(data, held, onnx_scorer(folder))  # what ships decides
    card = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
    card.update(threshold=shipped.threshold, validation_int8=asdict(shipped))
    (folder / "reader.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    logger.info("validation (int8 ONNX): %s", shipped)
    return shipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the writers' files' folder")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training")
    parser.add_argument(
        "--calibrate-only",
        action="store_true",
        help="only recalibrate the model already in --out on the validation writers",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    logging.getLogger("training.reader").setLevel(logging.INFO)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    apply_offline_environment()
    started = time.perf_counter()

    from assistant.config import get_settings
    from assistant.documents.embeddings import get_embeddings
    from training.reader import export, fine_tune_pairs, log_cost, torch_scorer

    data = load(args.data, get_embeddings(get_settings()).embed_documents)
    held = [n for n, m in enumerate(data.messages) if m.writer in VALIDATION_WRITERS]
    train = [n for n, m in enumerate(data.messages) if m.writer not in VALIDATION_WRITERS]
    if not held:
        parser.error(f"no message of the validation writers {VALIDATION_WRITERS} in {args.data}")
    if args.calibrate_only:
        recalibrate(data, held, args.out)
        return 0
    questions, passages, labels = training_pairs(data, train, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        model = fine_tune_pairs(
            questions,
            passages,
            labels,
            args.seed,
            args.epochs,
            args.batch_size,
            Path(tmp),
            args.threads,
            MAX_LENGTH,
        )
        trained = time.perf_counter() - started
        logger.info("validation (torch): %s", calibrate(data, held, torch_scorer(model)))
        card: dict[str, object] = {
            "max_length": MAX_LENGTH,
            "input": "the asked question / saved question || its answer",
            "threshold": 0.5,
            "seed": args.seed,
            "trained_on": len(train),
            "writers": sorted(set(data.writers)),
            "validation_writers": list(VALIDATION_WRITERS),
        }
        export(model, args.out, card)
    recalibrate(data, held, args.out)
    log_cost(trained, started, args.out, logger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
