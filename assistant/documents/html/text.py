"""What a reader sees of an HTML page: an element is kept only when it can be shown to be visible.

Ingest must not index, and answers must not quote, text a visitor never sees (stale copy, keyword
stuffing, instructions planted for a model). The page's own style sheets are cascaded by ``css``;
each element is then checked against every property and attribute that can hide it, and a value that is not understood counts as hiding. An element that may be hidden is
dropped with everything in it; an element whose own text cannot be read (invisible, tiny, or
coloured like its background) loses that text. Conditions that cannot be decided (``@supports``,
``@container``, an unknown media feature...) are checked both ways: text must be visible in
each. Anything that needs a layout engine (one box drawn over another, text in an image) is out
of reach.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from assistant.documents.html.css import Declared, declared_styles, read_style_sheets, substitute
from assistant.documents.html.css_hiding import CHECKS, Style, hides_by_style
from assistant.documents.html.css_values import (
    DEFAULT_FONT_PX,
    arguments,
    colour,
    contrast,
    length_px,
    tokens,
)

NEVER_SHOWN = (
    "script", "style", "template", "noscript", "iframe", "object", "svg", "canvas", "video",
    "audio", "datalist", "noembed", "noframes", "head", "rp", "select",
)  # fmt: skip

MIN_CONTRAST = 1.5  # WCAG contrast ratio below which text melts into its background
MIN_FONT_PX = 4.0
UNRESOLVED = "\x00unresolved"  # a value whose var() cannot be resolved: not understood
INITIAL = {
    "color": "canvastext",
    "-webkit-text-fill-color": "currentcolor",
    "visibility": "visible",
}
INHERITED = {*INITIAL, "font-size", "font"}
RELEVANT = {
    *CHECKS, *INHERITED, "background", "background-color", "background-image", "left", "top",
    "right", "bottom", "inset", "height", "max-height", "width", "max-width", "block-size",
    "inline-size", "line-height", "animation", "animation-name",
}  # fmt: skip
LOOK = {*INHERITED, "background", "background-color", "background-image"}
MAX_SCENARIOS = 32
_FONT_KEYWORDS = {
    "xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
    "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0,
}  # fmt: skip


# --- the element and everything in it -----------------------------------------------------


def hides_element(tag: Tag, style: Style) -> bool:
    """Whether the element may be out of sight, whatever its children declare."""
    if (
        any(tag.has_attr(a) for a in ("hidden", "inert", "popover"))
        or tag.get("aria-hidden") == "true"
    ):
        return True
    if (tag.name == "dialog" and not tag.has_attr("open")) or (
        tag.name == "input" and tag.get("type") == "hidden"
    ):
        return True
    return hides_by_style(style)


# --- whether an element's own text can be read --------------------------------------------


@dataclass(frozen=True)
class Look:
    """What decides whether an element's own text can be read, as its children inherit it."""

    understood: bool = True
    visible: bool = True
    font_px: float = DEFAULT_FONT_PX
    color: tuple[float, float] = (0.0, 1.0)  # luminance, alpha
    fill: tuple[float, float] | None = None  # -webkit-text-fill-color, over color
    behind: tuple[float, ...] = (1.0,)  # luminances the text may sit on: white page by default

    @property
    def readable(self) -> bool:
        if not (self.understood and self.visible) or self.font_px < MIN_FONT_PX:
            return False
        luminance, alpha = self.fill or self.color
        shown = [alpha * luminance + (1 - alpha) * back for back in self.behind]
        return all(
            contrast(s, back) >= MIN_CONTRAST for s, back in zip(shown, self.behind, strict=True)
        )

    def inherit(self, style: Style) -> Look:
        """The look of a child element that declares ``style``."""
        return _inherit(self, tuple(sorted((p, v) for p, v in style.items() if p in LOOK)))

    def inherited(self, style: Style) -> Look:
        behind = self._background(style)
        look = replace(
            self, behind=behind or self.behind, understood=self.understood and behind is not None
        )
        visibility = style.get("visibility")
        if visibility is not None:
            look = replace(
                look,
                visible=visibility == "visible",
                understood=look.understood and visibility in ("visible", "hidden", "collapse"),
            )
        font = _font_px(style, self.font_px)
        look = replace(
            look,
            font_px=font if font is not None else 0.0,
            understood=look.understood and font is not None,
        )
        if (value := style.get("color")) not in (None, "currentcolor"):
            parsed = colour(str(value))
            look = replace(
                look, color=parsed or (0.0, 0.0), understood=look.understood and bool(parsed)
            )
        if (value := style.get("-webkit-text-fill-color")) is not None:
            parsed = look.color if value == "currentcolor" else colour(value)
            look = replace(
                look, fill=parsed or (0.0, 0.0), understood=look.understood and bool(parsed)
            )
        return look

    def _background(self, style: Style) -> tuple[float, ...] | None:
        """What is behind the text (None: not understood); an image counts as the colour under it."""
        layers = [style.get(p) for p in ("background", "background-color", "background-image")]
        colours: list[tuple[float, float]] = []
        for value in filter(None, layers):
            if value == UNRESOLVED:
                return None
            for t in tokens(value):
                if t.type == "function" and "gradient" in t.lower_name:
                    colours += [c for g in arguments(t) if g and (c := colour(g[0])) is not None]
                elif (found := colour(t)) is not None:
                    colours.append(found)
        if not colours:
            return self.behind
        return tuple(a * lum + (1 - a) * back for lum, a in colours for back in self.behind)


