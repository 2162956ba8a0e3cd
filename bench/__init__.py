"""Performance figures for this machine: ``python -m bench`` (``--quick`` for a fast check).

Cold start, warm answer latency, HTTP throughput under concurrent clients, the serving process's
peak memory and ingest time as the corpus grows, each next to its target, with the plain
top-4-chunk baseline (``eval/baseline.py``) measured in the same run for latency and ingest.
All traffic stays on 127.0.0.1; every loop stops by itself, bounded in count and time.
"""
