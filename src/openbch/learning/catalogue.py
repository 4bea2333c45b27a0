"""Courses, modules, lessons and question banks: teaching content kept as data in the repository.

Why data and not database rows: the content is written and reviewed like code (Markdown and a
small manifest per module, one folder each), translated file by file, and shipped with the
software, so every installation teaches the same thing and a change shows up in a diff.

Layout (``courses.json`` and ``modules/`` in this package, or another folder given to
:func:`load_catalogue`)::

    courses.json                                  {"courses": [{slug, audience, title, summary, modules, certificate}]}
    modules/<module>/module.json                  {slug, audience, title, summary, minutes, lessons, quiz}
    modules/<module>/lessons/<lesson>.<lang>.md   CommonMark; English required
    modules/<module>/quiz.json                    {"questions": [...]}: single, multiple, matching, border-check

Everything is checked at load and every problem is reported at once, each naming its file and the
JSON pointer of the field (``modules/x/quiz.json /questions/3/answer: ...``); nothing half-loaded is
ever used. Multilingual values follow the records' convention (``{"en": ..., "fr": ...}``, English
required, see :mod:`openbch.core.multilingual`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from openbch.core.errors import Issue, LoadFailedError
from openbch.core.multilingual import is_language_code
from openbch.vocabularies import get_vocabulary

__all__ = [
    "AUDIENCES",
    "EXERCISE_MIX",
    "EXERCISE_USES",
    "QUESTION_KINDS",
    "Catalogue",
    "Choice",
    "Course",
    "Exercise",
    "Lesson",
    "Module",
    "Pair",
    "Question",
    "QuizRules",
    "catalogue",
    "load_catalogue",
]

AUDIENCES = ("customs", "focal-points")
QUESTION_KINDS = ("single", "multiple", "matching", "border-check")
#: the intended uses of the border check (``openbch.customs.decisions.USES``)
EXERCISE_USES = ("food", "feed", "processing", "cultivation", "field-trial", "contained-use", "transit")
#: what an exercise's generated document may contain: identifiers with these verdicts
EXERCISE_MIX = (
    "authorised",
    "authorised-with-conditions",
    "not-authorised",
    "no-decision",
    "identifier-unknown",
    "check-digit-wrong",
)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
QUESTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: a generated document lists at most this many identifiers (the page asks a verdict for each)
MAX_MIX = 8
#: words the pages' addresses use beside module and lesson slugs (``/learn/cohort/``, ``/learn/<m>/quiz/``)
RESERVED_MODULE_SLUGS = frozenset({"enrol", "cohort", "attempts", "certificates"})
RESERVED_LESSON_SLUGS = frozenset({"quiz", "export"})


@dataclass(frozen=True)
class Choice:
    id: str
    text: Mapping[str, str]


@dataclass(frozen=True)
class Pair:
    left: Mapping[str, str]
    right: Mapping[str, str]


@dataclass(frozen=True)
class Exercise:
    country: str
    use: str
    mix: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: Mapping[str, str]
    explanation: Mapping[str, str]
    choices: tuple[Choice, ...] = ()
    answer: frozenset[str] = frozenset()
    pairs: tuple[Pair, ...] = ()
    exercise: Exercise | None = None


@dataclass(frozen=True)
class QuizRules:
    pass_mark: float
    draw: int
    max_attempts: int


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: Mapping[str, str]
    #: language code -> Markdown text
    texts: Mapping[str, str]


@dataclass(frozen=True)
class Module:
    slug: str
    audience: str
    title: Mapping[str, str]
    summary: Mapping[str, str]
    minutes: int
    lessons: tuple[Lesson, ...]
    quiz: QuizRules
    questions: tuple[Question, ...]

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)


@dataclass(frozen=True)
class Course:
    slug: str
    audience: str
    title: Mapping[str, str]
    summary: Mapping[str, str]
    modules: tuple[str, ...]
    certificate: bool


@dataclass(frozen=True)
class Catalogue:
    courses: tuple[Course, ...]
    modules: Mapping[str, Module] = field(default_factory=dict)

    def course(self, slug: str) -> Course | None:
        return next((c for c in self.courses if c.slug == slug), None)

    def courses_with(self, module: str) -> list[Course]:
        return [c for c in self.courses if module in c.modules]


# -- checking ---------------------------------------------------------------------------------


class _Checker:
    """Collects issues for one file; each check returns a usable value or a harmless default."""

    def __init__(self, issues: list[Issue], file: str) -> None:
        self.issues = issues
        self.file = file

    def fail(self, path: str, code: str, message: str) -> None:
        self.issues.append(Issue(path, code, f"{self.file} {path or '/'}: {message}", location={"file": self.file}))

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "not_an_object", "must be a JSON object")
            return {}
        return value

    def text(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> dict[str, str]:
        """A multilingual value: ``{"en": "...", ...}`` with English present and non-empty."""
        value = parent.get(key)
        where = f"{path}/{key}"
        if value is None:
            if required:
                self.fail(where, "required", "is required (an object of texts by language, English included)")
            return {}
        if not isinstance(value, dict) or not value:
            self.fail(where, "not_multilingual", 'must be an object of texts by language, e.g. {"en": "..."}')
            return {}
        texts: dict[str, str] = {}
        for language, text in value.items():
            if not is_language_code(str(language)):
                self.fail(f"{where}/{language}", "bad_language", f"{language!r} is not a language code")
            elif not isinstance(text, str) or not text.strip():
                self.fail(f"{where}/{language}", "empty_text", "must be a non-empty string")
            else:
                texts[language] = text
        if "en" not in texts and not any(i.path.startswith(f"{where}/en") for i in self.issues):
            self.fail(where, "english_required", "needs an English text ('en')")
        return texts

    def slug(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = parent.get(key)
        if not isinstance(value, str) or not SLUG.match(value):
            self.fail(f"{path}/{key}", "bad_slug", "must be lower-case words joined by hyphens (e.g. 'article-18')")
            return ""
        return value

    def choice_of(self, parent: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...]) -> str:
        value = parent.get(key)
        if value not in allowed:
            self.fail(f"{path}/{key}", "not_allowed", f"{value!r} is not one of: {', '.join(allowed)}")
            return ""
        return str(value)

    def unknown_keys(self, value: Mapping[str, Any], path: str, known: set[str]) -> None:
        for key in sorted(set(value) - known):
            self.fail(f"{path}/{key}", "unknown_field", f"is not a field here (known: {', '.join(sorted(known))})")


def _read_json(path: Path, relative: str, issues: list[Issue]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        issues.append(Issue("", "missing_file", f"{relative}: the file is missing", location={"file": relative}))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        issues.append(Issue("", "bad_json", f"{relative}: not valid JSON ({exc})", location={"file": relative}))
    return None


def _question(check: _Checker, raw: Any, path: str) -> Question | None:
    item = check.mapping(raw, path)
    if not item:
        return None
    qid = item.get("id")
    if not isinstance(qid, str) or not QUESTION_ID.match(qid):
        check.fail(f"{path}/id", "bad_id", "must be 1-40 letters, digits, '-' or '_'")
        qid = ""
    kind = check.choice_of(item, "kind", path, QUESTION_KINDS)
    prompt = check.text(item, "prompt", path)
    explanation = check.text(item, "explanation", path)
    common = {"id", "kind", "prompt", "explanation"}
    if kind in ("single", "multiple"):
        check.unknown_keys(item, path, common | {"choices", "answer"})
        choices: list[Choice] = []
        raw_choices = item.get("choices")
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            check.fail(f"{path}/choices", "too_few", "needs a list of at least 2 choices")
            raw_choices = []
        for n, raw_choice in enumerate(raw_choices):
            where = f"{path}/choices/{n}"
            choice = check.mapping(raw_choice, where)
            cid = choice.get("id")
            if not isinstance(cid, str) or not QUESTION_ID.match(cid):
                check.fail(f"{where}/id", "bad_id", "must be 1-40 letters, digits, '-' or '_'")
                continue
            if any(c.id == cid for c in choices):
                check.fail(f"{where}/id", "duplicate", f"choice {cid!r} appears twice")
            choices.append(Choice(cid, check.text(choice, "text", where)))
        answer = item.get("answer")
        if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
            check.fail(f"{path}/answer", "required", "must be a non-empty list of choice ids")
            answer = []
        known = {c.id for c in choices}
        for a in answer:
            if a not in known:
                check.fail(f"{path}/answer", "unknown_choice", f"{a!r} is not one of the choices")
        if kind == "single" and len(answer) != 1:
            check.fail(f"{path}/answer", "one_answer", "a single-choice question has exactly one answer")
        if kind == "multiple" and choices and len(set(answer)) >= len(choices):
            check.fail(f"{path}/answer", "all_correct", "at least one choice must be wrong")
        return Question(qid, kind, prompt, explanation, choices=tuple(choices), answer=frozenset(answer))
    if kind == "matching":
        check.unknown_keys(item, path, common | {"pairs"})
        raw_pairs = item.get("pairs")
        if not isinstance(raw_pairs, list) or len(raw_pairs) < 2:
            check.fail(f"{path}/pairs", "too_few", "needs a list of at least 2 pairs")
            raw_pairs = []
        pairs = []
        for n, raw_pair in enumerate(raw_pairs):
            where = f"{path}/pairs/{n}"
            pair = check.mapping(raw_pair, where)
            pairs.append(Pair(check.text(pair, "left", where), check.text(pair, "right", where)))
        rights = [p.right.get("en") for p in pairs]
        if len(set(rights)) != len(rights):
            check.fail(f"{path}/pairs", "ambiguous", "two pairs have the same right-hand text")
        return Question(qid, kind, prompt, explanation, pairs=tuple(pairs))
    if kind == "border-check":
        check.unknown_keys(item, path, common | {"exercise"})
        where = f"{path}/exercise"
        exercise = check.mapping(item.get("exercise"), where)
        country = exercise.get("country")
        if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
            check.fail(f"{where}/country", "bad_country", "must be an upper-case ISO 3166-1 alpha-2 code or EU")
            country = ""
        elif country.lower() not in get_vocabulary("countries"):
            check.fail(f"{where}/country", "unknown_country", f"{country!r} is not in the countries vocabulary")
        use = check.choice_of(exercise, "use", where, EXERCISE_USES)
        mix = exercise.get("mix")
        if not isinstance(mix, list) or not 1 <= len(mix) <= MAX_MIX:
            check.fail(f"{where}/mix", "bad_mix", f"must list 1 to {MAX_MIX} verdicts")
            mix = []
        for n, verdict in enumerate(mix):
            if verdict not in EXERCISE_MIX:
                check.fail(f"{where}/mix/{n}", "not_allowed", f"{verdict!r} is not one of: {', '.join(EXERCISE_MIX)}")
        return Question(qid, kind, prompt, explanation, exercise=Exercise(country, use, tuple(map(str, mix))))
    return None


def _module(folder: Path, slug: str, issues: list[Issue]) -> Module | None:
    relative = f"modules/{slug}/module.json"
    raw = _read_json(folder / "module.json", relative, issues)
    if raw is None:
        return None
    check = _Checker(issues, relative)
    data = check.mapping(raw, "")
    check.unknown_keys(data, "", {"slug", "audience", "title", "summary", "minutes", "lessons", "quiz"})
    if data.get("slug") != slug:
        check.fail("/slug", "slug_mismatch", f"must be the folder's name, {slug!r}")
    audience = check.choice_of(data, "audience", "", AUDIENCES)
    title = check.text(data, "title", "")
    summary = check.text(data, "summary", "")
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 600:
        check.fail("/minutes", "bad_minutes", "must be a whole number of minutes, 1 to 600")
        minutes = 0
    lessons: list[Lesson] = []
    raw_lessons = data.get("lessons")
    if not isinstance(raw_lessons, list) or not raw_lessons:
        check.fail("/lessons", "required", "needs a non-empty list of lessons")
        raw_lessons = []
    for n, raw_lesson in enumerate(raw_lessons):
        where = f"/lessons/{n}"
        lesson = check.mapping(raw_lesson, where)
        check.unknown_keys(lesson, where, {"slug", "title"})
        lesson_slug = check.slug(lesson, "slug", where)
        lesson_title = check.text(lesson, "title", where)
        if not lesson_slug:
            continue
        if lesson_slug in RESERVED_LESSON_SLUGS:
            check.fail(f"{where}/slug", "reserved_slug", f"{lesson_slug!r} is taken by a page address")
        if any(existing.slug == lesson_slug for existing in lessons):
            check.fail(f"{where}/slug", "duplicate", f"lesson {lesson_slug!r} appears twice")
        texts: dict[str, str] = {}
        for file in sorted((folder / "lessons").glob(f"{lesson_slug}.*.md")):
            language = file.name[len(lesson_slug) + 1 : -3]
            if not is_language_code(language):
                continue
            text = file.read_text(encoding="utf-8")
            if text.strip():
                texts[language] = text
        if "en" not in texts:
            check.fail(f"{where}/slug", "lesson_text_missing", f"lessons/{lesson_slug}.en.md is missing or empty")
        lessons.append(Lesson(lesson_slug, lesson_title, texts))
    quiz_data = check.mapping(data.get("quiz"), "/quiz")
    check.unknown_keys(quiz_data, "/quiz", {"pass_mark", "draw", "max_attempts"})
    pass_mark = quiz_data.get("pass_mark")
    if not isinstance(pass_mark, int | float) or isinstance(pass_mark, bool) or not 0 < pass_mark <= 1:
        check.fail("/quiz/pass_mark", "bad_pass_mark", "must be a fraction above 0 and at most 1 (e.g. 0.75)")
        pass_mark = 1.0
    draw = quiz_data.get("draw")
    if not isinstance(draw, int) or isinstance(draw, bool) or draw < 1:
        check.fail("/quiz/draw", "bad_draw", "must be a whole number of questions, at least 1")
        draw = 1
    max_attempts = quiz_data.get("max_attempts")
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or not 1 <= max_attempts <= 100:
        check.fail("/quiz/max_attempts", "bad_max_attempts", "must be a whole number from 1 to 100")
        max_attempts = 1
    quiz_relative = f"modules/{slug}/quiz.json"
    raw_quiz = _read_json(folder / "quiz.json", quiz_relative, issues)
    questions: list[Question] = []
    if raw_quiz is not None:
        quiz_check = _Checker(issues, quiz_relative)
        bank = quiz_check.mapping(raw_quiz, "")
        quiz_check.unknown_keys(bank, "", {"questions"})
        raw_questions = bank.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            quiz_check.fail("/questions", "required", "needs a non-empty list of questions")
            raw_questions = []
        for n, raw_question in enumerate(raw_questions):
            question = _question(quiz_check, raw_question, f"/questions/{n}")
            if question is None:
                continue
            if question.id and any(q.id == question.id for q in questions):
                quiz_check.fail(f"/questions/{n}/id", "duplicate", f"question id {question.id!r} appears twice")
            questions.append(question)
        if raw_questions and draw > len(raw_questions):
            check.fail("/quiz/draw", "draw_too_large", f"draws {draw} questions from a bank of {len(raw_questions)}")
    return Module(
        slug=slug,
        audience=audience,
        title=title,
        summary=summary,
        minutes=minutes,
        lessons=tuple(lessons),
        quiz=QuizRules(float(pass_mark), draw, max_attempts),
        questions=tuple(questions),
    )


def load_catalogue(folder: Path) -> Catalogue:
    """Read and check every course and module under ``folder``; LoadFailedError lists every problem."""
    issues: list[Issue] = []
    modules: dict[str, Module] = {}
    modules_folder = folder / "modules"
    if modules_folder.is_dir():
        for module_folder in sorted(p for p in modules_folder.iterdir() if p.is_dir()):
            if not SLUG.match(module_folder.name):
                where = f"modules/{module_folder.name}"
                issues.append(
                    Issue("", "bad_slug", f"{where}: a module folder's name must be a slug", location={"file": where})
                )
                continue
            if module_folder.name in RESERVED_MODULE_SLUGS:
                where = f"modules/{module_folder.name}"
                issues.append(
                    Issue(
                        "", "reserved_slug", f"{where}: this name is taken by a page address", location={"file": where}
                    )
                )
                continue
            module = _module(module_folder, module_folder.name, issues)
            if module is not None:
                modules[module.slug] = module
    courses: list[Course] = []
    raw = _read_json(folder / "courses.json", "courses.json", issues)
    if raw is not None:
        check = _Checker(issues, "courses.json")
        data = check.mapping(raw, "")
        check.unknown_keys(data, "", {"courses"})
        raw_courses = data.get("courses")
        if not isinstance(raw_courses, list):
            check.fail("/courses", "required", "needs a list of courses")
            raw_courses = []
        for n, raw_course in enumerate(raw_courses):
            where = f"/courses/{n}"
            item = check.mapping(raw_course, where)
            check.unknown_keys(item, where, {"slug", "audience", "title", "summary", "modules", "certificate"})
            slug = check.slug(item, "slug", where)
            if slug and any(c.slug == slug for c in courses):
                check.fail(f"{where}/slug", "duplicate", f"course {slug!r} appears twice")
            audience = check.choice_of(item, "audience", where, AUDIENCES)
            title = check.text(item, "title", where)
            summary = check.text(item, "summary", where)
            listed = item.get("modules")
            if not isinstance(listed, list) or not listed:
                check.fail(f"{where}/modules", "required", "needs a non-empty list of module slugs")
                listed = []
            for m, module_slug in enumerate(listed):
                if module_slug not in modules:
                    check.fail(f"{where}/modules/{m}", "unknown_module", f"no module folder modules/{module_slug}/")
            certificate = item.get("certificate", False)
            if not isinstance(certificate, bool):
                check.fail(f"{where}/certificate", "not_boolean", "must be true or false")
                certificate = False
            courses.append(Course(slug, audience, title, summary, tuple(map(str, listed)), certificate))
    if issues:
        raise LoadFailedError(f"the course catalogue has {len(issues)} error(s)", issues=issues)
    return Catalogue(tuple(courses), modules)


def package_folder() -> Path:
    return Path(str(resources.files("openbch.learning")))


@functools.cache
def _cached(folder: str) -> Catalogue:
    return load_catalogue(Path(folder))


def catalogue() -> Catalogue:
    """The catalogue in use, read once per process (content changes with the software).

    The shipped one, unless the ``OPENBCH_LEARNING_CONTENT`` setting names another folder (tests
    use a small one of their own, so they do not change whenever the teaching content does).
    """
    from django.conf import settings

    return _cached(str(getattr(settings, "OPENBCH_LEARNING_CONTENT", None) or package_folder()))
