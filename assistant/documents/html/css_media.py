"""``@media`` queries evaluated for the reference screen: a desktop browser window.

Three-valued: True (holds), False (does not), None (cannot be told: an unknown feature or type).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from assistant.documents.html.css_values import VIEWPORT_H, VIEWPORT_W, length_px

_MEDIA_FEATURES: dict[str, float | str] = {
    "width": VIEWPORT_W, "height": VIEWPORT_H, "device-width": VIEWPORT_W,
    "device-height": VIEWPORT_H, "aspect-ratio": VIEWPORT_W / VIEWPORT_H,
    "device-aspect-ratio": VIEWPORT_W / VIEWPORT_H, "resolution": 1.0, "color": 8.0,
    "monochrome": 0.0, "color-index": 0.0, "grid": 0.0, "device-pixel-ratio": 1.0,
    "orientation": "landscape", "hover": "hover", "any-hover": "hover", "pointer": "fine",
    "any-pointer": "fine", "prefers-color-scheme": "light", "scan": "progressive",
    "prefers-reduced-motion": "no-preference", "prefers-contrast": "no-preference",
    "forced-colors": "none", "inverted-colors": "none", "scripting": "enabled",
    "display-mode": "browser", "update": "fast", "color-gamut": "srgb",
    "dynamic-range": "standard", "overflow-block": "scroll", "overflow-inline": "scroll",
    "prefers-reduced-transparency": "no-preference", "prefers-reduced-data": "no-preference",
}  # fmt: skip


def evaluate_media(prelude: Iterable[Any]) -> bool | None:
    """Whether a media query list holds on a desktop screen; None when it cannot be told."""
    groups: list[list[Any]] = [[]]
    for t in prelude:
        if t.type == "literal" and t.value == ",":
            groups.append([])
        elif t.type not in ("whitespace", "comment"):
            groups[-1].append(t)
    return _any([_query(g) for g in groups if g]) if any(groups) else True


def _query(parts: list[Any]) -> bool | None:
    negate = bool(parts) and parts[0].type == "ident" and parts[0].lower_value == "not"
    if parts and parts[0].type == "ident" and parts[0].lower_value in ("not", "only"):
        parts = parts[1:]
    result: bool | None = True
    if parts and parts[0].type == "ident":
        kind = parts[0].lower_value
        result = kind in ("all", "screen") or (None if kind not in _KNOWN_MEDIA_TYPES else False)
        parts = parts[1:]
        if parts and parts[0].type == "ident" and parts[0].lower_value == "and":
            parts = parts[1:]
    if parts:
        result = _all([result, _condition(parts)])
    return _not(result) if negate else result


_KNOWN_MEDIA_TYPES = {"print", "speech", "tty", "tv", "projection", "handheld", "braille", "embossed", "aural"}  # fmt: skip


def _condition(parts: list[Any]) -> bool | None:
    """``(a) and (b)``, ``(a) or (b)``, ``not (a)``."""
    if parts[0].type == "ident" and parts[0].lower_value == "not":
        return _not(_condition(parts[1:])) if len(parts) > 1 else None
    values, joiners = [], set()
    for t in parts:
        if t.type == "ident" and t.lower_value in ("and", "or"):
            joiners.add(t.lower_value)
        elif t.type == "() block":
            values.append(
                _feature([c for c in t.content if c.type not in ("whitespace", "comment")])
            )
        else:
            return None
    if len(joiners) > 1 or not values:
        return None
    return _any(values) if joiners == {"or"} else _all(values)


def _feature(parts: list[Any]) -> bool | None:
    if (
        parts
        and parts[0].type in ("() block", "ident")
        and (parts[0].type == "() block" or parts[0].lower_value == "not")
    ):
        return _condition(parts)
    if len(parts) == 1 and parts[0].type == "ident":
        known = _MEDIA_FEATURES.get(parts[0].lower_value)
        return None if known is None else known not in (0.0, "none", "no-preference")
    if len(parts) == 3 and parts[0].type == "ident" and parts[1] == ":":
        name = parts[0].lower_value.replace("-webkit-", "")
        for prefix, op in (("min-", ">="), ("max-", "<=")):
            if name.startswith(prefix):
                return _compare(name.removeprefix(prefix), op, parts[2])
        return _compare(name, "=", parts[2])
    if len(parts) >= 3 and all(p.type != "() block" for p in parts):
        return _range(parts)
    return None


def _range(parts: list[Any]) -> bool | None:
    """``(width >= 600px)`` and ``(400px < width <= 700px)``."""
    ops = [p.value for p in parts if p.type == "literal"]
    text = "".join(ops)
    values = [p for p in parts if p.type != "literal"]
    names = [i for i, v in enumerate(values) if v.type == "ident"]
    if len(names) != 1 or not re.fullmatch(r"([<>]=?|=)+", text):
        return None
    comparators = re.findall(r"[<>]=?|=", text)
    name = values[names[0]].lower_value
    flips = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    checks = []
    for index, op in zip(range(len(values) - 1), comparators, strict=False):
        left, right = values[index], values[index + 1]
        checks.append(
            _compare(name, op, right) if left.type == "ident" else _compare(name, flips[op], left)
        )
    return _all(checks)


def _compare(name: str, op: str, value: Any) -> bool | None:
    known = _MEDIA_FEATURES.get(name)
    if known is None:
        return None
    if isinstance(known, str):
        return value.type == "ident" and value.lower_value == known if op == "=" else None
    if value.type == "dimension" and value.lower_unit in ("dppx", "x", "dpi", "dpcm"):
        given = float(value.value) / {"dpi": 96.0, "dpcm": 96 / 2.54}.get(value.lower_unit, 1.0)
    elif value.type == "number":
        given = float(value.value)
    else:
        px = length_px(value.serialize())
        if px is None:
            return None
        given = px
    return {
        ">=": known >= given,
        "<=": known <= given,
        ">": known > given,
        "<": known < given,
        "=": known == given,
    }[op]


def _all(values: list[bool | None]) -> bool | None:
    return False if False in values else True if all(values) else None


def _any(values: list[bool | None]) -> bool | None:
    return True if True in values else False if all(v is False for v in values) else None


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value
