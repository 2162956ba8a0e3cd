"""Train the reader: ``python -m training.reader [--seed 13]``.

1. Index ``corpus/`` into a temporary store and read every training question as the assistant
   does (``training/examples.py``): the question text and the retriever's candidate units.
2. Fine-tune a cross-encoder from the shipped MiniLM on (question, unit, answers?) pairs.
3. On the held-back validation split (never an eval file), calibrate the threshold at which the
   best unit's probability says the documents answer.
4. Export to ONNX, quantise to int8, check the quantised model against the validation split, and
   write ``assistant/models/reader/`` (model.onnx, tokenizer.json, reader.json).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.config import apply_offline_environment
from assistant.reader import DEFAULT_READER_DIR
from training.examples import Example, build_examples, indexed_assistant
from training.questions import DATA_DIR, load_records, split_records

logger = logging.getLogger("training.reader")

VALIDATION_SHARE = 0.12
MAX_LENGTH = 160
VETO_SHARE = 0.05  # answered validation questions the veto may decline
NEGATIVES_PER_ASK = 7  # hard negatives kept per ask (near misses always kept)


@dataclass(frozen=True)
class Validation:
    asks: int
    answerable: int
    auroc: float  # best unit's probability: answerable vs not
    top1: float  # answerable asks whose best unit is an answer
    threshold: float  # where telling answered from silent is right most often (balanced)
    veto: float  # the best probability that at most VETO_SHARE of answered questions fall below
    decision_accuracy: float  # answered with a right unit, or declined when silent
    refusal_recall: float
    answered_wrongly: float


def training_pairs(
    examples: Sequence[Example], seed: int
) -> tuple[list[str], list[str], list[float]]:
    rng = random.Random(seed)
    questions: list[str] = []
    passages: list[str] = []
    labels: list[float] = []
    for example in examples:
        positives = [c for c in example.candidates if c.label]
        negatives = [c for c in example.candidates if not c.label]
        near = [c for c in negatives if c.near]
        rest = [c for c in negatives if not c.near]
        rng.shuffle(rest)
        for candidate in positives + near + rest[: max(0, NEGATIVES_PER_ASK - len(near))]:
            questions.append(example.question)
            passages.append(candidate.passage)
            labels.append(float(candidate.label))
    order = list(range(len(labels)))
    rng.shuffle(order)
    return [questions[i] for i in order], [passages[i] for i in order], [labels[i] for i in order]


class LengthGroupedBatches:
    """Batches of pairs of similar length (less padding: about twice as fast on a CPU), in a
    seeded random order; a new order each epoch."""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int) -> None:
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        rng = random.Random(self.seed + self.epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        window = self.batch_size * 50
        batches: list[list[int]] = []
        for start in range(0, len(order), window):
            part = sorted(order[start : start + window], key=lambda i: self.lengths[i])
            batches.extend(
                part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)
            )
        rng.shuffle(batches)
        return iter(batches)


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def validate(
    examples: Sequence[Example],
    score: Callable[[str, list[str]], list[float]],
    threshold: float | None = None,
) -> Validation:
    """Score the run-time candidates of each validation ask; choose (or apply) the threshold that
    gets the most asks right: answered with a right unit, or declined when no unit answers."""
    best: list[tuple[float, bool, bool]] = []  # (best probability, answerable, best is right)
    for example in examples:
        candidates = list(example.candidates)
        probabilities = (
            score(example.question, [c.passage for c in candidates]) if candidates else []
        )
        if probabilities:
            top = max(range(len(candidates)), key=lambda i: probabilities[i])
            best.append((probabilities[top], example.answerable, bool(candidates[top].label)))
        else:
            best.append((0.0, example.answerable, False))

    def outcome(t: float) -> tuple[float, float, float]:
        right = sum((p >= t and good) if answerable else p < t for p, answerable, good in best)
        silent = [p for p, answerable, _ in best if not answerable]
        answered = [(answerable, good) for p, answerable, good in best if p >= t]
        return (
            right / len(best),
            sum(p < t for p in silent) / max(len(silent), 1),
            sum(not good for _, good in answered) / max(len(answered), 1),
        )

    def balanced(t: float) -> float:
        """Whether the documents answer, told right, with both kinds of question weighing alike."""
        answered = [p >= t for p, answerable, _ in best if answerable]
        silent = [p < t for p, answerable, _ in best if not answerable]
        return (sum(answered) / max(len(answered), 1) + sum(silent) / max(len(silent), 1)) / 2

    if threshold is None:
        grid = [i / 100 for i in range(5, 96)]
        threshold = max(grid, key=lambda t: (balanced(t), -abs(t - 0.5)))
    accuracy, recall, wrong = outcome(threshold)
    answered_best = sorted(p for p, answerable, _ in best if answerable)
    veto = answered_best[int(VETO_SHARE * len(answered_best))] if answered_best else 0.0
    answerable = [good for _, a, good in best if a]
    return Validation(
        asks=len(best),
        answerable=len(answerable),
        auroc=auroc([p for p, _, _ in best], [a for _, a, _ in best]),
        top1=sum(answerable) / max(len(answerable), 1),
        threshold=threshold,
        veto=round(veto, 4),
        decision_accuracy=accuracy,
        refusal_recall=recall,
        answered_wrongly=wrong,
    )


def fine_tune(
    examples: Sequence[Example],
    seed: int,
    epochs: float,
    batch_size: int,
    output: Path,
    threads: int = 2,
) -> object:
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    from assistant.embeddings import default_model_path

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    questions, passages, labels = training_pairs(examples, seed)
    positive = sum(labels)
    logger.info("%d pairs, %d positive", len(labels), positive)
    model = CrossEncoder(default_model_path(), num_labels=1, max_length=MAX_LENGTH)
    model.tokenizer.truncation_side = "left"  # a long message keeps its question, at its end
    dataset = Dataset.from_dict({"question": questions, "passage": passages, "label": labels})
    lengths = [len(q) + len(p) for q, p in zip(questions, passages, strict=True)]

    def grouped(data: object, batch_size: int, **_: object) -> LengthGroupedBatches:
        return LengthGroupedBatches(lengths, batch_size, seed)

    loss = BinaryCrossEntropyLoss(
        model, pos_weight=torch.tensor((len(labels) - positive) / max(positive, 1))
    )
    args = CrossEncoderTrainingArguments(
        output_dir=str(output / "checkpoints"),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=4e-5,
        warmup_ratio=0.1,
        weight_decay=0.01,
        seed=seed,
        data_seed=seed,
        save_strategy="no",
        logging_steps=50,
        report_to="none",
        dataloader_num_workers=0,
        batch_sampler=grouped,
        use_cpu=True,
    )
    CrossEncoderTrainer(model=model, args=args, train_dataset=dataset, loss=loss).train()
    return model


def torch_scorer(model: object) -> Callable[[str, list[str]], list[float]]:
    def score(question: str, passages: list[str]) -> list[float]:
        return [float(p) for p in model.predict([(question, p) for p in passages], batch_size=64)]  # type: ignore[attr-defined]

    return score


def export(model: object, folder: Path, card: dict[str, object]) -> None:
    """ONNX (the legacy exporter: no extra packages), int8 weights per channel, the tokenizer,
    the card."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder.mkdir(parents=True, exist_ok=True)
    network = model[0].model  # type: ignore[index]
    network.eval()
    tokenizer = model.tokenizer  # type: ignore[attr-defined]
    sample = tokenizer(["a question"], ["a passage"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "model.onnx"
        torch.onnx.export(
            network,
            tuple(sample[name] for name in names),
            str(full),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(full),
            str(folder / "model.onnx"),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Gemm", "Gather"],
            per_channel=True,  # a scale per output column: nearly the full-precision ranking
        )
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "reader.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_READER_DIR)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training")
    parser.add_argument("--limit", type=int, default=0, help="use only this many records (a try)")
    parser.add_argument(
        "--keep-model",
        type=Path,
        default=None,
        help="also save the fine-tuned model (full precision) here",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    apply_offline_environment()
    started = time.perf_counter()

    from training.evaluation import onnx_scorer

    records = load_records(args.data)
    if args.limit:
        records = random.Random(args.seed).sample(records, min(args.limit, len(records)))
    train, held_back = split_records(records, VALIDATION_SHARE, args.seed)
    with indexed_assistant() as assistant, tempfile.TemporaryDirectory() as tmp:
        train_examples = build_examples(assistant, train, args.seed)
        held_examples = build_examples(assistant, held_back, args.seed, labelled_too=False)
        logger.info(
            "%d training asks from %d records, %d validation asks; %.0f s",
            len(train_examples),
            len(train),
            len(held_examples),
            time.perf_counter() - started,
        )
        from training.bank import validate_bank

        bank = validate_bank(
            train_examples, held_examples, assistant.retriever.embeddings.embed_documents
        )
        logger.info("validation (question bank): %s", bank)
        model = fine_tune(
            train_examples, args.seed, args.epochs, args.batch_size, Path(tmp), args.threads
        )
        trained = time.perf_counter() - started
        if args.keep_model:
            model.save(str(args.keep_model))  # type: ignore[attr-defined]
        calibrated = validate(held_examples, torch_scorer(model))
        logger.info("validation (torch): %s", calibrated)
        card = {
            "max_length": MAX_LENGTH,
            "threshold": calibrated.threshold,
            "veto": calibrated.veto,
            "seed": args.seed,
            "trained_on": len(train),
            "validation": asdict(calibrated),
            "validation_question_bank": asdict(bank),
        }
        export(model, args.out, card)
    quantised = validate(held_examples, onnx_scorer(args.out))  # what ships decides
    card.update(threshold=quantised.threshold, veto=quantised.veto)
    card["validation_int8"] = asdict(quantised)
    (args.out / "reader.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    logger.info("validation (int8 ONNX): %s", quantised)
    logger.info(
        "trained in %.0f s, %.0f s in all; model %.1f MB",
        trained,
        time.perf_counter() - started,
        (args.out / "model.onnx").stat().st_size / 1e6,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
