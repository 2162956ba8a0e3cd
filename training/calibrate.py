"""Recalibrate a trained reader's threshold, veto and sure levels on the validation writers'
messages, without training: ``python -m training.calibrate [--reader DIR] [--seed 13]``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from assistant.answering.reading.reader import DEFAULT_READER_DIR
from assistant.config import apply_offline_environment
from training.questions import VALIDATION_WRITERS, load_records, split_by_writer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", type=Path, default=DEFAULT_READER_DIR)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--sure-only",
        action="store_true",
        help="write only the sure level; the threshold and the veto stay as they are",
    )
    args = parser.parse_args(argv)
    apply_offline_environment()
    from training.evaluation import onnx_scorer, validate
    from training.examples import build_examples, indexed_assistant

    _, held_back = split_by_writer(load_records(), VALIDATION_WRITERS)
    with indexed_assistant() as assistant:
        examples = build_examples(assistant, held_back, args.seed, labelled_too=False)
    result = validate(examples, onnx_scorer(args.reader))
    card_path = args.reader / "reader.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["sure"] = result.sure
    if args.sure_only:
        card["validation_sure"] = asdict(result)
    else:
        card["threshold"] = result.threshold
        card["veto"] = result.veto
        card["validation_int8"] = asdict(result)
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
