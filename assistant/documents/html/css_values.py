"""CSS values as numbers: lengths (with ``calc``/``min``/``max``/``clamp``), angles and colours.

Everything is computed for one reference screen (``VIEWPORT_W`` x ``VIEWPORT_H`` pixels, 16px
text); a value that cannot be computed without layout comes back as ``None``, and callers treat
``None`` as "not understood".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

DEFAULT_FONT_PX = 16.0
VIEWPORT_W = 1280.0
VIEWPORT_H = 800.0

_ABSOLUTE_PX = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 9.6 / 2.54}
_ABSOLUTE_PX["q"] = _ABSOLUTE_PX["mm"] / 4
_ANGLE_DEG = {"deg": 1.0, "grad": 0.9, "rad": 180 / math.pi, "turn": 360.0}
_SYSTEM_COLOURS = {"canvas": 1.0, "canvastext": 0.0, "field": 1.0, "fieldtext": 0.0}


@functools.lru_cache(maxsize=4096)
def tokens(value: str) -> tuple[Any, ...]:
    """The component values of ``value``, without whitespace and comments."""
    import tinycss2

    found = tinycss2.parse_component_value_list(value, skip_comments=True)
    return tuple(t for t in found if t.type != "whitespace")


def arguments(function: Any) -> list[list[Any]]:
    """A function token's arguments, split at top-level commas, without whitespace."""
    groups: list[list[Any]] = [[]]
    for t in function.arguments:
        if t.type == "literal" and t.value == ",":
            groups.append([])
        elif t.type not in ("whitespace", "comment"):
            groups[-1].append(t)
    return groups


def length_px(
    value: str, font_px: float = DEFAULT_FONT_PX, percent_of: float = 0.0
) -> float | None:
    """A length in pixels; a percentage counts as that share of ``percent_of`` pixels."""
    parts = tokens(value)
    return token_px(parts[0], font_px, percent_of) if len(parts) == 1 else None


def token_px(token: Any, font_px: float = DEFAULT_FONT_PX, percent_of: float = 0.0) -> float | None:
    """One component value (a dimension, percentage, 0, or a math function) in pixels."""
    kind = token.type
    if kind == "number":
        return float(token.value) if token.value == 0 else None
    if kind == "percentage":
        return float(token.value) * percent_of / 100
    if kind == "dimension":
        return _unit_px(float(token.value), token.lower_unit, font_px)
    if kind == "function" and token.lower_name in ("calc", "min", "max", "clamp"):
        groups = arguments(token)
        values = [_expression(g, font_px, percent_of) for g in groups]
        if any(v is None for v in values):
            return None
        known = [v for v in values if v is not None]
        if token.lower_name == "calc" and len(known) == 1:
            return known[0]
        if token.lower_name == "min" and known:
            return min(known)
        if token.lower_name == "max" and known:
            return max(known)
        if token.lower_name == "clamp" and len(known) == 3:
            return max(known[0], min(known[1], known[2]))
    if kind == "() block":
        return _expression(
            [t for t in token.content if t.type != "whitespace"], font_px, percent_of
        )
    return None


def _unit_px(number: float, unit: str, font_px: float) -> float | None:
    if unit in _ABSOLUTE_PX:
        return number * _ABSOLUTE_PX[unit]
    if unit in ("em", "cap", "ic"):
        return number * font_px
    if unit in ("ex", "ch"):
        return number * font_px / 2
    if unit == "lh":
        return number * font_px * 1.2
    if unit in ("rem", "rlh"):
        return number * DEFAULT_FONT_PX * (1.2 if unit == "rlh" else 1.0)
    base = unit.lstrip("sld")  # svw, lvh, dvmin...: the viewport units of a fixed screen
    sizes = {"vw": VIEWPORT_W, "vi": VIEWPORT_W, "cqw": VIEWPORT_W, "cqi": VIEWPORT_W}
    sizes |= {"vh": VIEWPORT_H, "vb": VIEWPORT_H, "cqh": VIEWPORT_H, "cqb": VIEWPORT_H}
    sizes |= {"vmin": VIEWPORT_H, "vmax": VIEWPORT_W, "cqmin": VIEWPORT_H, "cqmax": VIEWPORT_W}
    return number * sizes[base] / 100 if base in sizes else None


def _expression(parts: Sequence[Any], font_px: float, percent_of: float) -> float | None:
    """``a + b * c - d`` inside calc(): products first, then sums."""
    terms: list[float] = []
    sign, pending = 1.0, None
    for t in parts:
        if t.type == "literal" and t.value in "+-*/":
            pending = t.value
            continue
        number = float(t.value) if t.type == "number" else token_px(t, font_px, percent_of)
        if number is None:
            return None
        if pending in ("*", "/") and terms:
            if pending == "/" and number == 0:
                return None
            terms[-1] = terms[-1] * number if pending == "*" else terms[-1] / number
        else:
            sign = -1.0 if pending == "-" else 1.0
            terms.append(sign * number)
        pending = None
    return sum(terms) if terms and pending is None else None


def number_or_percent(token: Any) -> float | None:
    """``0.5`` or ``50%`` as 0.5."""
    if token.type == "number":
        return float(token.value)
    if token.type == "percentage":
        return float(token.value) / 100
    return None


def angle_deg(token: Any) -> float | None:
    if token.type == "number" and token.value == 0:
        return 0.0
    if token.type == "dimension" and token.lower_unit in _ANGLE_DEG:
        return float(token.value) * _ANGLE_DEG[token.lower_unit]
    return None


def colour(value: str | Any) -> tuple[float, float] | None:
    """A colour as (relative luminance 0..1, alpha 0..1); None when it is not a known colour."""
    from tinycss2.color4 import parse_color

    if isinstance(value, str):
        parts = tokens(value)
        if len(parts) != 1:
            return None
        value = parts[0]
    if value.type == "ident" and value.lower_value in _SYSTEM_COLOURS:
        return _SYSTEM_COLOURS[value.lower_value], 1.0
    parsed = parse_color(value)
    if parsed is None or isinstance(parsed, str):
        return None
    return _luminance(parsed), parsed.alpha


def _luminance(parsed: Any) -> float:
    space = parsed.space
    if space in ("hsl", "hwb"):
        parsed, space = parsed.to("srgb"), "srgb"
    if space in ("lab", "lch"):
        return max(0.0, parsed.to("xyz-d50").coordinates[1])
    if space in ("oklab", "oklch"):
        return max(0.0, parsed.to("xyz-d65").coordinates[1])
    if space.startswith("xyz"):
        return max(0.0, parsed.coordinates[1] or 0.0)
    channels = [min(1.0, max(0.0, c or 0.0)) for c in parsed.coordinates]
    if space != "srgb-linear":  # srgb and the wide-gamut RGB spaces, read as sRGB
        channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(first: float, second: float) -> float:
    """The WCAG contrast ratio of two luminances, 1 (the same) to 21 (black on white)."""
    lighter, darker = max(first, second), min(first, second)
    return (lighter + 0.05) / (darker + 0.05)
