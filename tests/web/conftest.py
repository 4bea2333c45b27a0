"""Fixtures of the web-page tests.

* The web app's settings (``openbch.web_mount.WEB_SETTINGS``) and URLs are installed for this
  package (``tests/web/urls.py``); once settings.py and urls.py carry them, this changes nothing.
* Browser tests (``@pytest.mark.browser``) drive Debian's chromium through Playwright against a real
  server: ``openbch demo --no-serve`` prepares a data folder, the XSS load files are published into
  it with ``openbch load``, then ``openbch serve`` runs on a free 127.0.0.1 port for the session.
  They are skipped, with the reason, when chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from openbch.web_mount import apply_web_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
OPENBCH = Path(sys.executable).with_name("openbch")
#: where the browser tests leave their screenshots (CI keeps them as artifacts)
ARTIFACTS = Path(os.environ.get("OPENBCH_TEST_ARTIFACTS", ROOT / "tests" / "web" / "artifacts"))


@pytest.fixture(scope="package", autouse=True)
def web_settings() -> Iterator[None]:
    namespace: dict[str, Any] = {
        "INSTALLED_APPS": list(settings.INSTALLED_APPS),
        "MIDDLEWARE": list(settings.MIDDLEWARE),
    }
    apply_web_settings(namespace)
    changes = {}
    for name, value in namespace.items():
        current = getattr(settings, name, None)
        if (list(current) if isinstance(current, list | tuple) else current) != value:
            changes[name] = value
    with override_settings(ROOT_URLCONF="tests.web.urls", **changes):
        yield


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    # the locale middleware leaves the language of the last page active in this thread
    yield
    translation.activate(settings.LANGUAGE_CODE)


# ---------------------------------------------------------------------------------------------
# a served data folder for the browser tests


@dataclass(frozen=True)
class Served:
    url: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "OPENBCH_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env["DJANGO_SETTINGS_MODULE"] = "tests.web.server_settings"
    # the served folder is SQLite in a temporary folder, whatever database the suite itself uses
    env.pop("OPENBCH_DATABASE_URL", None)
    env.pop("OPENBCH_SECRET_KEY", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([str(OPENBCH), *args], env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"openbch {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"openbch serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our own server on 127.0.0.1
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"openbch serve did not answer at {url} within {seconds} s")


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server on the demo data plus the hostile (XSS) records, for the whole session."""
    if os.environ.get("OPENBCH_DATABASE_URL"):
        pytest.skip("browser tests run in the SQLite run of the suite (they serve their own SQLite folder)")
    folder = tmp_path_factory.mktemp("served")
    data_dir = folder / "data"
    env = _environment(data_dir)
    _run(["demo", "--no-serve", "--data-dir", str(data_dir)], env)
    from tests.web.xss import write_load_files

    first, second = write_load_files(folder)
    _run(["load", str(first), "--data-dir", str(data_dir)], env)
    _run(["load", str(second), "--data-dir", str(data_dir)], env)
    # one withdrawn hostile record: the withdrawal reason is shown on its page
    withdraw = (
        "from openbch.core.actors import SYSTEM; from openbch.records.models import Record; "
        "from openbch.records.workflow import withdraw; from tests.web.xss import PAYLOADS; "
        "withdraw(SYSTEM, identifier=Record.objects.get(source_key='xss/law').identifier, reason=PAYLOADS[0])"
    )
    _run(["manage", "--data-dir", str(data_dir), "shell", "-c", withdraw], env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(OPENBCH), "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_until_up(url, process)
        yield Served(url, data_dir)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install -y chromium")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh browser tab; every dialog (alert, confirm, prompt) is recorded and dismissed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    tab = context.new_page()
    tab.dialogs = []
    tab.console_errors = []

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.on("console", lambda message: tab.console_errors.append(message.text) if message.type == "error" else None)
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """axe-core: the pinned copy in tests/web/vendor, else ``npm pack axe-core`` into a temporary folder."""
    vendored = Path(__file__).with_name("vendor") / "axe.min.js"
    if vendored.exists():
        return vendored
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("axe-core is not vendored and npm is not installed")
    folder = tmp_path_factory.mktemp("axe")
    result = subprocess.run(
        [npm, "pack", "axe-core@4.14.1", "--silent"], cwd=folder, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        pytest.skip(f"npm pack axe-core failed: {result.stderr[:200]}")
    import tarfile

    with tarfile.open(next(folder.glob("axe-core-*.tgz"))) as archive:
        member = archive.getmember("package/axe.min.js")
        extracted = archive.extractfile(member)
        assert extracted is not None
        path = folder / "axe.min.js"
        path.write_bytes(extracted.read())
    return path


def pytest_configure(config: pytest.Config) -> None:
    # also declared in pyproject.toml once it lists it; declaring twice is harmless
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright (tests/web)")


# ---------------------------------------------------------------------------------------------
# accounts on the served data folder, for the management centre's browser tests


#: the password of every account made by :func:`manage_accounts`
MANAGE_PASSWORD = "browser tests: a long passphrase"


@pytest.fixture(scope="session")
def manage_accounts(served: Served) -> dict[str, str]:
    """A Canadian national authorized user and publishing authority, made with ``openbch user``."""
    env = _environment(served.data_dir)
    accounts = {
        "author-ca": ("national-authorized-user", "CA"),
        "publisher-ca": ("national-publishing-authority", "CA"),
    }
    for name, (role, country) in accounts.items():
        created = subprocess.run(
            [str(OPENBCH), "user", "create", name, "--data-dir", str(served.data_dir)],
            input=MANAGE_PASSWORD + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if created.returncode != 0:
            raise RuntimeError(f"openbch user create {name} failed:\n{created.stdout}\n{created.stderr}")
        _run(["user", "grant", name, role, "--country", country, "--data-dir", str(served.data_dir)], env)
    return {name: MANAGE_PASSWORD for name in accounts}
