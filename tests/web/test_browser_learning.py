"""E-learning in a real browser.

* A training coordinator creates a trainee in the cohort page; the trainee reads a lesson, fails a
  quiz, retakes it and passes, passes the rest of the customs course (answering exercises with the
  border check, as a trainee would), downloads the certificate, and its verification page
  confirms it.
* A module's cmi5 package runs against a minimal cmi5 LMS (fetch URL, LMS.LaunchData, statements):
  it sends initialized, passed with the scaled score, and terminated.
* A module's SCORM 1.2 package (made by ``openbch learning export-scorm``) runs in chromium under scorm-again's SCORM 1.2 runtime (a
  Moodle-compatible API object in the parent window): the quiz reports its score and status.

Runs against the session's ``openbch serve`` (tests/web/conftest.py). Right answers come from the
shipped question bank (the test plays a trainee who read the lessons); exercise answers come from
the served border-check API. Screenshots go to the artifacts folder. No test asserts on time.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import tarfile
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openbch.learning.catalogue import Catalogue, Course, Module, load_catalogue, package_folder
from tests.web.conftest import MANAGE_PASSWORD, OPENBCH, Served, _environment, _run

pytestmark = pytest.mark.browser

TRAINEE_NAME = "Amina Diallo-Ngozi"


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    """The shipped courses (read here, not at import: broken content fails these tests, not collection)."""
    return load_catalogue(package_folder())


@pytest.fixture(scope="module")
def customs(shipped: Catalogue) -> Course:
    return next(c for c in shipped.courses if c.audience == "customs")


def shoot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def log_in(page: Any, served: Served, username: str, password: str, then: str) -> None:
    page.goto(f"{served.url}/accounts/login/?next={then}")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(then) + "$"))


@pytest.fixture(scope="module")
def coordinator(served: Served) -> str:
    """A training coordinator on the served folder, made with ``openbch user``."""
    env = _environment(served.data_dir)
    created = subprocess.run(
        [str(OPENBCH), "user", "create", "coordinator", "--data-dir", str(served.data_dir)],
        input=MANAGE_PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    _run(["user", "grant", "coordinator", "training-coordinator", "--data-dir", str(served.data_dir)], env)
    return "coordinator"


def border_check(served: Served, text: str, country: str, use: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
        f"{served.url}/api/v1/border-check",
        data=json.dumps({"text": text, "country": country, "use": use}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own server on 127.0.0.1
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def answer_rightly(page: Any, served: Served, module: Module) -> None:
    """Fill the open attempt's form as a trainee who knows the content (and uses the border check)."""
    bank = {q.id: q for q in module.questions}
    for fieldset in page.locator("fieldset.question").all():
        qid = (fieldset.get_attribute("id") or "").removeprefix("question-")
        question = bank[qid]
        if question.kind in ("single", "multiple"):
            for choice in sorted(question.answer):
                page.locator(f"#{qid}-{choice}").check()
        elif question.kind == "matching":
            for row in fieldset.locator("select").all():
                label = page.locator(f"label[for='{row.get_attribute('id')}']").inner_text().strip()
                pair = next(p for p in question.pairs if p.left["en"].strip() == label)
                row.select_option(label=pair.right["en"].strip())
        else:
            assert question.exercise is not None
            document = fieldset.locator("pre.shipping-document").inner_text()
            checked = border_check(served, document, question.exercise.country, question.exercise.use)
            fieldset.locator(f"select[name='{qid}.overall']").select_option(checked["overall"])
            for n, item in enumerate(checked["items"]):
                fieldset.locator(f"select[name='{qid}.item.{n}']").select_option(item["verdict"])


def serious_violations(page: Any, axe_script: Path) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, target: v.nodes[0].target.join(' ')})); }"
    )
    return [json.dumps(v) for v in result if v["impact"] in ("serious", "critical")]


def open_quiz(page: Any, served: Served, module: Module) -> None:
    page.goto(f"{served.url}/en/learn/{module.slug}/")
    page.get_by_role("button", name=re.compile(r"^(Take|Retake) the quiz$")).click()
    page.wait_for_url(re.compile(r"/en/learn/attempts/\d+/$"))


