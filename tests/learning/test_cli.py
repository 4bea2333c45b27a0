"""``openbch learning``: check content, list it, export a module as SCORM 1.2 or offline HTML."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openbch.cli import app
from tests.learning.conftest import CONTENT

runner = CliRunner()


def test_check_reports_valid_content_and_every_problem(tmp_path: Path) -> None:
    result = runner.invoke(app, ["learning", "check", str(CONTENT)])
    assert result.exit_code == 0 and "1 courses, 2 modules, 7 questions: all valid" in result.output
    (tmp_path / "courses.json").write_text('{"courses": [{"slug": "Bad Slug"}]}', encoding="utf-8")
    result = runner.invoke(app, ["learning", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "courses.json /courses/0/slug: must be lower-case words" in result.output
    assert "courses.json /courses/0/title: is required" in result.output


@pytest.mark.django_db
def test_export_scorm_and_html(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["learning", "list"])
    assert listed.exit_code == 0 and "customs-basics" in listed.output
    target = tmp_path / "basics.zip"
    result = runner.invoke(app, ["learning", "export-scorm", "customs-basics", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist()[0] == "imsmanifest.xml"
    offline = tmp_path / "offline.zip"
    assert (
        runner.invoke(app, ["learning", "export-html", "customs-basics", "-o", str(offline), "--lang", "fr"]).exit_code
        == 0
    )
    with zipfile.ZipFile(offline) as archive:
        assert "imsmanifest.xml" not in archive.namelist() and "index.html" in archive.namelist()
    cmi5 = tmp_path / "cmi5.zip"
    assert runner.invoke(app, ["learning", "export-cmi5", "customs-basics", "-o", str(cmi5)]).exit_code == 0
    with zipfile.ZipFile(cmi5) as archive:
        assert archive.namelist()[0] == "cmi5.xml"
    unknown = runner.invoke(app, ["learning", "export-scorm", "nope", "-o", str(target)])
    assert unknown.exit_code == 2
