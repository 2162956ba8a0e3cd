"""Train the small-talk detector (``assistant/models/small-talk/``): ``python -m
training.small_talk``.

Whether a short message asks nothing about the programmes (a greeting, thanks, a goodbye, a
question announced but not asked, "are you a bot?") is learnt from data rather than from a list:

- small talk: ``training/data/small-talk/small-talk.jsonl`` (written for this, greetings and
  thanks in many voices, Dutch included), the greetings and thanks of
  ``lists.yaml`` there, and the asks of the reader's training messages labelled
  small talk;
- asks: ``training/data/small-talk/asks.jsonl`` (greetings and thanks wrapped around a question,
  very terse asks), the asks of ``lists.yaml``, and every other ask of the reader's training
  messages of at most ``SMALL_TALK_WORDS`` words (the assistant reads each ask of a message on
  its own).

A logistic regression reads the message's MiniLM vector (the retriever's model, as at run time);
a second one, trained on the small talk whose kind is known, tells thanks and goodbyes from
greetings.
Validation is by writer: the reader's validation writers' messages and a quarter of the
small-talk file are never trained on. The threshold is the lowest probability at which at most
``MAX_ASKS_TAKEN`` of the validation asks would be taken for small talk: answering a question
with "Hello!" is worse than answering a greeting with a decline.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.answering.wording.small_talk import MODEL_FILE, SMALL_TALK_WORDS
from assistant.config import apply_offline_environment
from assistant.tables import read_lists
from training.questions import VALIDATION_WRITERS, load_records, writer

logger = logging.getLogger("training.small_talk")

DATA_DIR = Path(__file__).resolve().parent / "data" / "small-talk"
LISTS_FILE = "lists.yaml"  # the first examples: greetings, thanks, and asks close to them
MAX_ASKS_TAKEN = 0.005  # validation asks that may be taken for small talk
VALIDATION_SHARE = 0.25  # of the small-talk file, never trained on


def labelled_messages(seed: int) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(text, 1 for small talk) pairs for training and for validation."""
    rng = random.Random(seed)
    train: list[tuple[str, int]] = []
    held: list[tuple[str, int]] = []
    for name, label in (("small-talk.jsonl", 1), ("asks.jsonl", 0)):
        texts = [item["text"] for item in written(name)]
        rng.shuffle(texts)
        cut = round(len(texts) * VALIDATION_SHARE)
        held += [(text, label) for text in texts[:cut]]
        train += [(text, label) for text in texts[cut:]]
    lists = read_lists(LISTS_FILE, DATA_DIR)
    train += [(text, 1) for kind in ("greeting", "thanks") for text in lists[kind]]
    train += [(text, 0) for text in lists["asks"]]
    for record in load_records():  # each ask on its own, as the assistant reads it
        pairs = [
            (ask.text, int(ask.gap == "small talk"))
            for ask in record.asks
            if len(ask.text.split()) <= SMALL_TALK_WORDS
        ]
        (held if writer(record) in VALIDATION_WRITERS else train).extend(pairs)
    return _unique(train), _unique(held)


def kinds_of_small_talk() -> list[tuple[str, int]]:
    """(text, 1 for thanks or a goodbye, 0 for a greeting) of the small talk whose kind is
    known: the small-talk file and the lists of ``lists.yaml``."""
    pairs = [(item["text"], int(item["kind"] == "thanks")) for item in written("small-talk.jsonl")]
    lists = read_lists(LISTS_FILE, DATA_DIR)
    pairs += [
        (text, int(kind == "thanks")) for kind in ("greeting", "thanks") for text in lists[kind]
    ]
    return _unique(pairs)


def written(name: str) -> list[dict[str, str]]:
    """The messages of one file of the writer's (``kind`` and ``text`` each)."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _unique(pairs: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    return list(dict.fromkeys(pairs))


def threshold_for(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The lowest probability at which at most ``MAX_ASKS_TAKEN`` of the asks are taken."""
    asks = sorted((s for s, y in zip(scores, labels, strict=True) if y == 0), reverse=True)
    allowed = int(len(asks) * MAX_ASKS_TAKEN)
    return min(1.0, asks[allowed] + 1e-6) if len(asks) > allowed else 0.5


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    apply_offline_environment()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from assistant.config import get_settings
    from assistant.documents.embeddings import get_embeddings

    started = time.perf_counter()
    train, held = labelled_messages(args.seed)
    embed = get_embeddings(get_settings()).embed_documents

    def vectors(pairs: Sequence[tuple[str, int]]) -> np.ndarray:
        return np.asarray(embed([text for text, _ in pairs]), dtype=np.float32)

    greetings = kinds_of_small_talk()
    kind = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    kind.fit(vectors(greetings), [y for _, y in greetings])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(vectors(train), [y for _, y in train])
    labels = [y for _, y in held]
    scores = model.predict_proba(vectors(held))[:, 1].tolist()
    threshold = threshold_for(scores, labels)
    chat = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    asks = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    card = {
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
        "thanks_weights": [round(float(w), 6) for w in kind.coef_[0]],
        "thanks_bias": round(float(kind.intercept_[0]), 6),
        "threshold": round(threshold, 4),
        "max_words": SMALL_TALK_WORDS,
        "seed": args.seed,
        "trained_on": {
            "small_talk": sum(y for _, y in train),
            "asks": len(train) - sum(y for _, y in train),
        },
        "validation": {
            "small_talk": len(chat),
            "asks": len(asks),
            "small_talk_found": round(sum(s >= threshold for s in chat) / len(chat), 4),
            "asks_taken": round(sum(s >= threshold for s in asks) / len(asks), 4),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    logger.info(
        "small talk: %s, trained in %.0f s",
        json.dumps(card["validation"]),
        time.perf_counter() - started,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
