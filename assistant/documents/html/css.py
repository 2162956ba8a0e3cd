"""A page's own style sheets, cascaded onto its elements.

The sheets are the ``style`` attributes, ``<style>`` elements and ``data:`` style sheets (linked or
``@import``-ed); nothing is fetched. They are parsed by tinycss2 (which resolves CSS escapes),
matched by cssselect2 and cascaded by importance, origin, ``@layer``, specificity and order.
``@media`` is evaluated for a desktop screen; a condition that cannot be decided (``@supports``,
``@container``, an unknown media feature or at-rule, a selector cssselect2 cannot read exactly)
is kept as a named *condition*: a caller checks the page both with and without it.
"""

from __future__ import annotations

import base64
import itertools
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Tag

from assistant.documents.html.css_media import evaluate_media
from assistant.documents.html.css_values import tokens

Key = tuple[int, int, int, tuple[int, int, int], int, int]
UNLAYERED = 1_000_000
_DESCRIPTOR_AT_RULES = {
    "font-face", "page", "property", "counter-style", "font-feature-values", "namespace",
    "font-palette-values", "charset", "view-transition", "color-profile",
}  # fmt: skip
_TEXT_PSEUDO_ELEMENTS = ("first-line", "first-letter", "details-content")
_PSEUDO_ELEMENT = re.compile(r"::?(-?[a-z][-\w]*)(\([^)]*\))?\s*$", re.IGNORECASE)
_LEGACY_PSEUDO_ELEMENTS = ("before", "after", "first-line", "first-letter")
_PSEUDO_CLASS = re.compile(r":{1,2}-?[a-zA-Z][-\w]*(\((?:[^()]|\([^()]*\))*\))?")


@dataclass(frozen=True)
class Declared:
    """One declaration that applies to an element, with its place in the cascade."""

    name: str  # lower-cased, or a custom property's name as written
    value: str  # serialised by tinycss2: escapes resolved, var() still in place
    key: Key
    condition: str | None  # None: holds on the reference screen


@dataclass
class StyleRule:
    selector: str
    declarations: list[tuple[str, str, bool]]
    condition: str | None
    layer: int
    order: int


@dataclass
class StyleSheets:
    rules: list[StyleRule] = field(default_factory=list)
    keyframes: dict[str, list[list[tuple[str, str, bool]]]] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)


def read_style_sheets(soup: BeautifulSoup) -> StyleSheets:
    """Every style sheet of the page, in document order."""
    import tinycss2

    sheets = StyleSheets()
    for tag in soup.find_all(["style", "link"]):
        if tag.find_parent("template"):
            continue
        condition = "noscript" if tag.find_parent("noscript") else None
        if tag.name == "link":
            rel = " ".join(str(r) for r in tag.get_attribute_list("rel") if r).lower().split()
            if "stylesheet" not in rel or not str(tag.get("href", "")).startswith("data:"):
                continue
            css = _data_url_text(str(tag["href"]))
            condition = _and(condition, "alternate" if "alternate" in rel else None)
        else:
            css = tag.get_text()
        media = tag.get("media")
        holds = evaluate_media(tokens(str(media))) if media else True
        if holds is False:
            continue
        condition = _and(condition, None if holds else f"@media {media}")
        rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
        _collect(sheets, rules, None, condition, "")
    return sheets


def _data_url_text(url: str) -> str:
    header, _, data = url[5:].partition(",")
    if header.lower().endswith(";base64"):
        return base64.b64decode(urllib.parse.unquote(data) + "==").decode("utf-8", "replace")
    return urllib.parse.unquote(data)


def _and(first: str | None, second: str | None) -> str | None:
    return second if first is None else first if second is None else f"{first} & {second}"


def _collect(
    sheets: StyleSheets,
    nodes: Iterable[Any],
    selector: str | None,
    condition: str | None,
    layer: str,
) -> None:
    """Add the rules in ``nodes`` (nested inside ``selector`` when given) to ``sheets``."""
    import tinycss2

    declarations: list[tuple[str, str, bool]] = []
    for node in nodes:
        if node.type == "declaration":
            name = node.name if node.name.startswith("--") else node.lower_name
            declarations.append((name, tinycss2.serialize(node.value).strip(), node.important))
        elif node.type == "qualified-rule":
            inner = tinycss2.serialize(node.prelude).strip()
            if selector is not None:
                inner = ", ".join(_nest(selector, part) for part in _split_list(inner))
            content = tinycss2.parse_blocks_contents(
                node.content, skip_whitespace=True, skip_comments=True
            )
            _collect(sheets, content, inner, condition, layer)
        elif node.type == "at-rule":
            _collect_at_rule(sheets, node, selector, condition, layer)
    if selector is not None and declarations:
        rank = sheets.layers.get(layer, UNLAYERED) if layer else UNLAYERED
        order = len(sheets.rules)
        sheets.rules.append(StyleRule(selector, declarations, condition, rank, order))


