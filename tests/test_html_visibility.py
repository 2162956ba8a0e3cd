"""An HTML page contributes only text it visibly shows: ingest keeps an element only when the
page's own style sheets and attributes leave it visible on a desktop screen, and any value that
is not understood well enough to prove that counts as hiding."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from assistant.documents.corpus import load_corpus

SECRET = "The tuition fee is waived for every applicant."
VISIBLE = "Applications close on 1 March."

HIDING = {
    "filter_opacity": ("", '<p style="filter:opacity(0)">{}</p>'),
    "filter_brightness": (
        "<style>.x{filter:brightness(0) invert(0.5)}</style>",
        '<p class="x">{}</p>',
    ),
    "clip_path_circle": ("", '<p style="clip-path:circle(0)">{}</p>'),
    "clip_path_inset": ("", '<p style="clip-path:inset(50%)">{}</p>'),
    "clip_path_polygon": ("", '<p style="clip-path:polygon(0 0, 0 0, 0 0)">{}</p>'),
    "transform_scale": ("", '<p style="transform:scale(0)">{}</p>'),
    "transform_rotate_edge_on": ("", '<p style="transform:rotateY(90deg)">{}</p>'),
    "transform_off_screen": ("", '<p style="transform:translateX(-200vw)">{}</p>'),
    "scale_property": ("", '<p style="scale:0">{}</p>'),
    "media_min_width_zero": (
        "<style>@media (min-width:0px){.x{display:none}}</style>",
        '<p class="x">{}</p>',
    ),
    "media_not_print": ("<style>@media not print{.x{display:none}}</style>", '<p class="x">{}</p>'),
    "media_revealing_only_in_print": (
        "<style>.x{display:none} @media print{.x{display:block}}</style>",
        '<p class="x">{}</p>',
    ),
    "supports_block": (
        "<style>@supports (display:grid){.x{visibility:hidden}}</style>",
        '<p class="x">{}</p>',
    ),
    "css_variable": ("<style>.x{--x:none; display:var(--x)}</style>", '<p class="x">{}</p>'),
    "inherited_css_variable": (
        "<style>:root{--ink:#fff}</style>",
        '<p style="color:var(--ink)">{}</p>',
    ),
    "unresolvable_css_variable": ("", '<p style="display:var(--undefined)">{}</p>'),
    "content_visibility": ("", '<p style="content-visibility:hidden">{}</p>'),
    "webkit_text_fill_color": ("", '<p style="-webkit-text-fill-color:transparent">{}</p>'),
    "colour_name_white": ("", '<p style="color:white">{}</p>'),
    "colour_name_near_white": ("<style>.x{color:ghostwhite}</style>", '<p class="x">{}</p>'),
    "oklch_white": ("", '<p style="color:oklch(100% 0 0)">{}</p>'),
    "white_gradient_background": (
        "",
        '<p style="color:#fff;background:linear-gradient(#fff,#fefefe)">{}</p>',
    ),
    "font_colour_attribute": ("", "<p><font color=#fff>{}</font></p>"),
    "closed_dialog": ("", "<dialog><p>{}</p></dialog>"),
    "closed_details": ("", "<details><summary>More</summary><p>{}</p></details>"),
    "popover": ("", "<div popover><p>{}</p></div>"),
    "inert": ("", "<div inert><p>{}</p></div>"),
    "aria_hidden": ("", '<div aria-hidden="true"><p>{}</p></div>'),
    "escaped_property_name": ("<style>.x{d\\69splay:none}</style>", '<p class="x">{}</p>'),
    "escaped_value": ("<style>.x{display:n\\6f ne}</style>", '<p class="x">{}</p>'),
    "escaped_selector": ("<style>.\\78{display:none}</style>", '<p class="x">{}</p>'),
    "data_stylesheet": (
        '<link rel="stylesheet" href="data:text/css,.x%7Bdisplay:none%7D">',
        '<p class="x">{}</p>',
    ),
    "base64_data_stylesheet": (
        '<link rel="stylesheet" href="data:text/css;base64,'
        + base64.b64encode(b".x{opacity:0}").decode()
        + '">',
        '<p class="x">{}</p>',
    ),
    "imported_data_stylesheet": (
        '<style>@import url("data:text/css,.x%7Bdisplay:none%7D");</style>',
        '<p class="x">{}</p>',
    ),
    "nested_rule": ("<style>div{ & p{display:none} }</style>", "<div><p>{}</p></div>"),
    "zero_specificity_reveal": (
        "<style>.x{display:none} :where(.x){display:block}</style>",
        '<p class="x">{}</p>',
    ),
    "layered_reveal": (
        "<style>.x{display:none} @layer base{.x{display:block}}</style>",
        '<p class="x">{}</p>',
    ),
    "animation": (
        "<style>@keyframes out{to{opacity:0}} .x{animation:out 1ms forwards}</style>",
        '<p class="x">{}</p>',
    ),
    "unknown_selector": (
        "<style>aside:-webkit-any(.x){display:none}</style>",
        "<aside>{}</aside>",
    ),
    "unknown_display_value": ("", '<p style="display:fancy">{}</p>'),
    "mask": ("", '<p style="mask-image:linear-gradient(transparent,transparent)">{}</p>'),
    "line_height_zero_clipped": ("", '<div style="line-height:0;overflow:hidden"><p>{}</p></div>'),
    "relative_off_screen": ("", '<p style="position:relative;left:-100vw">{}</p>'),
}


def load_page(folder: Path, head: str, body: str) -> str:
    """The text ingest keeps of one page written into a fresh corpus folder."""
    page = (
        f"<html><head><title>Admissions</title>{head}</head><body>"
        f"<h1>Admissions</h1><p>{VISIBLE}</p>{body}</body></html>"
    )
    (folder / "admissions.html").write_text(page, encoding="utf-8")
    [document] = load_corpus(folder).documents
    return document.page_content


@pytest.mark.parametrize(("head", "body"), HIDING.values(), ids=HIDING.keys())
def test_text_hidden_by_technique_is_not_indexed(tmp_path: Path, head: str, body: str) -> None:
    text = load_page(tmp_path, head, body.format(SECRET))

    assert VISIBLE in text
    assert "waived" not in text


SHOWING = {
    "dark_theme": ("<style>body{background:#111;color:#eee}</style>", "<p>{}</p>"),
    "white_on_brand_colour": (
        "<style>.hero{background:oklch(40% 0.1 250);color:white}</style>",
        '<p class="hero">{}</p>',
    ),
    "centred_with_transform": (
        "",
        '<p style="position:absolute;left:50%;transform:translate(-50%,-50%)">{}</p>',
    ),
    "fluid_font_size": ("", '<p style="font-size:clamp(1rem, 2vw + 0.5rem, 2rem)">{}</p>'),
    "clipped_card_with_calc_width": (
        "",
        '<div style="overflow:hidden;width:calc(100% - 2rem);border-radius:8px"><p>{}</p></div>',
    ),
    "open_details": ("", "<details open><summary>More</summary><p>{}</p></details>"),
    "open_dialog": ("", "<dialog open><p>{}</p></dialog>"),
    "hidden_only_on_phones": (
        "<style>@media (max-width: 600px){.wide{display:none}}</style>",
        '<p class="wide">{}</p>',
    ),
    "hidden_only_on_hover": ("<style>p:hover{opacity:0}</style>", "<p>{}</p>"),
}


@pytest.mark.parametrize(("head", "body"), SHOWING.values(), ids=SHOWING.keys())
def test_text_shown_despite_styling_is_indexed(tmp_path: Path, head: str, body: str) -> None:
    text = load_page(tmp_path, head, body.format(SECRET))

    assert SECRET in text


PROGRAMME_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MSc Biomedical Sciences</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root { --brand: #0b3d91; --ink: #1a1a1a; --muted: #5f6b7a; --gap: clamp(1rem, 2vw, 2rem); }
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; font: 16px/1.5 "Inter", system-ui, sans-serif; color: var(--ink); background: #fff; }
.skip-link { position: absolute; left: -9999px; }
.skip-link:focus { left: 1rem; }
.site-header { display: flex; justify-content: space-between; padding: var(--gap);
  background: var(--brand); color: #fff; }
.site-header a { color: inherit; text-decoration: none; }
.nav ul { display: flex; gap: 1.5rem; list-style: none; margin: 0; padding: 0; }
.nav-toggle { display: none; }
.breadcrumb { font-size: 0.875rem; color: var(--muted); }
.breadcrumb li + li::before { content: "/"; padding: 0 .5ch; }
main { max-width: 72rem; margin: 0 auto; padding: var(--gap); }
.grid { display: grid; grid-template-columns: 2fr 1fr; gap: var(--gap); }
.card { border: 1px solid #d8dee6; border-radius: 8px; overflow: hidden; padding: 1rem; }
.facts th { text-align: left; color: var(--muted); }
.lead { font-size: 1.25rem; }
.badge { background: #e8f0fe; color: var(--brand); border-radius: 999px; padding: 0 .5em; }
.cta { display: inline-block; background: var(--brand); color: #fff; padding: .5rem 1rem; }
.site-footer { background: #f4f6f8; color: var(--muted); padding: var(--gap); }
@media (max-width: 768px) {
  .grid { grid-template-columns: 1fr; }
  .nav ul { display: none; }
  .nav-toggle { display: block; }
}
@media (min-width: 1200px) { main { padding-inline: 0; } }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; } }
@media print { .site-header, .site-footer { display: none; } }
@supports (position: sticky) { .site-header { position: sticky; top: 0; } }
</style></head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <a class="logo" href="/">Example University</a>
  <nav class="nav" aria-label="Main"><button class="nav-toggle">Menu</button>
    <ul><li><a href="/study">Study</a></li><li><a href="/research">Research</a></li></ul></nav>
</header>
<main id="main">
  <ol class="breadcrumb"><li>Study</li><li>Master's programmes</li></ol>
  <h1>MSc Biomedical Sciences <span class="badge">2 years</span></h1>
  <p class="lead">A research master's in the biology of human disease.</p>
  <div class="grid">
    <section>
      <h2>Admission requirements</h2>
      <p>Applicants need a bachelor's degree in biomedical sciences or a related field.</p>
      <ul><li>English: IELTS 6.5 overall.</li><li>A motivation letter of one page.</li></ul>
      <details open><summary>Deadlines</summary><p>Apply before 1 April for September entry.</p></details>
    </section>
    <aside class="card">
      <h2>Key facts</h2>
      <table class="facts"><tr><th>Tuition fee</th><td>EUR 2,530 per year</td></tr>
      <tr><th>Credits</th><td>120 ECTS</td></tr></table>
      <p><a class="cta" href="/apply">Apply now</a></p>
    </aside>
  </div>
</main>
<footer class="site-footer"><p>Contact the admissions office at admissions@example.edu.</p></footer>
</body></html>
"""
PROGRAMME_TEXT = [
    "Research",
    "MSc Biomedical Sciences 2 years",
    "Study",
    "Master's programmes",
    "A research master's in the biology of human disease.",
    "Admission requirements",
    "Applicants need a bachelor's degree in biomedical sciences or a related field.",
    "English: IELTS 6.5 overall.",
    "A motivation letter of one page.",
    "Apply before 1 April for September entry.",
    "Key facts",
    "| Tuition fee | EUR 2,530 per year |",
    "| Credits | 120 ECTS |",
    "Apply now",
    "Contact the admissions office at admissions@example.edu.",
]


def test_programme_page_with_its_own_style_sheet_ingests_in_full(tmp_path: Path) -> None:
    (tmp_path / "msc.html").write_text(PROGRAMME_PAGE, encoding="utf-8")

    [document] = load_corpus(tmp_path).documents

    assert [line for line in PROGRAMME_TEXT if line not in document.page_content] == []
    assert "Skip to content" not in document.page_content  # moved off-screen until focused