def test_a_trainee_fails_retakes_passes_and_verifies_the_certificate(
    browser: Any,
    served: Served,
    coordinator: str,
    artifacts: Path,
    shipped: Catalogue,
    customs: Course,
    axe_script: Path,
) -> None:
    # axe is injected as an inline script, which the pages' CSP rightly refuses: this tab ignores the CSP
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True, bypass_csp=True
    )
    accessibility: dict[str, list[str]] = {}
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # the coordinator creates the trainee's account, enrolled in the customs course
        log_in(page, served, coordinator, MANAGE_PASSWORD, f"/en/learn/cohort/?course={customs.slug}")
        page.locator("#trainee-username").fill("trainee-amina")
        page.get_by_label("Full name (as printed on certificates)").fill(TRAINEE_NAME)
        page.get_by_label("Initial password").fill(MANAGE_PASSWORD)
        page.get_by_role("button", name="Create and enrol").click()
        page.wait_for_url(re.compile(r"done=created"))
        assert "trainee-amina" in page.locator("table.cohort-table").inner_text()
        shoot(page, artifacts, "learning-cohort")
        accessibility["cohort"] = serious_violations(page, axe_script)
        page.get_by_role("button", name="Sign out").click()

        log_in(page, served, "trainee-amina", MANAGE_PASSWORD, "/en/learn/")
        first = shipped.modules[customs.modules[0]]
        page.get_by_role("link", name=first.title["en"]).first.click()
        page.get_by_role("link", name=first.lessons[0].title["en"]).click()
        assert page.locator("article.lesson h1, article.lesson p").first.is_visible()
        accessibility["lesson"] = serious_violations(page, axe_script)
        shoot(page, artifacts, "learning-lesson")
        page.get_by_role("button", name=re.compile("^Mark as read")).click()

        # a first attempt with nothing answered fails; the retake (other questions) passes
        open_quiz(page, served, first)
        shoot(page, artifacts, "learning-quiz")
        accessibility["quiz"] = serious_violations(page, axe_script)
        page.get_by_role("button", name="Submit my answers").click()
        assert "Not passed." in page.locator("#attempt-result").inner_text()
        shoot(page, artifacts, "learning-failed")
        accessibility["result"] = serious_violations(page, axe_script)
        page.get_by_role("button", name="Retake the quiz").click()
        page.wait_for_url(re.compile(r"/en/learn/attempts/\d+/$"))
        answer_rightly(page, served, first)
        page.get_by_role("button", name="Submit my answers").click()
        assert "Passed." in page.locator("#attempt-result").inner_text()

        for slug in customs.modules[1:]:
            module = shipped.modules[slug]
            open_quiz(page, served, module)
            answer_rightly(page, served, module)
            page.get_by_role("button", name="Submit my answers").click()
            assert "Passed." in page.locator("#attempt-result").inner_text(), slug
        shoot(page, artifacts, "learning-passed")

        with page.expect_download() as download:
            page.get_by_role("link", name="Download your certificate (PDF)").click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-")
        page.get_by_role("link", name="Its verification page").click()
        page.wait_for_url(re.compile(r"/en/verify/[0-9A-Z-]+/$"))
        assert "This certificate is valid." in page.locator("#verification").inner_text()
        assert page.locator("#certificate-name").inner_text() == TRAINEE_NAME
        shoot(page, artifacts, "learning-verified")
        accessibility["verify"] = serious_violations(page, axe_script)
        code = page.url.rstrip("/").rsplit("/", 1)[1]
        page.goto(f"{served.url}/en/learn/")
        accessibility["courses"] = serious_violations(page, axe_script)
    finally:
        context.close()

    # anyone else (no session) sees the same confirmation
    stranger = browser.new_context()
    try:
        public = stranger.new_page()
        public.goto(f"{served.url}/en/verify/{code.lower()}/")
        assert "This certificate is valid." in public.locator("#verification").inner_text()
    finally:
        stranger.close()
    assert {name: found for name, found in accessibility.items() if found} == {}


# ---------------------------------------------------------------------------------------------
# a SCORM 1.2 package under a SCORM 1.2 runtime


