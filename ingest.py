"""Build or update the assistant's index from corpus/: `python ingest.py` (same as `assistant ingest`)."""

from __future__ import annotations

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