@functools.lru_cache(maxsize=4096)
def _inherit(look: Look, items: tuple[tuple[str, str], ...]) -> Look:
    return look.inherited(dict(items))


def _font_px(style: Style, parent_px: float) -> float | None:
    size = style.get("font-size")
    if size is None and "font" in style:
        size = next(
            (
                t.split("/")[0]
                for t in style["font"].split()
                if t[0].isdigit() or t[0] in ".-" or t in _FONT_KEYWORDS
            ),
            None,
        )
        if size is None:
            return (
                parent_px
                if style["font"]
                in (
                    "inherit",
                    "unset",
                    "caption",
                    "menu",
                    "message-box",
                    "small-caption",
                    "status-bar",
                    "icon",
                )
                else None
            )
    if size is None or size in ("inherit", "unset", "revert", "revert-layer", "math"):
        return parent_px
    if size in _FONT_KEYWORDS or size == "initial":
        return _FONT_KEYWORDS.get(size, DEFAULT_FONT_PX)
    if size in ("smaller", "larger"):
        return parent_px * (0.83 if size == "smaller" else 1.2)
    return length_px(size, parent_px, percent_of=parent_px)


# --- the walk -----------------------------------------------------------------------------


def drop_hidden(soup: BeautifulSoup) -> None:
    """Remove from ``soup`` every element and text a reader of the page may not see."""
    sheets = read_style_sheets(soup)
    declared = declared_styles(soup, sheets)
    for tag in soup.find_all(list(NEVER_SHOWN)):
        if not tag.decomposed:
            tag.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    declared = {
        key: [d for d in found if d.name in RELEVANT or d.name.startswith("--")]
        for key, found in declared.items()
    }
    conditions = sorted({d.condition for ds in declared.values() for d in ds if d.condition})
    size = -(-len(conditions) // MAX_SCENARIOS)  # past the cap, conditions are checked in groups
    groups = [set(conditions[i : i + size]) for i in range(0, len(conditions), size or 1)]
    scenarios = [set(), *groups] + ([set(conditions)] if len(groups) > 1 else [])
    hidden: dict[int, Tag] = {}
    unreadable: dict[int, Tag] = {}
    for scenario in scenarios:
        for tag, look in _walk(soup, declared, sheets.keyframes, scenario, hidden):
            if not look.readable:
                unreadable[id(tag)] = tag
    for tag in hidden.values():
        if not tag.decomposed:
            tag.decompose()
    for tag in unreadable.values():
        if not tag.decomposed:
            for text in [c for c in tag.children if isinstance(c, NavigableString)]:
                text.extract()


def _walk(
    soup: BeautifulSoup,
    declared: dict[int, list[Declared]],
    keyframes: dict[str, list[list[tuple[str, str, bool]]]],
    scenario: set[str],
    hidden: dict[int, Tag],
) -> Iterator[tuple[Tag, Look]]:
    """Every element in sight under ``scenario`` with its look; hidden ones go into ``hidden``."""
    stack: list[tuple[Tag, Look, dict[str, str], Style]] = [(soup, Look(), {}, {})]
    while stack:
        tag, parent_look, parent_custom, parent_style = stack.pop()
        if id(tag) in hidden:
            continue
        winners = {
            d.name: d.value
            for d in declared.get(id(tag), [])
            if d.condition is None or d.condition in scenario
        }
        custom = parent_custom | {n: v for n, v in winners.items() if n.startswith("--")}
        style = _computed(
            {n: v for n, v in winners.items() if not n.startswith("--")}, custom, parent_style
        )
        look = parent_look.inherit(style)
        frames = [
            {**style, **_computed({n: v for n, v, _ in frame}, custom, parent_style)}
            for name in _animations(style)
            for frame in keyframes.get(name, [])
        ]
        if hides_element(tag, style) or any(
            hides_element(tag, f) or not parent_look.inherit(f).readable for f in frames
        ):
            hidden[id(tag)] = tag
            continue
        yield tag, look
        children = [c for c in tag.children if isinstance(c, Tag)]
        if tag.name == "details" and not tag.has_attr("open"):
            summary = next((c for c in children if c.name == "summary"), None)
            hidden.update((id(c), c) for c in children if c is not summary)
            yield tag, replace(look, visible=False)
        stack.extend((child, look, custom, style) for child in reversed(children))


def _computed(own: Style, custom: dict[str, str], parent: Style) -> Style:
    """Declared values with var() resolved and the CSS-wide keywords applied."""
    style: Style = {}
    for name, raw in own.items():
        value = _normal(raw) if "var(" not in raw else _normal(substitute(raw, custom))
        if name in INHERITED:
            if value not in ("inherit", "unset", "revert", "revert-layer"):
                style[name] = INITIAL.get(name, value) if value == "initial" else value
        elif value == "inherit" and name in parent:
            style[name] = parent[name]
        elif value not in ("inherit", "initial", "unset", "revert", "revert-layer"):
            style[name] = value
    return style


@functools.lru_cache(maxsize=4096)
def _normal(value: str | None) -> str:
    return UNRESOLVED if value is None else " ".join(value.lower().split())


def _animations(style: Style) -> list[str]:
    names = style.get("animation-name", "") + " " + style.get("animation", "")
    return [t.value for t in tokens(names) if t.type in ("ident", "string")]
