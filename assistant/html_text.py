"""What a reader sees of an HTML page: elements and text that the page hides are removed.

Ingest must not index, and answers must not quote, text a visitor never sees (it may be stale,
keyword stuffing or instructions planted for a model). The page's own ``<style>`` rules (type,
class, id and attribute selectors, with combinators) and ``style`` attributes are cascaded by
specificity, and the common ways of hiding are recognised:

* the element is never shown: ``display:none``, ``opacity:0``, the ``hidden``/``aria-hidden``
  attributes, a zero-size box that clips (``height:0;overflow:hidden``), a clipped box
  (``clip:rect(0 0 0 0)``), a box moved off-screen (``position:absolute;left:-9999px``,
  ``text-indent:-9999px``, ``transform:translateX(-9999px)``);
* its text cannot be read: ``visibility:hidden``, ``font-size:0``, a transparent colour, or a
  colour (nearly) equal to the background behind it, white on white being the usual one.

Rules that only apply to print or to some screen sizes are ignored: a reader sees that text on
the screen they use. Anything that needs a layout engine (one box drawn over another, text in
an image) is out of reach.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

NEVER_SHOWN = ("script", "style", "template", "noscript", "iframe", "object", "svg")

OFF_SCREEN_PX = -500.0  # a box or text moved this far left or up is off any screen
MIN_CONTRAST = 1.2  # WCAG contrast ratio below which text melts into its background
DEFAULT_FONT_PX = 16.0
VIEWPORT_PX = 1000.0  # what 100vw / 100vh is taken to be

RGB = tuple[float, float, float]
WHITE: RGB = (255.0, 255.0, 255.0)
BLACK: RGB = (0.0, 0.0, 0.0)

_COLOR_NAMES: dict[str, RGB] = {
    "white": WHITE,
    "black": BLACK,
    "snow": (255, 250, 250),
    "ivory": (255, 255, 240),
    "whitesmoke": (245, 245, 245),
    "ghostwhite": (248, 248, 255),
    "floralwhite": (255, 250, 240),
    "mintcream": (245, 255, 250),
    "azure": (240, 255, 255),
    "aliceblue": (240, 248, 255),
    "seashell": (255, 245, 238),
    "linen": (250, 240, 230),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "lightgray": (211, 211, 211),
    "lightgrey": (211, 211, 211),
    "gainsboro": (220, 220, 220),
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "navy": (0, 0, 128),
    "maroon": (128, 0, 0),
    "orange": (255, 165, 0),
    "purple": (128, 0, 128),
}
_LENGTH = re.compile(r"^(-?\d*\.?\d+)(px|pt|pc|cm|mm|in|em|rem|ex|ch|%|vw|vh|vmin|vmax)?$")
_PX_PER_UNIT = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 9.6 / 2.54}
_TRANSLATE = re.compile(r"translate(x|y|3d)?\(([^)]*)\)")
_CLIP_RECT = re.compile(r"rect\(([^)]*)\)")
_CLIP_INSET = re.compile(r"inset\(\s*(\d*\.?\d+)%")


# --- the page's style sheet ---------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    prop: str
    value: str
    important: bool = False


@dataclass(frozen=True)
class Rule:
    selector: str
    specificity: tuple[int, int, int]
    order: int
    declarations: tuple[Declaration, ...]


def parse_declarations(text: str) -> tuple[Declaration, ...]:
    """``color: #fff; display: none !important`` as declarations, names and values lower-cased."""
    found = []
    for part in text.split(";"):
        name, colon, value = part.partition(":")
        if not colon or not name.strip():
            continue
        value = " ".join(value.lower().split())
        important = value.endswith("!important")
        value = value.removesuffix("!important").strip()
        found.append(Declaration(name.strip().lower(), value, important))
    return tuple(found)


def parse_stylesheet(css: str) -> list[Rule]:
    """The rules of a style sheet that apply on any screen, in source order."""
    rules: list[Rule] = []
    _collect_rules(re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL), rules)
    return rules


