"""Modules for use elsewhere: the SCORM 1.2 package's manifest validates against the SCORM 1.2
schemas; the offline bundle has the same pages; nothing from the content is run as markup."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from openbch.learning.catalogue import catalogue, load_catalogue, package_folder
from openbch.learning.export import export_module

SCHEMAS = Path(__file__).with_name("scorm12_schemas")


@pytest.fixture(scope="module")
def scorm_schema() -> etree.XMLSchema:
    # adlcp imports imscp, which imports the xml: namespace schema: all four are used
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "adlcp_rootv1p2.xsd")))


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db
def test_the_scorm_manifest_validates_against_the_scorm_12_schemas(scorm_schema: etree.XMLSchema) -> None:
    module = catalogue().modules["reading-documents"]
    files = unzip(export_module(module, kind="scorm"))
    manifest = etree.fromstring(files["imsmanifest.xml"])
    assert scorm_schema.validate(manifest), scorm_schema.error_log
    ns = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
    assert manifest.findtext("cp:metadata/cp:schemaversion", namespaces=ns) == "1.2"
    assert manifest.findtext(".//cp:item[@identifier='item-quiz']/adlcp:masteryscore", namespaces=ns) == "50"
    # every file the manifest names is in the zip, and every SCO's launch page too
    named = {f.get("href") for f in manifest.iterfind(".//cp:file", ns)}
    assert named <= set(files)
    scos = manifest.findall(".//cp:resource[@adlcp:scormtype='sco']", ns)
    assert [r.get("href") for r in scos] == ["lessons/reading.html", "quiz.html"]


def test_a_broken_manifest_is_refused_by_the_same_schemas(scorm_schema: etree.XMLSchema) -> None:
    """The check above can fail: a resource without its required identifier, a wrong scormtype."""
    bad = b"""<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" identifier="m">
      <organizations/><resources><resource type="webcontent" adlcp:scormtype="lesson" href="a.html"/></resources>
    </manifest>"""
    assert not scorm_schema.validate(etree.fromstring(bad))
    messages = " ".join(str(e.message) for e in scorm_schema.error_log)
    assert "identifier" in messages and "scormtype" in messages


@pytest.mark.django_db
def test_every_shipped_module_exports_a_valid_package(scorm_schema: etree.XMLSchema) -> None:
    shipped = load_catalogue(package_folder())
    for module in shipped.modules.values():
        files = unzip(export_module(module, kind="scorm"))
        assert scorm_schema.validate(etree.fromstring(files["imsmanifest.xml"])), (module.slug, scorm_schema.error_log)
        assert {f"lessons/{lesson.slug}.html" for lesson in module.lessons} <= set(files)


@pytest.mark.django_db
def test_the_offline_bundle_has_the_pages_and_no_manifest() -> None:
    module = catalogue().modules["customs-basics"]
    files = unzip(export_module(module, kind="html", language="fr"))
    assert "imsmanifest.xml" not in files
    assert {"index.html", "quiz.html", "quiz.js", "scorm.js", "style.css", "lessons/article-18.html"} <= set(files)
    lesson = files["lessons/article-18.html"].decode()
    assert "L&#x27;article 18" in lesson or "L'article 18" in lesson
    # the test content's lesson holds a <script> tag in its English text: shown as text, never run
    english = unzip(export_module(module, kind="html"))["lessons/article-18.html"].decode()
    assert "&lt;script&gt;" in english and "<script>alert" not in english
    assert "<table>" in english


@pytest.mark.django_db
def test_the_quiz_data_cannot_end_its_script_element() -> None:
    module = catalogue().modules["customs-basics"]
    quiz = unzip(export_module(module, kind="scorm"))["quiz.html"].decode()
    found = re.search(r'<script id="quiz-data" type="application/json">(.*?)</script>', quiz, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["draw"] == 4 and len(data["questions"]) == 5 and "<" not in found.group(1)


@pytest.mark.django_db
def test_an_exercise_is_generated_into_the_package_with_its_answer() -> None:
    module = catalogue().modules["reading-documents"]
    quiz = unzip(export_module(module, kind="scorm"))["quiz.html"].decode()
    data = json.loads(re.search(r'id="quiz-data"[^>]*>(.*?)</script>', quiz, re.S).group(1))  # type: ignore[union-attr]
    exercise = next(q for q in data["questions"] if q["kind"] == "border-check")["exercise"]
    assert "COMMERCIAL INVOICE" in exercise["document"]
    assert len(exercise["identifiers"]) == len(exercise["expected"]["items"]) == 3


@pytest.mark.django_db
def test_the_same_module_exports_the_same_bytes() -> None:
    module = catalogue().modules["customs-basics"]
    assert export_module(module, kind="scorm") == export_module(module, kind="scorm")


@pytest.mark.django_db
def test_the_cmi5_course_structure_validates_against_the_cmi5_schema() -> None:
    schema = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("cmi5_schemas") / "CourseStructure.xsd")))
    for module in [*catalogue().modules.values(), *load_catalogue(package_folder()).modules.values()]:
        files = unzip(export_module(module, kind="cmi5"))
        structure = etree.fromstring(files["cmi5.xml"])
        assert schema.validate(structure), (module.slug, schema.error_log)
        assert "imsmanifest.xml" not in files and "cmi5.js" in files
        ns = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
        aus = structure.findall("c:au", ns)
        assert [au.findtext("c:url", namespaces=ns) for au in aus] == [
            *(f"lessons/{lesson.slug}.html" for lesson in module.lessons),
            "quiz.html",
        ]
        assert all(url in files for url in (au.findtext("c:url", namespaces=ns) for au in aus))
        assert aus[-1].get("moveOn") == "Passed" and float(aus[-1].get("masteryScore", "")) == module.quiz.pass_mark
    broken = b'<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"><au id="x"/></courseStructure>'
    assert not schema.validate(etree.fromstring(broken))
