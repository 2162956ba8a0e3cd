"""HTML pages the server renders itself: a source document with its quoted passage, staff login.

No web framework here, only strings in and HTML out. A document is rendered from its Markdown
with raw HTML off (any tag in a document shows as text) and its front matter dropped. The quoted
passage gets ``id="quote"``, so a link ending in ``#quote`` scrolls to it without any script;
``:target`` and ``mark`` highlight it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.documents.splitting import table_cells

QUOTE_ID = "quote"
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n.*?\n---\s*(?:\n|\Z)", re.DOTALL)
_SPACE = re.compile(r"\s+")
_BLOCK_OPEN = {"paragraph_open", "heading_open", "th_open", "td_open"}

PAGE_CSS = """
:root { color-scheme: light; --ink: #1c2430; --muted: #4a5565; --accent: #1d5fa8; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fbfbf8; }
header.page { background: var(--accent); color: #fff; padding: 20px 24px; }
header.page p { margin: 4px 0 0; }
header.page a { color: #fff; }
main { max-width: 820px; margin: 0 auto; padding: 8px 24px 96px; overflow-wrap: anywhere; }
.notice { margin: 16px 0; padding: 12px 16px; border-left: 4px solid #b7791f; background: #fff8e6; }
.notice a { color: #1d4f8c; }
mark, .quoted { background: #ffe58a; color: var(--ink); border-radius: 3px;
  box-shadow: 0 0 0 3px #ffe58a; scroll-margin: 30vh 0; }
.quoted:target { outline: 3px solid #b7791f; outline-offset: 4px; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; display: block; overflow-x: auto; }
th, td { border: 1px solid #d5dbe5; padding: 6px 10px; text-align: left; vertical-align: top; }
a { color: #1d4f8c; }
h1, h2, h3 { line-height: 1.25; }
"""

LOGIN_CSS = """
:root { color-scheme: light; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1c2430; background: #f6f8fb; }
main { max-width: 420px; margin: 12vh auto; padding: 24px; background: #fff; border-radius: 12px;
  box-shadow: 0 6px 24px rgba(16, 24, 40, .12); }
label { display: block; font-weight: 600; margin: 16px 0 6px; }
input { width: 100%; min-height: 44px; padding: 8px 12px; font: inherit; border: 1px solid #8a94a6;
  border-radius: 8px; }
button { margin-top: 16px; min-height: 44px; padding: 0 20px; font: inherit; font-weight: 600;
  color: #fff; background: #1d5fa8; border: 0; border-radius: 8px; cursor: pointer; }
.error { color: #8a1c1c; font-weight: 600; }
"""


@dataclass(frozen=True)
class DocumentHeader:
    """What the page says about the document above its text."""

    id: str
    title: str
    institution: str
    academic_year: str | None = None


def strip_front_matter(markdown: str) -> str:
    """The document's text without its YAML front matter."""
    return _FRONT_MATTER.sub("", markdown, count=1).lstrip("\n")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _mark_in_text(token: Token, quote: str) -> bool:
    """Wrap the quote in a ``mark`` when one text run of this inline token holds it whole."""
    children = token.children or []
    for index, child in enumerate(children):
        if child.type != "text":
            continue
        start = child.content.casefold().find(quote.casefold())
        if start < 0:
            continue
        end = start + len(quote)
        before, found, after = (
            child.content[:start],
            child.content[start:end],
            child.content[end:],
        )
        opening = Token("html_inline", "", 0)
        opening.content = f'<mark id="{QUOTE_ID}">'
        closing = Token("html_inline", "", 0)
        closing.content = "</mark>"
        pieces = [_text(before), opening, _text(found), closing, _text(after)]
        token.children = [*children[:index], *pieces, *children[index + 1 :]]
        return True
    return False


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _mark_block(open_token: Token) -> None:
    open_token.attrSet("id", QUOTE_ID)
    open_token.attrJoin("class", "quoted")


def _mark_table_row(tokens: Sequence[Token], cells: list[str]) -> bool:
    wanted = [_normal(c) for c in cells]
    row_open: Token | None = None
    row: list[str] = []
    for token in tokens:
        if token.type == "tr_open":
            row_open, row = token, []
        elif token.type == "inline" and row_open is not None:
            row.append(_normal(_inline_text(token)))
        elif token.type == "tr_close" and row_open is not None:
            if row == wanted:
                _mark_block(row_open)
                return True
            row_open = None
    return False


def mark_quote(tokens: Sequence[Token], quote: str) -> bool:
    """Give the first place the quote stands in the ``id="quote"`` anchor; False if nowhere."""
    quote = quote.strip()
    if not quote:
        return False
    if quote.startswith("|"):
        return _mark_table_row(tokens, table_cells(quote))
    wanted = _normal(quote)
    for index, token in enumerate(tokens):
        if token.type != "inline" or wanted not in _normal(_inline_text(token)):
            continue
        if _mark_in_text(token, quote):
            return True
        opening = tokens[index - 1] if index else None
        if opening is not None and opening.type in _BLOCK_OPEN:
            _mark_block(opening)
            return True
    return False


def render_document(markdown: str, quote: str | None = None) -> tuple[str, bool]:
    """The document's body as HTML, and whether the quote was found and marked."""
    parser = _markdown()
    tokens = parser.parse(strip_front_matter(markdown))
    found = mark_quote(tokens, quote) if quote else False
    return parser.renderer.render(tokens, parser.options, {}), found


def _page(title: str, css: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def document_page(header: DocumentHeader, markdown: str, quote: str | None = None) -> str:
    """A source document as a page: its text rendered, the quoted passage highlighted."""
    body, found = render_document(markdown, quote)
    facts = ", ".join(
        html.escape(part) for part in (header.institution, header.academic_year or "") if part
    )
    if quote and found:
        notice = (
            '<p class="notice" role="note">The passage the assistant quoted is highlighted. '
            f'<a href="#{QUOTE_ID}">Go to the quoted passage</a></p>'
        )
    elif quote:
        notice = (
            '<p class="notice" role="note">The quoted passage was not found in the current '
            f"version of this document. It read: “{html.escape(quote.strip())}”</p>"
        )
    else:
        notice = ""
    page_body = (
        '<header class="page"><p><strong>Source document</strong>'
        + (f" · {facts}" if facts else "")
        + "</p></header>\n"
        + f'<main id="document" aria-label="{html.escape(header.title)}">\n{notice}\n{body}</main>'
    )
    return _page(header.title, PAGE_CSS, page_body)


def staff_login_page(action: str, next_path: str, error: str = "") -> str:
    """The form that trades a staff member's name and password (or the shared staff token) for
    a session cookie."""
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = (
        "<main>\n<h1>Staff sign-in</h1>\n"
        "<p>Sign in with your staff account (the operator creates it with "
        "<code>assistant staff add NAME</code>). To use the shared staff token "
        "(ASSISTANT_STAFF_TOKEN), leave the name empty and enter the token as the password.</p>\n"
        f"{message}"
        f'<form method="post" action="{html.escape(action)}">\n'
        f'<input type="hidden" name="next" value="{html.escape(next_path)}">\n'
        '<label for="name">Name</label>\n'
        '<input id="name" name="name" type="text" autocomplete="username" maxlength="64">\n'
        '<label for="password">Password</label>\n'
        '<input id="password" name="password" type="password" autocomplete="current-password" '
        "required>\n"
        '<button type="submit">Sign in</button>\n</form>\n</main>'
    )
    return _page("Staff sign-in · Programme assistant", LOGIN_CSS, body)
