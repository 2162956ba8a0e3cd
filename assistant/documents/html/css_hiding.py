"""Which CSS property values may hide an element and everything in it.

Each check receives the element's computed value and its whole computed style, and says whether
the element may be out of sight; a value it does not understand counts as hiding.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any

from assistant.documents.html.css_values import (
    angle_deg,
    arguments,
    length_px,
    number_or_percent,
    token_px,
    tokens,
)

NEAR_PX, FAR_PX = -500.0, 3000.0  # a box moved further than this left/up, or away, is off-screen
BOX_PX = 500.0  # the size a percentage of an element's own box is taken from
MIN_SHOWN = 0.2  # an opacity, scale or cosine below this leaves too little to read
DISPLAYED = {
    "block", "inline", "run-in", "flow", "flow-root", "table", "flex", "grid", "ruby", "math",
    "list-item", "contents", "inline-block", "inline-table", "inline-flex", "inline-grid",
    "table-row-group", "table-header-group", "table-footer-group", "table-row", "table-cell",
    "table-column-group", "table-column", "table-caption", "ruby-base", "ruby-text",
    "ruby-base-container", "ruby-text-container", "-webkit-box", "-webkit-inline-box",
    "-ms-flexbox", "-webkit-flex", "-ms-inline-flexbox", "-webkit-inline-flex", "legacy",
}  # fmt: skip
Style = dict[str, str]
SIZES = {"left", "top", "right", "bottom", "inset", "height", "max-height", "width", "max-width"}
SIZES |= {"block-size", "inline-size", "line-height"}  # read by the checks beside their property


def hides_by_style(style: Style) -> bool:
    """Whether any property in ``style`` may keep the element out of sight."""
    return _hides(tuple(sorted((p, v) for p, v in style.items() if p in CHECKS or p in SIZES)))


@functools.lru_cache(maxsize=4096)
def _hides(items: tuple[tuple[str, str], ...]) -> bool:
    style = dict(items)
    return any(check(value, style) for prop, check in CHECKS.items() if (value := style.get(prop)))


def _display(value: str, style: Style) -> bool:
    return not set(value.split()) <= DISPLAYED


def _keyword(*allowed: str) -> Callable[[str, Style], bool]:
    return lambda value, style: value not in allowed


def _opacity(value: str, style: Style) -> bool:
    parts = tokens(value)
    shown = number_or_percent(parts[0]) if len(parts) == 1 else None
    return shown is None or shown < MIN_SHOWN


def _offset(value: str, percent_of: float = 1000.0) -> bool:
    """A length that moves a box off-screen (or cannot be read)."""
    if value in ("auto", "normal", "none"):
        return False
    px = length_px(value, percent_of=percent_of)
    return px is None or px <= NEAR_PX or px >= FAR_PX


def _positioned(value: str, style: Style) -> bool:
    if value == "static":
        return False
    sides = [style.get(s, "auto") for s in ("left", "top", "right", "bottom")]
    sides += [t.serialize() for t in tokens(style.get("inset", "auto"))]
    return any(_offset(side) for side in sides)


def _margin(value: str, style: Style) -> bool:
    return any(_offset(t.serialize()) for t in tokens(value))


def _text_indent(value: str, style: Style) -> bool:
    lengths = [t.serialize() for t in tokens(value) if t.type != "ident"]
    return any(_offset(v) or abs(length_px(v, percent_of=1000.0) or 0) >= -NEAR_PX for v in lengths)


def _clips(value: str, style: Style) -> bool:
    """A clipping box too small for its content: ``height:0;overflow:hidden`` and kin."""
    overflow = " ".join(style.get(p, "") for p in ("overflow", "overflow-x", "overflow-y"))
    contain = style.get("contain", "")
    if not any(w in overflow for w in ("hidden", "clip", "auto", "scroll")) and not any(
        w in contain for w in ("paint", "strict", "content")
    ):
        return False
    sizes = [
        style.get(p)
        for p in ("height", "max-height", "width", "max-width", "block-size", "inline-size")
    ]
    if "height" not in style and any(w in contain for w in ("size", "strict")):
        return True
    line = style.get("line-height")
    if "height" not in style and line is not None and line != "normal":
        sizes.append(line if tokens(line) and tokens(line)[0].type != "number" else f"{line}em")
    for size in sizes:
        if size is None or size in (
            "auto",
            "none",
            "fit-content",
            "min-content",
            "max-content",
            "stretch",
            "-webkit-fill-available",
        ):
            continue
        px = length_px(size, percent_of=1000.0)
        if px is None or px <= 1:
            return True
    return False


def _clip(value: str, style: Style) -> bool:
    parts = tokens(value)
    if value == "auto":
        return False
    if len(parts) != 1 or parts[0].type != "function" or parts[0].lower_name != "rect":
        return True
    edges = [t for t in parts[0].arguments if t.type not in ("whitespace", "literal")]
    px = [None if e.type == "ident" else token_px(e) for e in edges]
    if len(edges) != 4 or any(
        p is None and e.type != "ident" for p, e in zip(px, edges, strict=True)
    ):
        return True
    top, right, bottom, left = (
        p if p is not None else d for p, d in zip(px, (0, 1e9, 1e9, 0), strict=True)
    )
    return right - left <= 1 or bottom - top <= 1


def _clip_path(value: str, style: Style) -> bool:
    boxes = {
        "none",
        "margin-box",
        "border-box",
        "padding-box",
        "content-box",
        "fill-box",
        "stroke-box",
        "view-box",
    }
    shapes = [t for t in tokens(value) if not (t.type == "ident" and t.lower_value in boxes)]
    if not shapes:
        return False
    if len(shapes) != 1 or shapes[0].type != "function":
        return True
    shape, args = shapes[0].lower_name, arguments(shapes[0])

    def share(token: Any) -> float | None:  # a length as a percentage of the box
        px = token_px(token, percent_of=BOX_PX)
        return None if px is None else px * 100 / BOX_PX

    if shape == "inset":
        values = [share(t) for t in itertools.takewhile(lambda t: t.type != "ident", args[0])]
        if not 1 <= len(values) <= 4 or None in values:
            return True
        top, right, bottom, left = (float(v or 0) for v in _four_sides(values))
        return top + bottom >= 95 or left + right >= 95
    if shape in ("circle", "ellipse"):
        radii = itertools.takewhile(
            lambda t: not (t.type == "ident" and t.lower_value == "at"), args[0]
        )
        values = [share(t) for t in radii if t.type != "ident"]
        return None in values or any((v or 0) < 5 for v in values)
    if shape == "polygon":
        points = [[share(t) for t in group if t.type != "ident"] for group in args]
        if any(len(p) != 2 or None in p for p in points):
            return True
        xs, ys = [p[0] or 0.0 for p in points], [p[1] or 0.0 for p in points]
        area = abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(points)))) / 2
        return area < 100
    return True


def _four_sides(values: list[Any]) -> list[Any]:
    """``a``, ``a b``, ``a b c`` or ``a b c d`` as top, right, bottom, left."""
    return [
        values[0],
        values[1 % len(values)],
        values[2 % len(values) if len(values) != 2 else 0],
        values[-1 if len(values) != 3 else 1],
    ]


def _transform(value: str, style: Style) -> bool:
    if value == "none":
        return False
    return any(_function_hides(t) for t in tokens(value)) or not all(
        t.type == "function" for t in tokens(value)
    )


def _function_hides(function: Any) -> bool:
    name, args = function.lower_name, [t for g in arguments(function) for t in g]
    if name.startswith("translate"):
        return any(_offset(t.serialize(), percent_of=BOX_PX) for t in args)
    if name.startswith("scale"):
        factors = [number_or_percent(t) for t in (args[:2] if name != "scaley" else args[:1])]
        return None in factors or any(abs(f or 0) < MIN_SHOWN for f in factors)
    if name in ("rotate", "rotatez", "perspective"):
        return False
    if name in ("rotatex", "rotatey", "rotate3d", "skew", "skewx", "skewy"):
        angles = [angle_deg(t) for t in args if t.type != "number" or name != "rotate3d"]
        return None in angles or any(
            abs(math.cos(math.radians(a or 0))) < MIN_SHOWN for a in angles
        )
    if name == "matrix" and len(args) == 6 and all(t.type == "number" for t in args):
        a, b, c, d, e, f = (float(t.value) for t in args)
        return abs(a * d - b * c) < MIN_SHOWN**2 or any(v <= NEAR_PX or v >= FAR_PX for v in (e, f))
    return True


def _scale(value: str, style: Style) -> bool:
    factors = [number_or_percent(t) for t in tokens(value)[:2]]
    return value != "none" and (None in factors or any(abs(f or 0) < MIN_SHOWN for f in factors))


def _rotate(value: str, style: Style) -> bool:
    parts = tokens(value)
    if value == "none" or (len(parts) == 1 and angle_deg(parts[0]) is not None):
        return False
    if len(parts) == 2 and parts[0].type == "ident" and parts[0].lower_value == "z":
        return angle_deg(parts[1]) is None
    angle = angle_deg(parts[-1]) if parts else None
    return angle is None or abs(math.cos(math.radians(angle))) < MIN_SHOWN


def _translate(value: str, style: Style) -> bool:
    return value != "none" and any(_offset(t.serialize(), percent_of=BOX_PX) for t in tokens(value))


def _filter(value: str, style: Style) -> bool:
    if value == "none":
        return False
    return any(t.type != "function" or _filter_hides(t) for t in tokens(value))


def _filter_hides(function: Any) -> bool:
    name, args = function.lower_name, [t for g in arguments(function) for t in g]
    if name in ("grayscale", "sepia", "saturate", "hue-rotate", "drop-shadow"):
        return False
    if name == "blur":
        radius = token_px(args[0]) if args else 0.0
        return radius is None or radius > 4
    amount = number_or_percent(args[0]) if args else 1.0
    if amount is None or name not in ("opacity", "brightness", "contrast", "invert"):
        return True
    if name == "invert":
        return 0.35 < amount < 0.65
    return amount < MIN_SHOWN or (name == "brightness" and amount > 5)


def _letter_spacing(value: str, style: Style) -> bool:
    px = length_px(value) if value != "normal" else 0.0
    return px is None or px <= -5


CHECKS: dict[str, Callable[[str, Style], bool]] = {
    "display": _display,
    "content-visibility": _keyword("visible", "auto"),
    "content": _keyword("normal", "none"),
    "opacity": _opacity,
    "zoom": lambda value, style: value != "normal" and _opacity(value, style),
    "filter": _filter,
    "mask": _keyword("none"),
    "mask-image": _keyword("none"),
    "-webkit-mask": _keyword("none"),
    "-webkit-mask-image": _keyword("none"),
    "clip": _clip,
    "clip-path": _clip_path,
    "-webkit-clip-path": _clip_path,
    "transform": _transform,
    "scale": _scale,
    "rotate": _rotate,
    "translate": _translate,
    "position": _positioned,
    "margin": _margin,
    "margin-left": _margin,
    "margin-top": _margin,
    "margin-inline-start": _margin,
    "margin-block-start": _margin,
    "text-indent": _text_indent,
    "letter-spacing": _letter_spacing,
    "overflow": _clips,
    "overflow-x": _clips,
    "overflow-y": _clips,
    "contain": _clips,
}
