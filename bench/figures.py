"""Summary statistics, the targets the figures are held to, and the final table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linearly interpolated; NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Latencies:
    """Seconds per answer, summarised."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latencies:
        mean = sum(seconds) / len(seconds) if seconds else math.nan
        return cls(
            len(seconds),
            percentile(seconds, 50),
            percentile(seconds, 95),
            percentile(seconds, 99),
            mean,
        )


@dataclass(frozen=True)
class Row:
    """One line of the final table: a figure, its baseline counterpart, its target and verdict."""

    figure: str
    ours: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None  # None: no target, or nothing measured

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: ""}[self.met]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds:.2f} s"


def ratio(ours: float, baseline: float) -> str:
    if math.isnan(ours) or math.isnan(baseline) or baseline <= 0:
        return ""
    return f"{ours / baseline:.2f}x"


def growth_exponent(points: Sequence[tuple[int, float]]) -> float:
    """k in time ~ size**k between the smallest and the largest size (1 is linear)."""
    usable = sorted((size, t) for size, t in points if size > 0 and t > 0 and not math.isnan(t))
    if len(usable) < 2 or usable[0][0] == usable[-1][0]:
        return math.nan
    (small, t_small), (large, t_large) = usable[0], usable[-1]
    return math.log(t_large / t_small) / math.log(large / small)


def render_table(rows: Sequence[Row]) -> str:
    header = ("Figure", "Ours", "Baseline", "Ours/base", "Target", "Verdict")
    cells = [header] + [(r.figure, r.ours, r.baseline, r.ratio, r.target, r.verdict) for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|-" + "-|-".join("-" * w for w in widths) + "-|"
    return "\n".join([line(header), rule, *(line(c) for c in cells[1:])])
