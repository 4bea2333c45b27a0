"""A debate as a printable PDF (fpdf2): the question, the synthesis, then every published post with
its author's display name, time and position.

The fonts are the e-learning's (``openbch/learning/fonts``: DejaVu Sans for Latin, Greek, Cyrillic
and Arabic letters, Droid Sans Fallback for Chinese, Japanese and Korean, loaded only when a text
needs it), so openbch ships one copy. Arabic is drawn without contextual shaping (that needs
HarfBuzz, which openbch does not depend on); the HTML report (``/<lang>/debates/<slug>/report/``)
is the one to read Arabic posts in. Posts are printed as plain text taken from their sanitised
HTML: the PDF never interprets what a participant wrote.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import nh3
from django.utils.translation import gettext
from fpdf import FPDF

from openbch.participation.models import Debate, Post

__all__ = ["debate_pdf", "plain_text"]

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)


def fonts_folder() -> Path:
    return Path(str(resources.files("openbch.learning") / "fonts"))


@functools.cache
def _dejavu_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fpdf2's own dependency, untyped

    with TTFont(str(fonts_folder() / "DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap())


def plain_text(fragment: str) -> str:
    """The text of sanitised post HTML, one line per paragraph or list item."""
    text = html.unescape(nh3.clean(_BLOCK_END.sub("\n", fragment), tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def debate_pdf(debate: Debate, posts: Iterable[Post], *, url: str, state: str) -> bytes:
    posts = list(posts)
    texts = [debate.question, plain_text(debate.description_html), plain_text(debate.synthesis_html)]
    bodies = [plain_text(p.html) if p.hidden_at is None else "" for p in posts]
    texts += bodies + [p.display_name for p in posts] + [p.hidden_reason for p in posts]
    folder = fonts_folder()
    pdf = FPDF(format="A4")
    pdf.set_title(debate.question)
    pdf.set_author("openbch Biosafety Clearing-House")
    pdf.set_creator("openbch")
    pdf.add_font("dejavu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    covered = _dejavu_characters()
    if any(ord(ch) not in covered for text in texts for ch in text if not ch.isspace()):
        pdf.add_font("droid", "", str(folder / "DroidSansFallbackFull.ttf"))
        pdf.set_fallback_fonts(["droid"], exact_match=False)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float, *, bold: bool = False, height: float = 6) -> None:
        pdf.set_font("dejavu", "B" if bold else "", size)
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    pdf.set_text_color(31, 92, 77)
    line(gettext("openbch — Biosafety Clearing-House: online debate"), 10, bold=True)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    line(debate.question, 17, bold=True, height=8)
    if debate.demo:
        line(gettext("Demonstration content: the posts were written for the openbch demo."), 9)
    opens = debate.opens_at.strftime("%Y-%m-%d %H:%M UTC")
    closes = debate.closes_at.strftime("%Y-%m-%d %H:%M UTC")
    line(
        gettext("Open from %(opens)s to %(closes)s (%(state)s)") % {"opens": opens, "closes": closes, "state": state},
        10,
    )
    line(url, 9)
    description = plain_text(debate.description_html)
    if description:
        pdf.ln(2)
        line(description, 10.5)
    if debate.synthesis_html:
        pdf.ln(3)
        line(gettext("Synthesis"), 13, bold=True)
        written = debate.synthesis_at.strftime("%Y-%m-%d") if debate.synthesis_at else ""
        line(gettext("by %(name)s, %(date)s") % {"name": debate.synthesis_by, "date": written}, 9)
        line(plain_text(debate.synthesis_html), 10.5)
    pdf.ln(3)
    line(gettext("Posts (%(count)d)") % {"count": len(posts)}, 13, bold=True)
    for post, body in zip(posts, bodies, strict=True):
        pdf.ln(2)
        heading = f"#{post.pk} · {post.display_name} · {post.created_at.strftime('%Y-%m-%d %H:%M UTC')}"
        if post.position:
            heading += f" · {post.position}"
        if post.parent_id:
            heading += " · " + gettext("reply to #%(id)d") % {"id": post.parent_id}
        line(heading, 9.5, bold=True, height=5)
        if post.hidden_at is not None:
            line(gettext("Hidden by a moderator: %(reason)s") % {"reason": post.hidden_reason}, 10)
        else:
            line(body, 10.5, height=5.5)
    return bytes(pdf.output())
