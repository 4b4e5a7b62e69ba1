"""Browser tests: the real pages in headless Chromium, served as ``make run`` serves them.

The site is a ``flask setup`` + ``flask serve`` of its own, on a database of its own
(an embedded SQLite file, or with ``TEST_DATABASE_URL`` a PostgreSQL database beside
the suite's), so that what the browser does is committed and seen as a user sees it.
With ``TEST_REDIS_URL`` its jobs go through Redis to a real ``flask worker``.

Chromium is the machine's Debian package (``/usr/bin/chromium``, installed by
``.ci/run``); Playwright drives it and downloads no browser of its own. Screenshots
of the key pages go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from sqlalchemy.engine import make_url

from aidbridge import create_app
from aidbridge.config import database_url, load_config
from aidbridge.extensions import db
from aidbridge.tenancy import all_tenants

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The site's own Redis database: the queue tests empty the suite's.
SITE_REDIS_DB = 14


def _need_chromium() -> None:
    if Path(CHROMIUM).is_file():
        return
    message = f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_postgres(url: str) -> str:
    """A new, empty database named after the suite's, on the same server."""
    suite = make_url(database_url(url, Path()))
    name = f"{suite.database}_browser"
    admin = sa.create_engine(suite, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return suite.set(database=name).render_as_string(hide_password=False)


def _site_environment(instance: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PII_KEY", "SECRET_KEY", "AIDBRIDGE_ENV"}
    }
    env["AIDBRIDGE_INSTANCE"] = str(instance)
    env["SESSION_COOKIE_SECURE"] = "false"
    if os.environ.get("TEST_DATABASE_URL"):
        env["DATABASE_URL"] = _fresh_postgres(os.environ["TEST_DATABASE_URL"])
    if redis := os.environ.get("TEST_REDIS_URL"):
        env["REDIS_URL"] = f"{redis.rsplit('/', 1)[0]}/{SITE_REDIS_DB}"
        # Jobs an aborted run left would act on this new database's rows of the same ids.
        Redis.from_url(env["REDIS_URL"]).flushdb()
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    for _ in range(200):
        if server.poll() is not None:
            pytest.fail(f"the site stopped on start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/sign-in", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail(f"the site did not answer at {url}:\n{log.read_text()}")


@dataclass
class Site:
    url: str
    env: dict[str, str]

    @contextmanager
    def data(self) -> Iterator[None]:
        """An app context on the site's database, for seeding and reading back."""
        with create_app(load_config(self.env)).app_context():
            try:
                yield
            finally:
                db.session.remove()
                db.engine.dispose()


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    _need_chromium()
    instance = tmp_path_factory.mktemp("site")
    env = _site_environment(instance)
    subprocess.run(_flask("setup"), cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    processes = [_start(_flask("serve", "--port", str(port)), env, instance / "serve.log")]
    if env.get("REDIS_URL"):
        processes.append(_start(_flask("worker"), env, instance / "worker.log"))
    try:
        _wait_until_up(url, processes[0], instance / "serve.log")
        yield Site(url, env)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a worker still in its job's wait
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_in_call = report.failed
    return report


@pytest.fixture
def open_page(request, browser, site):
    """``open_page()``: a new browser window (its own cookies) on the site, in Chinese.
    A failing test leaves a screenshot of each of its windows as they were."""
    contexts = []

    def opened():
        context = browser.new_context(
            base_url=site.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield opened
    for number, context in enumerate(contexts, 1):
        if getattr(request.node, "failed_in_call", False):
            for page in context.pages:
                screenshot(page, f"failed-{request.node.name}-{number}")
        context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of the page as it is, whole, as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def seeded(site: Site, seed):
    """Run ``seed()`` on the site's database, across tenants, and commit."""
    with site.data(), all_tenants():
        result = seed()
        db.session.commit()
        return result