@pytest.fixture(scope="module")
def scorm_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scorm-again's SCORM 1.2 API (MIT), fetched with ``npm pack`` into a temporary folder."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (needed to fetch scorm-again)")
    folder = tmp_path_factory.mktemp("scorm-again")
    result = subprocess.run(
        [npm, "pack", "scorm-again@3.4.3", "--silent"], cwd=folder, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        pytest.skip(f"npm pack scorm-again failed: {result.stderr[:200]}")
    with tarfile.open(next(folder.glob("scorm-again-*.tgz"))) as archive:
        extracted = archive.extractfile("package/dist/scorm12.min.js")
        assert extracted is not None
        path = folder / "scorm12.min.js"
        path.write_bytes(extracted.read())
    return path


#: fills the package's quiz from the bank the package carries (the test plays a trainee who knows it)
ANSWER_FROM_THE_BANK = """() => {
              const data = JSON.parse(document.getElementById('quiz-data').textContent);
              const bank = Object.fromEntries(data.questions.map(q => [q.id, q]));
              for (const fs of document.querySelectorAll('fieldset.question')) {
                const q = bank[fs.dataset.question];
                if (q.kind === 'single' || q.kind === 'multiple') {
                  for (const input of fs.querySelectorAll('input')) input.checked = q.answer.includes(input.value);
                } else if (q.kind === 'matching') {
                  for (const select of fs.querySelectorAll('select')) select.value = select.name.split('.').pop();
                } else {
                  fs.querySelector(`select[name="${q.id}.overall"]`).value = q.exercise.expected.overall;
                  q.exercise.expected.items.forEach((v, i) => { fs.querySelector(`select[name="${q.id}.item.${i}"]`).value = v; });
                }
              }
            }"""

LMS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>LMS</title>
<script src="scorm12.min.js"></script>
<script>window.API = new Scorm12API({autocommit: false, logLevel: 5});</script></head>
<body><iframe id="sco" src="package/quiz.html" style="width:100%;height:900px"></iframe></body></html>"""


@pytest.fixture
def lms(tmp_path: Path, scorm_again: Path, served: Served, customs: Course) -> Iterator[str]:
    """A minimal LMS on 127.0.0.1: a page with the SCORM 1.2 API and the package in an iframe."""
    package = tmp_path / "package.zip"
    _run(
        ["learning", "export-scorm", customs.modules[0], "-o", str(package), "--data-dir", str(served.data_dir)],
        _environment(served.data_dir),
    )
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "package")  # noqa: S202 - our own export, names checked by test_export.py
    shutil.copy(scorm_again, tmp_path / "scorm12.min.js")
    (tmp_path / "lms.html").write_text(LMS_PAGE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/lms.html"
    finally:
        server.shutdown()
        server.server_close()


def test_the_scorm_package_reports_its_score_to_a_scorm_12_runtime(browser: Any, lms: str, artifacts: Path) -> None:
    page = browser.new_page()
    try:
        page.goto(lms)
        frame = page.frame_locator("#sco")
        frame.locator("fieldset.question").first.wait_for()
        assert page.evaluate("window.API.LMSGetValue('cmi.core.lesson_status')") == "incomplete"
        # nothing answered: failed, score 0
        frame.get_by_role("button", name="Submit my answers").click()
        assert page.evaluate("window.API.LMSGetValue('cmi.core.lesson_status')") == "failed"
        assert page.evaluate("window.API.LMSGetValue('cmi.core.score.raw')") == "0"
        # again, answered from the bank the package carries: passed, 100
        frame.get_by_role("button", name="Try again with other questions").click()
        sco = page.frame(url=re.compile(r"quiz\.html$"))
        assert sco is not None
        sco.evaluate(ANSWER_FROM_THE_BANK)
        frame.get_by_role("button", name="Submit my answers").click()
        assert page.evaluate("window.API.LMSGetValue('cmi.core.score.raw')") == "100"
        assert page.evaluate("window.API.LMSGetValue('cmi.core.lesson_status')") == "passed"
        shoot(page, artifacts, "learning-scorm-runtime")
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------
# a cmi5 package under a minimal cmi5 LMS (its fetch URL, LMS.LaunchData and statement endpoint)

CMI5_TOKEN = "b3BlbmJjaDp0ZXN0"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


class Cmi5Lms(http.server.SimpleHTTPRequestHandler):
    """Serves the package and plays the LMS's part of a cmi5 session; keeps the statements."""

    statements: list[dict[str, Any]]
    mastery: float

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        return self.headers.get("Authorization") == f"Basic {CMI5_TOKEN}" and bool(
            self.headers.get("X-Experience-API-Version", "").startswith("1.0")
        )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/fetch":
            self._json(200, {"auth-token": CMI5_TOKEN})
        elif self.path == "/lrs/statements" and self._authorised():
            received = json.loads(body)
            self.statements.extend(received if isinstance(received, list) else [received])
            self._json(200, [s["id"] for s in (received if isinstance(received, list) else [received])])
        else:
            self._json(401, {"error": "not authorised"})

    def do_GET(self) -> None:
        if self.path.startswith("/lrs/activities/state"):
            if not self._authorised():
                self._json(401, {"error": "not authorised"})
                return
            self._json(
                200,
                {
                    "contextTemplate": {"extensions": {SESSION: "session-1"}},
                    "launchMode": "Normal",
                    "masteryScore": self.mastery,
                    "moveOn": "Passed",
                    "returnURL": "/done.html",
                },
            )
            return
        super().do_GET()


@pytest.fixture
def cmi5_lms(
    tmp_path: Path, served: Served, shipped: Catalogue, customs: Course
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    module = customs.modules[0]
    package = tmp_path / "package.zip"
    _run(
        ["learning", "export-cmi5", module, "-o", str(package), "--data-dir", str(served.data_dir)],
        _environment(served.data_dir),
    )
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "package")  # noqa: S202 - our own export
    (tmp_path / "done.html").write_text("<!DOCTYPE html><title>LMS</title><p>Back in the LMS</p>", encoding="utf-8")
    statements: list[dict[str, Any]] = []
    handler = type(
        "Handler",
        (Cmi5Lms,),
        {"statements": statements, "mastery": shipped.modules[module].quiz.pass_mark},
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", statements
    finally:
        server.shutdown()
        server.server_close()


def verbs(statements: list[dict[str, Any]]) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]


def test_the_cmi5_package_reports_to_a_cmi5_lms(
    browser: Any, cmi5_lms: tuple[str, list[dict[str, Any]]], customs: Course
) -> None:
    from urllib.parse import urlencode

    base, statements = cmi5_lms
    actor = {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "amina"}}
    registration = "6f1c1a58-5c5b-4c8e-9d35-1c2a4b5e6f70"
    quiz_au = f"urn:openbch:learning:{customs.modules[0]}:quiz"
    query = urlencode(
        {
            "endpoint": f"{base}/lrs/",
            "fetch": f"{base}/fetch",
            "actor": json.dumps(actor),
            "registration": registration,
            "activityId": quiz_au,
        }
    )
    page = browser.new_page()
    try:
        page.goto(f"{base}/package/quiz.html?{query}")
        page.locator("fieldset.question").first.wait_for()
        page.wait_for_function(
            "() => document.getElementById('cmi5-exit') && !document.getElementById('cmi5-exit').hidden"
        )
        page.evaluate(ANSWER_FROM_THE_BANK)
        page.get_by_role("button", name="Submit my answers").click()
        for _ in range(100):
            if "passed" in verbs(statements):
                break
            page.wait_for_timeout(100)
        page.get_by_role("button", name="Exit").click()
        page.wait_for_url(re.compile(r"/done\.html$"))
        for _ in range(100):
            if "terminated" in verbs(statements):
                break
            page.wait_for_timeout(100)
    finally:
        page.close()
    assert verbs(statements) == ["initialized", "passed", "terminated"]
    for statement in statements:
        assert statement["actor"] == actor and statement["object"]["id"] == quiz_au
        assert statement["context"]["registration"] == registration
        assert statement["context"]["extensions"][SESSION] == "session-1"  # the LMS's context template kept
        categories = {c["id"] for c in statement["context"]["contextActivities"]["category"]}
        assert "https://w3id.org/xapi/cmi5/context/categories/cmi5" in categories
        assert re.fullmatch(r"[0-9a-f-]{36}", statement["id"]) and statement["timestamp"].endswith("Z")
    passed = statements[1]
    assert passed["result"]["score"]["scaled"] == 1 and passed["result"]["success"] is True
    assert passed["result"]["duration"].startswith("PT")
    assert "https://w3id.org/xapi/cmi5/context/categories/moveon" in {
        c["id"] for c in passed["context"]["contextActivities"]["category"]
    }
    assert statements[2]["result"]["duration"].startswith("PT")


