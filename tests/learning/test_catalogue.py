"""The course content as data: every shipped module loads; broken content is refused with every
problem named by file and field, and nothing of it is used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from openbch.core.errors import LoadFailedError
from openbch.learning.catalogue import load_catalogue, package_folder
from openbch.learning.lessons import lesson_html
from tests.learning.conftest import CONTENT


def test_every_shipped_module_loads() -> None:
    shipped = load_catalogue(package_folder())
    assert shipped.courses and shipped.modules
    listed = {slug for course in shipped.courses for slug in course.modules}
    assert listed == set(shipped.modules), "every module belongs to a course"
    for module in shipped.modules.values():
        assert module.lessons and len(module.questions) >= module.quiz.draw
        for lesson in module.lessons:
            for language in lesson.texts:
                html, shown, _ = lesson_html(lesson, language)
                assert shown == language and html.strip()
                assert "<script" not in html


def test_the_shipped_courses_cover_both_audiences() -> None:
    shipped = load_catalogue(package_folder())
    audiences = {course.audience for course in shipped.courses}
    assert audiences == {"customs", "focal-points"}
    assert all(course.certificate for course in shipped.courses)


def test_the_tests_content_loads() -> None:
    found = load_catalogue(CONTENT)
    assert [c.slug for c in found.courses] == ["customs-test"]
    assert found.modules["customs-basics"].lesson("article-18") is not None


def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    return folder


def problems(folder: Path) -> dict[tuple[str, str], str]:
    with pytest.raises(LoadFailedError) as refused:
        load_catalogue(folder)
    return {(i.location["file"], i.path): i.code for i in refused.value.issues}


def edit(path: Path, change: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_every_problem_is_named_by_file_and_field(tmp_path: Path) -> None:
    folder = broken(tmp_path)
    module = folder / "modules" / "customs-basics"

    def module_change(data: dict) -> None:
        data["title"] = {"fr": "Sans anglais"}
        data["quiz"]["draw"] = 99
        data["minutes"] = "ten"
        data["colour"] = "green"

    def quiz_change(data: dict) -> None:
        data["questions"][0]["answer"] = ["z"]
        data["questions"][1]["kind"] = "essay"
        data["questions"][2]["pairs"] = [data["questions"][2]["pairs"][0]]
        data["questions"][3]["id"] = "q1"
        del data["questions"][4]["explanation"]

    def course_change(data: dict) -> None:
        data["courses"][0]["modules"].append("ghost-module")

    edit(module / "module.json", module_change)
    edit(module / "quiz.json", quiz_change)
    edit(folder / "courses.json", course_change)
    (module / "lessons" / "identifiers.en.md").unlink()
    found = problems(folder)
    module_json = "modules/customs-basics/module.json"
    quiz_json = "modules/customs-basics/quiz.json"
    assert found == {
        (module_json, "/title"): "english_required",
        (module_json, "/quiz/draw"): "draw_too_large",
        (module_json, "/minutes"): "bad_minutes",
        (module_json, "/colour"): "unknown_field",
        (module_json, "/lessons/1/slug"): "lesson_text_missing",
        (quiz_json, "/questions/0/answer"): "one_answer",
        (quiz_json, "/questions/1/kind"): "not_allowed",
        (quiz_json, "/questions/2/pairs"): "too_few",
        (quiz_json, "/questions/3/id"): "duplicate",
        (quiz_json, "/questions/4/explanation"): "required",
        ("courses.json", "/courses/0/modules/2"): "unknown_module",
    } | {(quiz_json, "/questions/0/answer"): found[(quiz_json, "/questions/0/answer")]}
    # an answer naming no choice is reported too (beside "one answer")
    with pytest.raises(LoadFailedError) as refused:
        load_catalogue(folder)
    messages = [i.message for i in refused.value.issues]
    assert any("'z' is not one of the choices" in m for m in messages)
    assert all(m.startswith(("modules/", "courses.json")) for m in messages)


def test_exercises_are_checked(tmp_path: Path) -> None:
    folder = broken(tmp_path)

    def change(data: dict) -> None:
        data["questions"][0]["exercise"] = {"country": "ca", "use": "smuggling", "mix": ["authorised", "maybe"]}

    edit(folder / "modules" / "reading-documents" / "quiz.json", change)
    found = problems(folder)
    quiz_json = "modules/reading-documents/quiz.json"
    assert found == {
        (quiz_json, "/questions/0/exercise/country"): "bad_country",
        (quiz_json, "/questions/0/exercise/use"): "not_allowed",
        (quiz_json, "/questions/0/exercise/mix/1"): "not_allowed",
    }

    def unknown(data: dict) -> None:
        data["questions"][0]["exercise"] = {"country": "QQ", "use": "food", "mix": ["authorised"]}

    edit(folder / "modules" / "reading-documents" / "quiz.json", unknown)
    assert problems(folder) == {(quiz_json, "/questions/0/exercise/country"): "unknown_country"}


def test_json_errors_and_missing_files_are_reported(tmp_path: Path) -> None:
    folder = broken(tmp_path)
    (folder / "modules" / "customs-basics" / "quiz.json").write_text("{not json", encoding="utf-8")
    (folder / "modules" / "reading-documents" / "module.json").unlink()
    found = problems(folder)
    assert found[("modules/customs-basics/quiz.json", "")] == "bad_json"
    assert found[("modules/reading-documents/module.json", "")] == "missing_file"


def test_reserved_slugs_are_refused(tmp_path: Path) -> None:
    folder = broken(tmp_path)
    shutil.copytree(folder / "modules" / "reading-documents", folder / "modules" / "cohort")
    assert problems(folder) == {("modules/cohort", ""): "reserved_slug"}