def _collect_at_rule(
    sheets: StyleSheets, node: Any, selector: str | None, condition: str | None, layer: str
) -> None:
    import tinycss2

    keyword, prelude = node.lower_at_keyword, tinycss2.serialize(node.prelude).strip()
    if keyword == "import":
        _collect_import(sheets, node, condition, layer)
        return
    if keyword == "layer":
        names = [n.strip() for n in prelude.split(",")] if prelude else [f"#{len(sheets.layers)}"]
        for name in names:
            sheets.layers.setdefault(f"{layer}.{name}" if layer else name, len(sheets.layers))
        if node.content is None:
            return
        layer = f"{layer}.{names[0]}" if layer else names[0]
    elif keyword.endswith("keyframes"):
        frames = tinycss2.parse_rule_list(node.content or [], skip_whitespace=True)
        sheets.keyframes.setdefault(prelude.strip("'\""), []).extend(
            [(d.lower_name, tinycss2.serialize(d.value).strip(), d.important) for d in f]
            for f in (_declarations(frame) for frame in frames if frame.type == "qualified-rule")
        )
        return
    elif node.content is None or keyword in _DESCRIPTOR_AT_RULES:
        return
    elif keyword == "media":
        holds = evaluate_media(node.prelude)
        if holds is False:
            return
        condition = condition if holds else _and(condition, f"@media {prelude}")
    else:  # @supports, @container, @scope, @starting-style and whatever comes next
        condition = _and(condition, f"@{keyword} {prelude}")
    content = tinycss2.parse_blocks_contents(node.content, skip_whitespace=True, skip_comments=True)
    _collect(sheets, content, selector, condition, layer)


def _collect_import(sheets: StyleSheets, node: Any, condition: str | None, layer: str) -> None:
    import tinycss2

    parts = tokens(tinycss2.serialize(node.prelude))
    if not parts:
        return
    first = parts[0]
    url = first.value if first.type in ("url", "string") else ""
    if first.type == "function" and first.lower_name == "url" and first.arguments:
        url = str(first.arguments[0].value)
    if not url.startswith("data:"):
        return
    holds = evaluate_media(parts[1:]) if len(parts) > 1 else True
    if holds is not False:
        media = None if holds else f"@import {tinycss2.serialize(parts[1:])}"
        rules = tinycss2.parse_stylesheet(_data_url_text(url), True, True)
        _collect(sheets, rules, None, _and(condition, media), layer)


def _declarations(rule: Any) -> list[Any]:
    import tinycss2

    content = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True)
    return [d for d in content if d.type == "declaration"]


def _split_list(selectors: str) -> list[str]:
    """A selector list split at its top-level commas."""
    import tinycss2

    groups: list[list[Any]] = [[]]
    for t in tinycss2.parse_component_value_list(selectors):
        if t.type == "literal" and t.value == ",":
            groups.append([])
        else:
            groups[-1].append(t)
    return [s for g in groups if (s := tinycss2.serialize(g).strip())]


def _nest(parent: str, child: str) -> str:
    return child.replace("&", f":is({parent})") if "&" in child else f":is({parent}) {child}"


# --- matching and the cascade -------------------------------------------------------------


def declared_styles(soup: BeautifulSoup, sheets: StyleSheets) -> dict[int, list[Declared]]:
    """Every element's declarations (by ``id(tag)``), lowest precedence first."""
    import cssselect2
    import tinycss2

    matcher = cssselect2.Matcher()
    for rule in sheets.rules:
        for part in _split_list(rule.selector):
            for compiled, condition in _compile(part):
                matcher.add_selector(compiled, (rule, condition))
    found: dict[int, list[Declared]] = {}
    root, tags = _mirror(soup)
    for wrapper in cssselect2.ElementWrapper.from_html_root(root).iter_subtree():
        tag = tags[id(wrapper.etree_element)]
        declared = found.setdefault(id(tag), _hints(tag))
        for specificity, _, _, (rule, condition) in matcher.match(wrapper):
            for index, (name, value, important) in enumerate(rule.declarations):
                layer = -rule.layer if important else rule.layer
                key = (int(important), 1, layer, specificity, rule.order, index)
                declared.append(Declared(name, value, key, _and(rule.condition, condition)))
        if tag.get("style"):
            content = tinycss2.parse_blocks_contents(str(tag["style"]), True, True)
            for index, d in enumerate(c for c in content if c.type == "declaration"):
                name = d.name if d.name.startswith("--") else d.lower_name
                key = (int(d.important), 2, 0, (0, 0, 0), 0, index)
                declared.append(Declared(name, tinycss2.serialize(d.value).strip(), key, None))
        declared.sort(key=lambda d: d.key)
    return found


