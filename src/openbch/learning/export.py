"""A module for use elsewhere: a SCORM 1.2 package for a customs administration's own LMS, or an
offline HTML bundle (the same pages, no LMS needed).

Both zips hold ``index.html``, one page per lesson, ``quiz.html`` with ``quiz.js`` and ``scorm.js``.
The SCORM package adds ``imsmanifest.xml`` (IMS Content Packaging 1.1.2 with the ADL SCORM 1.2
extensions): one SCO per lesson, reporting ``completed`` when opened, and one for the quiz, which
reports ``cmi.core.score.raw`` (0-100) and ``cmi.core.lesson_status`` ``passed``/``failed`` through
the SCORM 1.2 API it finds in a parent window. The quiz's mastery score is the module's pass mark.

The cmi5 package (``kind="cmi5"``) has ``cmi5.xml`` (the cmi5 course structure) instead: one AU per
lesson (moveOn ``Completed``) and one for the quiz (moveOn ``Passed``, masteryScore = the pass mark);
``cmi5.js`` speaks xAPI to the LMS from the launch parameters (initialized, completed, passed or
failed with the scaled score, terminated).

What a package cannot do: keep answers secret. It runs without the clearing-house, so the question
bank and its answers travel in ``quiz.html`` (the clearing-house's own quizzes are scored on the
server). A border-check exercise is generated once, at export, from this clearing-house's data on
that day (the document says so); the live exercise, with new documents per attempt, is on the site.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any
from xml.etree import ElementTree as ET

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language_bidi, gettext

from openbch.core.multilingual import localized_text
from openbch.learning.catalogue import Module, package_folder
from openbch.learning.lessons import lesson_html
from openbch.learning.quiz import VERDICTS

__all__ = ["KINDS", "cmi5_xml", "export_module", "manifest_xml"]

#: what a module exports as: SCORM 1.2 package, cmi5 package, offline HTML bundle
KINDS = ("scorm", "cmi5", "html")

_CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
_ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_STATIC = ("scorm.js", "quiz.js", "style.css")
_CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
#: a fixed time for every zip entry, so one module exported twice gives the same bytes
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _t(value: Any, language: str) -> str:
    return localized_text(value, language) or ""


def manifest_xml(module: Module, language: str, files: list[str]) -> bytes:
    """``imsmanifest.xml``: one organization, an item per lesson and one for the quiz."""
    ET.register_namespace("", _CP)
    ET.register_namespace("adlcp", _ADLCP)
    ET.register_namespace("xsi", _XSI)
    manifest = ET.Element(
        f"{{{_CP}}}manifest",
        {
            "identifier": f"openbch-{module.slug}",
            "version": "1.0",
            f"{{{_XSI}}}schemaLocation": (f"{_CP} imscp_rootv1p1p2.xsd {_ADLCP} adlcp_rootv1p2.xsd"),
        },
    )
    metadata = ET.SubElement(manifest, f"{{{_CP}}}metadata")
    ET.SubElement(metadata, f"{{{_CP}}}schema").text = "ADL SCORM"
    ET.SubElement(metadata, f"{{{_CP}}}schemaversion").text = "1.2"
    organizations = ET.SubElement(manifest, f"{{{_CP}}}organizations", {"default": "org"})
    organization = ET.SubElement(organizations, f"{{{_CP}}}organization", {"identifier": "org"})
    ET.SubElement(organization, f"{{{_CP}}}title").text = _t(module.title, language)
    resources = ET.SubElement(manifest, f"{{{_CP}}}resources")
    shared = ["scorm.js", "style.css"]

    def sco(identifier: str, title: str, href: str, extra: list[str]) -> ET.Element:
        item = ET.SubElement(
            organization, f"{{{_CP}}}item", {"identifier": f"item-{identifier}", "identifierref": f"res-{identifier}"}
        )
        ET.SubElement(item, f"{{{_CP}}}title").text = title
        resource = ET.SubElement(
            resources,
            f"{{{_CP}}}resource",
            {"identifier": f"res-{identifier}", "type": "webcontent", f"{{{_ADLCP}}}scormtype": "sco", "href": href},
        )
        for name in [href, *extra, *shared]:
            ET.SubElement(resource, f"{{{_CP}}}file", {"href": name})
        return item

    for n, lesson in enumerate(module.lessons, start=1):
        sco(f"lesson-{n}", _t(lesson.title, language), f"lessons/{lesson.slug}.html", [])
    quiz_item = sco("quiz", gettext("Quiz"), "quiz.html", ["quiz.js"])
    ET.SubElement(quiz_item, f"{{{_ADLCP}}}masteryscore").text = str(round(module.quiz.pass_mark * 100))
    leftovers = [f for f in files if f == "index.html"]
    if leftovers:
        resource = ET.SubElement(
            resources,
            f"{{{_CP}}}resource",
            {"identifier": "res-index", "type": "webcontent", f"{{{_ADLCP}}}scormtype": "asset", "href": "index.html"},
        )
        for name in [*leftovers, *shared]:
            ET.SubElement(resource, f"{{{_CP}}}file", {"href": name})
    ET.indent(manifest)
    body: bytes = ET.tostring(manifest, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def cmi5_xml(module: Module, language: str) -> bytes:
    """``cmi5.xml``: the course, an AU per lesson (moveOn Completed) and one for the quiz (Passed)."""
    ET.register_namespace("", _CMI5)
    base = f"urn:openbch:learning:{module.slug}"

    def text(parent: ET.Element, name: str, value: Any) -> None:
        element = ET.SubElement(parent, f"{{{_CMI5}}}{name}")
        shown = {language: _t(value, language)}
        # every language the content has, the asked one first
        shown.update({lang: text for lang, text in value.items() if lang != language and text.strip()})
        for lang, content in shown.items():
            ET.SubElement(element, f"{{{_CMI5}}}langstring", {"lang": lang}).text = content

    root = ET.Element(f"{{{_CMI5}}}courseStructure")
    course = ET.SubElement(root, f"{{{_CMI5}}}course", {"id": base})
    text(course, "title", module.title)
    text(course, "description", module.summary)
    for lesson in module.lessons:
        au = ET.SubElement(
            root,
            f"{{{_CMI5}}}au",
            {"id": f"{base}:lesson:{lesson.slug}", "moveOn": "Completed", "launchMethod": "AnyWindow"},
        )
        text(au, "title", lesson.title)
        text(au, "description", lesson.title)
        ET.SubElement(au, f"{{{_CMI5}}}url").text = f"lessons/{lesson.slug}.html"
    quiz = ET.SubElement(
        root,
        f"{{{_CMI5}}}au",
        {
            "id": f"{base}:quiz",
            "moveOn": "Passed",
            "masteryScore": f"{module.quiz.pass_mark:g}",
            "launchMethod": "AnyWindow",
        },
    )
    ET.SubElement(
        ET.SubElement(quiz, f"{{{_CMI5}}}title"), f"{{{_CMI5}}}langstring", {"lang": language}
    ).text = gettext("Quiz")
    text(quiz, "description", module.summary)
    ET.SubElement(quiz, f"{{{_CMI5}}}url").text = "quiz.html"
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _quiz_data(module: Module, language: str, exercises: dict[str, dict[str, Any]]) -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    for q in module.questions:
        item: dict[str, Any] = {
            "id": q.id,
            "kind": q.kind,
            "prompt": _t(q.prompt, language),
            "explanation": _t(q.explanation, language),
        }
        if q.kind in ("single", "multiple"):
            item["choices"] = [{"id": c.id, "text": _t(c.text, language)} for c in q.choices]
            item["answer"] = sorted(q.answer)
        elif q.kind == "matching":
            item["pairs"] = [{"left": _t(p.left, language), "right": _t(p.right, language)} for p in q.pairs]
        else:
            if q.id not in exercises:
                continue
            item["exercise"] = exercises[q.id]
        questions.append(item)
    return {
        "draw": min(module.quiz.draw, len(questions)),
        "pass_mark": module.quiz.pass_mark,
        "questions": questions,
        "verdicts": [{"value": v, "label": v.replace("-", " ")} for v in VERDICTS],
        "labels": {
            "overall": gettext("Overall verdict for the shipment:"),
            "right": gettext("Right."),
            "wrong": gettext("Not right."),
            # formatted by quiz.js, which puts the number in place of %(score)s
            "score": gettext("Your score: %(score)s%%.") % {"score": "%(score)s"},
            "passed": gettext("Passed."),
            "failed": gettext("Not passed: read the explanations and try again."),
        },
    }


def _exercises(module: Module, seed: int) -> dict[str, dict[str, Any]]:
    """Each border-check question generated once, now; none when the border check is not installed."""
    import random

    try:
        from openbch.learning.exercises import make_exercise
    except ImportError:  # pragma: no cover - the customs app ships with openbch
        return {}
    made = {}
    for q in module.questions:
        if q.kind != "border-check":
            continue
        try:
            entry = make_exercise(q, random.Random(f"{seed}:{q.id}"))  # noqa: S311 - a document to practise on, no secret
        except ImportError:
            continue
        made[q.id] = {
            "document": entry["document"],
            "identifiers": entry["identifiers"],
            "expected": entry["expected"],
        }
    return made


def export_module(module: Module, *, kind: str = "scorm", language: str = "en", seed: int = 0) -> bytes:
    """The zip of ``module``: ``kind`` ``scorm`` (imsmanifest.xml), ``cmi5`` (cmi5.xml) or ``html``."""
    if kind not in KINDS:
        raise ValueError(f"kind is one of {', '.join(KINDS)}")
    files: dict[str, bytes] = {}
    with translation.override(language):
        direction = "rtl" if get_language_bidi() else "ltr"
        today = dt.date.today().isoformat()
        labels = {
            "contents": gettext("Contents"),
            "quiz": gettext("Quiz"),
            "submit": gettext("Submit my answers"),
            "again": gettext("Try again with other questions"),
            "minutes": gettext("About %(n)d minutes.") % {"n": module.minutes},
            "rules": gettext("%(draw)d questions drawn from the bank; pass mark %(mark)d%%.")
            % {"draw": module.quiz.draw, "mark": round(module.quiz.pass_mark * 100)},
            "footer": gettext("From the openbch Biosafety Clearing-House e-learning, exported on %(date)s.")
            % {"date": today},
            "exit": gettext("Exit"),
        }
        common = {
            "language": language,
            "direction": direction,
            "module_title": _t(module.title, language),
            "module_summary": _t(module.summary, language),
            "labels": labels,
            "cmi5": kind == "cmi5",
        }
        lessons = [{"slug": lesson.slug, "title": _t(lesson.title, language)} for lesson in module.lessons]
        files["index.html"] = render_to_string(
            "learning/package/index.html", {**common, "root": "", "sco": "index", "lessons": lessons}
        ).encode("utf-8")
        for n, lesson in enumerate(module.lessons):
            html, _shown, _fallback = lesson_html(lesson, language)
            files[f"lessons/{lesson.slug}.html"] = render_to_string(
                "learning/package/lesson.html",
                {
                    **common,
                    "root": "../",
                    "sco": "lesson",
                    "lesson_title": lessons[n]["title"],
                    "lesson_html": html,
                    "previous": lessons[n - 1] if n > 0 else None,
                    "next": lessons[n + 1] if n + 1 < len(lessons) else None,
                },
            ).encode("utf-8")
        data = _quiz_data(module, language, _exercises(module, seed))
        files["quiz.html"] = render_to_string(
            "learning/package/quiz.html", {**common, "root": "", "sco": "quiz", "quiz_data": data}
        ).encode("utf-8")
        static = package_folder() / "package_static"
        for name in (*_STATIC, "cmi5.js") if kind == "cmi5" else _STATIC:
            files[name] = (static / name).read_bytes()
        if kind == "scorm":
            files["imsmanifest.xml"] = manifest_xml(module, language, sorted(files))
        elif kind == "cmi5":
            files["cmi5.xml"] = cmi5_xml(module, language)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # the manifest first: some LMSs look at the first entry to recognise a package
        for name in sorted(files, key=lambda n: (n not in ("imsmanifest.xml", "cmi5.xml"), n)):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()
