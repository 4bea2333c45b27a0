"""Lesson text: CommonMark (with tables) to HTML, raw HTML shown as text.

The lessons are our own content, reviewed in the repository, yet they are rendered as if they were
not: ``html=False`` makes any tag in the Markdown appear as text, and markdown-it refuses
``javascript:``, ``vbscript:`` and ``data:`` (other than images) link targets. Pages and exports
can therefore put the result in a template unescaped.
"""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt

from openbch.core.multilingual import localize
from openbch.learning.catalogue import Lesson

__all__ = ["lesson_html", "render_markdown"]


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str) -> str:
    return str(_parser().render(text))


def lesson_html(lesson: Lesson, language: str) -> tuple[str, str, bool]:
    """(HTML, the language shown, whether it fell back from ``language``) of a lesson's text."""
    shown = localize(lesson.texts, language)
    assert shown is not None  # the catalogue requires an English text
    return render_markdown(shown.text), shown.language, shown.fallback