def _compile(selector: str) -> list[tuple[Any, str | None]]:
    """cssselect2's reading of one selector, with the condition under which it is exact."""
    import cssselect2

    condition = None
    pseudo = _PSEUDO_ELEMENT.search(selector)
    if pseudo and (
        selector[pseudo.start() : pseudo.start() + 2] == "::"
        or pseudo.group(1).lower() in _LEGACY_PSEUDO_ELEMENTS
    ):
        if pseudo.group(1).lower() not in _TEXT_PSEUDO_ELEMENTS:
            return []  # generated content and other boxes that are not the element's own text
        selector, condition = selector[: pseudo.start()].strip() or "*", f"::{pseudo.group(1)}"
    for attempt in itertools.count():
        try:
            compiled = cssselect2.compile_selector_list(selector)
            return [(c, condition) for c in compiled if c.pseudo_element is None]
        except cssselect2.SelectorError:
            condition = f"selector {selector}"  # read more broadly than written
            if attempt == 0:
                selector = _PSEUDO_CLASS.sub("", re.sub(r"[-\w*]*\|", "", selector)).strip() or "*"
            else:
                selector = "*"
    return []


def _mirror(soup: BeautifulSoup) -> tuple[Any, dict[int, Tag]]:
    """An ElementTree copy of the page for cssselect2, and its elements' tags by ``id``."""
    from xml.etree import ElementTree

    tags: dict[int, Tag] = {}

    def copy(tag: Tag, parent: Any) -> Any:
        attributes = {
            k: " ".join(v) if isinstance(v, list) else str(v) for k, v in tag.attrs.items()
        }
        element = ElementTree.Element(tag.name, attributes)
        if parent is not None:
            parent.append(element)
        tags[id(element)] = tag
        element.text = (
            "".join(s for s in tag.find_all(string=True, recursive=False)).strip() or None
        )
        for child in tag.find_all(True, recursive=False):
            copy(child, element)
        return element

    top = soup.html if isinstance(soup.html, Tag) else soup
    return copy(top, None), tags


def _hints(tag: Tag) -> list[Declared]:
    """Presentational attributes (``<font color>``, ``bgcolor``, ``<body text>``) as declarations."""
    found = []
    for attribute, name in (("color", "color"), ("text", "color"), ("bgcolor", "background-color")):
        value = tag.get(attribute)
        if value and (attribute != "color" or tag.name in ("font", "basefont")):
            value = str(value).strip()
            if re.fullmatch(r"[0-9a-fA-F]{3}|[0-9a-fA-F]{6}", value):
                value = "#" + value
            found.append(Declared(name, value, (0, 0, 0, (0, 0, 0), 0, 0), None))
    return found


def substitute(value: str, custom: Mapping[str, str], depth: int = 0) -> str | None:
    """``value`` with every ``var()`` replaced; None when one cannot be resolved."""
    import tinycss2

    if "var(" not in value.lower():
        return value
    if depth > 16:
        return None
    out = []
    for t in tinycss2.parse_component_value_list(value):
        if t.type == "function" and t.lower_name == "var":
            args = [a for a in t.arguments if a.type != "comment"]
            name = next((a.value for a in args if a.type == "ident"), "")
            comma = next((i for i, a in enumerate(args) if a == ","), None)
            fallback = tinycss2.serialize(args[comma + 1 :]).strip() if comma is not None else None
            replacement = custom.get(name, fallback)
            if replacement is None:
                return None
            resolved = substitute(replacement, custom, depth + 1)
            if resolved is None:
                return None
            out.append(resolved)
        elif t.type == "function" and "var(" in t.serialize().lower():
            inner = substitute(tinycss2.serialize(t.arguments), custom, depth + 1)
            if inner is None:
                return None
            out.append(f"{t.name}({inner})")
        else:
            out.append(t.serialize())
    return "".join(out)