def _collect_rules(css: str, rules: list[Rule]) -> None:
    position = 0
    while (opening := css.find("{", position)) >= 0:
        prelude = css[position:opening].rsplit(";", 1)[-1].strip()  # skip @import ...; before
        closing = _matching_brace(css, opening)
        body = css[opening + 1 : closing]
        position = closing + 1
        if prelude.startswith("@"):
            if _applies_on_every_screen(prelude):
                _collect_rules(body, rules)
            continue
        declarations = parse_declarations(body)
        for selector in _split_selectors(prelude):
            rules.append(Rule(selector, _specificity(selector), len(rules), declarations))


def _matching_brace(css: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(css)):
        if css[index] == "{":
            depth += 1
        elif css[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(css)


def _applies_on_every_screen(prelude: str) -> bool:
    """``@media screen``, ``@media all``, ``@supports`` and ``@layer`` blocks; not print or widths."""
    keyword, _, condition = prelude.lower().partition(" ")
    if keyword in ("@supports", "@layer"):
        return True
    if keyword != "@media":
        return False
    return all(query.strip() in ("", "all", "screen") for query in condition.split(","))


def _split_selectors(prelude: str) -> list[str]:
    selectors, depth, current = [], 0, ""
    for char in prelude:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            selectors.append(current.strip())
            current = ""
        else:
            current += char
    selectors.append(current.strip())
    return [s for s in selectors if s]


def _specificity(selector: str) -> tuple[int, int, int]:
    plain = re.sub(r"\[[^\]]*\]", "[]", selector)
    ids = plain.count("#")
    classes = plain.count(".") + plain.count("[]") + len(re.findall(r"(?<!:):(?!:)", plain))
    types = len(re.findall(r"(?:^|[\s>+~(])([a-zA-Z][\w-]*)", plain))
    return ids, classes, types


def cascaded_styles(soup: BeautifulSoup, rules: list[Rule]) -> dict[int, dict[str, str]]:
    """Each element's declared properties (by ``id(tag)``): the winning value of every property,
    by importance, then inline over sheet, then specificity, then source order."""
    candidates: dict[int, list[tuple[tuple[int, int, tuple[int, int, int], int], str, str]]] = {}
    for rule in rules:
        for tag in _select(soup, rule.selector):
            for d in rule.declarations:
                key = (int(d.important), 0, rule.specificity, rule.order)
                candidates.setdefault(id(tag), []).append((key, d.prop, d.value))
    for tag in soup.find_all(style=True):
        for order, d in enumerate(parse_declarations(str(tag.get("style", "")))):
            key = (int(d.important), 1, (0, 0, 0), order)
            candidates.setdefault(id(tag), []).append((key, d.prop, d.value))
    styles: dict[int, dict[str, str]] = {}
    for tag_id, declared in candidates.items():
        style = styles[tag_id] = {}
        for _, prop, value in sorted(declared, key=lambda item: item[0]):
            style[prop] = value
    return styles


def _select(soup: BeautifulSoup, selector: str) -> list[Tag]:
    if "::" in selector or re.search(r":(hover|focus|active|visited|target|checked)", selector):
        return []  # pseudo-elements and states a reader is not in when the page loads
    try:
        return list(soup.select(selector))
    except Exception:  # soupsieve refuses selectors it does not know; they cannot hide anything
        return []


# --- lengths and colours ------------------------------------------------------------------


def length_px(value: str, font_px: float = DEFAULT_FONT_PX) -> float | None:
    """A CSS length in pixels; None for what cannot be known without layout (%, calc, auto)."""
    match = _LENGTH.match(value.strip())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    if number == 0:
        return 0.0
    if unit in (None, "%"):
        return None
    if unit in ("em", "ex", "ch"):
        return number * font_px
    if unit == "rem":
        return number * DEFAULT_FONT_PX
    if unit in ("vw", "vh", "vmin", "vmax"):
        return number * VIEWPORT_PX / 100
    return number * _PX_PER_UNIT[unit]


def parse_color(value: str) -> tuple[RGB, float] | None:
    """``#fff``, ``rgb(...)``, ``rgba(...)``, ``hsl(...)`` or a name as (rgb, alpha)."""
    value = value.strip().lower()
    if value == "transparent":
        return BLACK, 0.0
    if value in _COLOR_NAMES:
        return _COLOR_NAMES[value], 1.0
    if value.startswith("#"):
        return _hex_color(value[1:])
    match = re.fullmatch(r"(rgba?|hsla?)\((.*)\)", value)
    if not match:
        return None
    parts = [p for p in re.split(r"[\s,/]+", match.group(2).strip()) if p]
    if len(parts) < 3:
        return None
    try:
        alpha = _fraction(parts[3]) if len(parts) > 3 else 1.0
        if match.group(1).startswith("rgb"):
            rgb = tuple(_fraction(p) * 255 if p.endswith("%") else float(p) for p in parts[:3])
            return (rgb[0], rgb[1], rgb[2]), alpha
        hue = float(parts[0].removesuffix("deg")) / 360
        red, green, blue = colorsys.hls_to_rgb(hue % 1, _fraction(parts[2]), _fraction(parts[1]))
        return (red * 255, green * 255, blue * 255), alpha
    except ValueError:
        return None


def _hex_color(digits: str) -> tuple[RGB, float] | None:
    if len(digits) in (3, 4):
        digits = "".join(d * 2 for d in digits)
    if len(digits) not in (6, 8) or not re.fullmatch(r"[0-9a-f]+", digits):
        return None
    channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
    alpha = channels[3] / 255 if len(channels) == 4 else 1.0
    return (float(channels[0]), float(channels[1]), float(channels[2])), alpha


def _fraction(text: str) -> float:
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def contrast(first: RGB, second: RGB) -> float:
    """The WCAG contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(rgb: RGB) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _blend(front: RGB, alpha: float, back: RGB) -> RGB:
    red, green, blue = (f * alpha + b * (1 - alpha) for f, b in zip(front, back, strict=True))
    return red, green, blue


# --- hiding -------------------------------------------------------------------------------


def hides_element(tag: Tag, style: dict[str, str]) -> bool:
    """Whether the element and everything in it stay out of sight, whatever the children say."""
    if tag.has_attr("hidden") and style.get("display", "none") == "none":
        return True
    if tag.get("aria-hidden") == "true" or (tag.name == "input" and tag.get("type") == "hidden"):
        return True
    if style.get("display") == "none" or _transparent(style.get("opacity", "1")):
        return True
    return _zero_size(style) or _clipped(style) or _off_screen(style)


def _transparent(opacity: str) -> bool:
    try:
        return _fraction(opacity) <= 0.05
    except ValueError:
        return False


def _zero_size(style: dict[str, str]) -> bool:
    """``height:0;overflow:hidden`` and its kin: a box too small to show its content."""
    overflow = " ".join(style.get(p, "") for p in ("overflow", "overflow-x", "overflow-y"))
    if not re.search(r"hidden|clip|auto|scroll", overflow):
        return False
    sizes = [style.get(p) for p in ("height", "max-height", "width", "max-width")]
    return any(
        size is not None and (px := length_px(size)) is not None and px <= 1 for size in sizes
    )


def _clipped(style: dict[str, str]) -> bool:
    rect = _CLIP_RECT.search(style.get("clip", ""))
    if rect:
        edges = [length_px(edge) for edge in re.split(r"[\s,]+", rect.group(1).strip())]
        if len(edges) == 4 and None not in edges:
            top, right, bottom, left = (e or 0.0 for e in edges)
            return right - left <= 1 or bottom - top <= 1
    inset = _CLIP_INSET.search(style.get("clip-path", ""))
    return bool(inset and float(inset.group(1)) >= 50)


def _off_screen(style: dict[str, str]) -> bool:
    offsets = []
    if style.get("position") in ("absolute", "fixed"):
        offsets += [style.get(side, "") for side in ("left", "top", "right")]
    offsets += [style.get("text-indent", ""), style.get("margin-left", "")]
    offsets += [style.get("margin-top", "")]
    for match in _TRANSLATE.finditer(style.get("transform", "")):
        offsets += re.split(r"[\s,]+", match.group(2).strip())
    return any((px := length_px(value)) is not None and px <= OFF_SCREEN_PX for value in offsets)


@dataclass(frozen=True)
class Look:
    """What decides whether an element's own text can be read, as its children inherit it."""

    visible: bool = True
    font_px: float = DEFAULT_FONT_PX
    color: RGB = BLACK
    color_alpha: float = 1.0
    background: RGB | None = WHITE  # None: an image or something else that cannot be judged

    @property
    def readable(self) -> bool:
        if not self.visible or self.font_px <= 1 or self.color_alpha <= 0.1:
            return False
        if self.background is None:
            return True
        shown = _blend(self.color, self.color_alpha, self.background)
        return contrast(shown, self.background) >= MIN_CONTRAST

    def inherit(self, style: dict[str, str]) -> Look:
        """The look of a child element that declares ``style``."""
        look = self
        visibility = style.get("visibility")
        if visibility in ("hidden", "collapse", "visible"):
            look = replace(look, visible=visibility == "visible")
        look = replace(look, font_px=_font_px(style, self.font_px))
        color = parse_color(style.get("color", ""))
        if color is not None:
            look = replace(look, color=color[0], color_alpha=color[1])
        return replace(look, background=_background(style, self.background))


def _font_px(style: dict[str, str], parent_px: float) -> float:
    size = style.get("font-size")
    if size is None and "font" in style:
        size = _font_shorthand_size(style["font"])
    if size is None:
        return parent_px
    if size.endswith("%"):
        try:
            return parent_px * float(size[:-1]) / 100
        except ValueError:
            return parent_px
    px = length_px(size, parent_px)
    return parent_px if px is None else px


def _font_shorthand_size(font: str) -> str | None:
    """The size in ``font: bold 14px/1.2 Arial`` (or ``font: 0/0 a``, the image-replacement trick)."""
    for token in font.split():
        size, slash, _ = token.partition("/")
        if slash or (length_px(size) is not None) or size.endswith("%"):
            return size
    return None


def _background(style: dict[str, str], behind: RGB | None) -> RGB | None:
    value = style.get("background-color")
    shorthand = style.get("background", "")
    if (
        "url(" in shorthand
        or "gradient" in shorthand
        or "url(" in style.get("background-image", "")
    ):
        return None
    if value is None:
        value = next((t for t in _color_tokens(shorthand) if parse_color(t) is not None), None)
    color = parse_color(value) if value else None
    if color is None:
        return behind
    rgb, alpha = color
    if behind is None:
        return rgb if alpha >= 0.9 else None
    return _blend(rgb, alpha, behind)


def _color_tokens(shorthand: str) -> list[str]:
    return re.findall(r"(?:rgba?|hsla?)\([^)]*\)|#[0-9a-f]+|[a-z]+", shorthand)


# --- the entry point ----------------------------------------------------------------------


def drop_hidden(soup: BeautifulSoup) -> None:
    """Remove from ``soup`` every element and text a reader of the page would not see."""
    rules = [rule for tag in soup.find_all("style") for rule in parse_stylesheet(tag.get_text())]
    for tag in soup.find_all(list(NEVER_SHOWN)):
        if not tag.decomposed:
            tag.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    styles = cascaded_styles(soup, rules)
    root = soup.body or soup
    look = Look()
    for ancestor in reversed(list(root.parents)):
        look = look.inherit(styles.get(id(ancestor), {}))
    for tag, tag_look in _visible_elements(root, look, styles):
        if not tag_look.readable:
            for text in [c for c in tag.children if isinstance(c, NavigableString)]:
                text.extract()


def _visible_elements(
    root: Tag, look: Look, styles: dict[int, dict[str, str]]
) -> Iterator[tuple[Tag, Look]]:
    """Every element left in sight with its look, parents first; hidden ones are removed."""
    stack: list[tuple[Tag, Look]] = [(root, look)]
    while stack:
        tag, parent_look = stack.pop()
        style = styles.get(id(tag), {})
        if tag is not root and hides_element(tag, style):
            tag.decompose()
            continue
        tag_look = parent_look.inherit(style)
        yield tag, tag_look
        stack.extend((child, tag_look) for child in tag.children if isinstance(child, Tag))