def test_a_cmi5_lesson_reports_completed(
    browser: Any, cmi5_lms: tuple[str, list[dict[str, Any]]], shipped: Catalogue, customs: Course
) -> None:
    from urllib.parse import urlencode

    base, statements = cmi5_lms
    lesson = shipped.modules[customs.modules[0]].lessons[0].slug
    au = f"urn:openbch:learning:{customs.modules[0]}:lesson:{lesson}"
    query = urlencode(
        {
            "endpoint": f"{base}/lrs/",
            "fetch": f"{base}/fetch",
            "actor": json.dumps({"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "li"}}),
            "registration": "0c7e3a1e-2b4d-4f6a-8c9e-1a2b3c4d5e6f",
            "activityId": au,
        }
    )
    page = browser.new_page()
    try:
        page.goto(f"{base}/package/lessons/{lesson}.html?{query}")
        for _ in range(100):
            if "completed" in verbs(statements):
                break
            page.wait_for_timeout(100)
        page.get_by_role("button", name="Exit").click()
        page.wait_for_url(re.compile(r"/done\.html$"))
        for _ in range(100):
            if "terminated" in verbs(statements):
                break
            page.wait_for_timeout(100)
    finally:
        page.close()
    assert verbs(statements) == ["initialized", "completed", "terminated"]
    completed = statements[1]
    assert completed["object"]["id"] == au and completed["result"]["completion"] is True
    assert "https://w3id.org/xapi/cmi5/context/categories/moveon" in {
        c["id"] for c in completed["context"]["contextActivities"]["category"]
    }
