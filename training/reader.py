"""Train the reader: ``python -m training.reader [--seed 13]``.

1. Index ``corpus/`` and the test bed's development pages together into a temporary store and
   read every training question as the assistant does (``training/examples.py``): the question
   with the programme it is asked about, and the retriever's candidate units with theirs.
2. Fine-tune a cross-encoder from the shipped MiniLM on (question, unit, answers?) pairs.
3. On the validation writers' messages (whole writers never trained on; never an eval file),
   calibrate the threshold at which the best unit's probability says the documents answer, the
   veto below which they are silent, and the level at which the reader is sure enough to answer
   where the rules find nothing.
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
from dataclasses import asdict
from pathlib import Path

from assistant.answering.reading.reader import DEFAULT_READER_DIR
from assistant.config import apply_offline_environment
from training.evaluation import validate
from training.examples import Example, build_examples, indexed_assistant
from training.questions import DATA_DIR, VALIDATION_WRITERS, load_records, split_by_writer

logger = logging.getLogger("training.reader")

MAX_LENGTH = 128
NEGATIVES_PER_ASK = 4  # hard negatives kept per ask (near misses always kept)


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


def fine_tune(
    examples: Sequence[Example],
    seed: int,
    epochs: float,
    batch_size: int,
    output: Path,
    threads: int = 2,
) -> object:
    questions, passages, labels = training_pairs(examples, seed)
    return fine_tune_pairs(
        questions, passages, labels, seed, epochs, batch_size, output, threads, MAX_LENGTH
    )


def fine_tune_pairs(
    questions: Sequence[str],
    passages: Sequence[str],
    labels: Sequence[float],
    seed: int,
    epochs: float,
    batch_size: int,
    output: Path,
    threads: int,
    max_length: int,
) -> object:
    """A cross-encoder fine-tuned from the shipped MiniLM on labelled (question, passage) pairs,
    positives weighted as much as all negatives together."""
    import torch
    from datasets import Dataset
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    from assistant.documents.embeddings import default_model_path

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    positive = sum(labels)
    logger.info("%d pairs, %d positive", len(labels), positive)
    model = CrossEncoder(default_model_path(), num_labels=1, max_length=max_length)
    model.tokenizer.truncation_side = "left"  # a long message keeps its question, at its end
    dataset = Dataset.from_dict(
        {"question": list(questions), "passage": list(passages), "label": list(labels)}
    )
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
    parser.add_argument("--epochs", type=float, default=1.0)
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
    train, held_back = split_by_writer(records, VALIDATION_WRITERS)
    if not held_back:
        parser.error(f"no message of the validation writers {VALIDATION_WRITERS} in {args.data}")
    if args.limit:  # a try: a sample of each side
        rng = random.Random(args.seed)
        train = rng.sample(train, min(args.limit, len(train)))
        held_back = rng.sample(held_back, min(max(args.limit // 8, 20), len(held_back)))
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
            "input": "question [programmes asked about] / section: unit [its programme]",
            "threshold": calibrated.threshold,
            "veto": calibrated.veto,
            "sure": calibrated.sure,
            "seed": args.seed,
            "trained_on": len(train),
            "validation_writers": list(VALIDATION_WRITERS),
            "validation_records": len(held_back),
            "validation": asdict(calibrated),
            "validation_question_bank": asdict(bank),
        }
        export(model, args.out, card)
    quantised = validate(held_examples, onnx_scorer(args.out))  # what ships decides
    card.update(threshold=quantised.threshold, veto=quantised.veto, sure=quantised.sure)
    card["validation_int8"] = asdict(quantised)
    (args.out / "reader.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    logger.info("validation (int8 ONNX): %s", quantised)
    log_cost(trained, started, args.out)
    return 0


def log_cost(trained: float, started: float, folder: Path, log: logging.Logger = logger) -> None:
    """How long training took, in all, and the size of the exported model (on ``log``: the
    logger of the training that calls it)."""
    log.info(
        "trained in %.0f s, %.0f s in all; model %.1f MB",
        trained,
        time.perf_counter() - started,
        (folder / "model.onnx").stat().st_size / 1e6,
    )


if __name__ == "__main__":
    raise SystemExit(main())
