"""The web UI in headless Chromium (Debian's, driven by Playwright) against a whole suite that
serves the built UI and the API on a real loopback port."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from tests.support import ADMIN_PASSWORD, Suite, running_suite, settings_for

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps knocking on a closed network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("CRM_SCREENSHOTS", "screenshots"))


def daytime_zone(now: dt.datetime | None = None) -> str:
    """A time zone where it is about eleven in the morning now: the team at work is at work in
    daytime, so a task due today or a call two hours ahead is still today, whatever the hour of
    the machine's clock (a test run at 23:51 UTC planned its call 'later today' in the past). Its
    date is always UTC's date, so a server that counts days in UTC agrees with the tab."""
    hour = (now or dt.datetime.now(dt.UTC)).hour
    ahead = (11 - hour + 12) % 24 - 12  # hours ahead of UTC, -12 .. +11
    return f"Etc/GMT{-ahead:+d}" if ahead else "Etc/UTC"  # the Etc names count the other way


DAYTIME = daytime_zone()


@pytest.fixture(scope="package", autouse=True)
def in_daytime() -> Iterator[None]:
    """The test process and every tab keep the clock of DAYTIME while the browser tests run."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = DAYTIME
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


class LiveSuite:
    """A suite whose gateway listens on a port, so that a browser can use it."""

    def __init__(self, suite: Suite, server: BaseWSGIServer) -> None:
        self.suite = suite
        self.url = f"http://127.0.0.1:{server.server_port}"

    def api(self, method: str, path: str, json: object = None) -> Any:
        reply = self.suite.client.open(
            f"/api/v1{path}", method=method, json=json, headers=self.suite.headers()
        )
        assert reply.status_code < 300, reply.get_json()
        return reply.get_json() or {}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSuite]:
    web_dist = {k: v for k, v in os.environ.items() if k == "CRM_WEB_DIST"}
    settings = settings_for(tmp_path_factory.mktemp("var"), None, **web_dist)
    if not (settings.web_dist / "index.html").exists():
        pytest.fail("the web UI is not built: run `make web` (make test does)")
    with running_suite(settings, company_time_zone=DAYTIME) as suite:
        server = make_server("127.0.0.1", 0, suite.client.application, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveSuite(suite, server)
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


# The uncaught script errors of every tab that new_tab opened, since the last test ended.
SCRIPT_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_script_errors() -> Iterator[None]:
    """Every browser test also fails on an uncaught script error in any of its tabs."""
    yield
    found = list(SCRIPT_ERRORS)
    SCRIPT_ERRORS.clear()
    assert not found, "uncaught script errors: " + " | ".join(found)


def new_tab(
    browser: Browser,
    live: LiveSuite,
    timezone_id: str = DAYTIME,
    viewport: tuple[int, int] = (1440, 900),
) -> Page:
    """A tab in a context of its own (its own sign-in), on a laptop-sized screen unless told another
    (width, height), in English until the test picks another language, on the DAYTIME clock unless
    told another; an uncaught script error in it, or in a tab it opens, fails the test. The caller
    closes its context."""
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-GB", timezone_id=timezone_id
    )
    context.on("weberror", lambda failed: SCRIPT_ERRORS.append(str(failed.error)))
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.add_init_script(
        "localStorage.setItem('crm.language', localStorage.getItem('crm.language') || 'en')"
    )
    opened.goto(live.url + "/")
    return opened


@pytest.fixture(scope="module")
def page(browser: Browser, live: LiveSuite) -> Iterator[Page]:
    """One tab per module, signed in as the admin, in English."""
    opened = new_tab(browser, live)
    sign_in(opened)
    yield opened
    opened.context.close()


def sign_in(page: Page, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator("header.topbar").wait_for()
    # The screen being loaded at sign-in would still be drawn over one that the test opens at once.
    page.locator("#screen > :not(.loading)").first.wait_for()


@contextmanager
def in_vietnamese(page: Page) -> Iterator[None]:
    """The tab speaks Vietnamese from its next load inside the block, and English again after it."""
    page.evaluate("localStorage.setItem('crm.language', 'vi')")
    try:
        yield
    finally:
        page.evaluate("localStorage.setItem('crm.language', 'en')")
        page.reload()


def funnel_counts(page: Page) -> dict[str, str]:
    """How many deals the funnel on the screen counts in each stage, by the stage's name."""
    rows = page.locator("table.funnel tr[data-stage]")
    rows.first.wait_for()
    return {
        row.get_attribute("data-stage") or "": row.locator("td.count").inner_text()
        for row in rows.all()
    }


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Saves what the user sees now as screenshots/<name>.png (not committed); a dialog is
    shown as the user sees it, over the visible part of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# -- people of a test module, each in a tab of their own --------------------------------------
def make_people(
    live: LiveSuite, roster: Iterable[tuple[str, str, str]]
) -> dict[str, dict[str, str]]:
    """Users made for a module: key -> {id, username, password}, from (key, full name, role)."""
    suffix = uuid.uuid4().hex[:6]
    found: dict[str, dict[str, str]] = {}
    for key, full_name, role in roster:
        username, password = f"{key}.{suffix}", f"password-{key}-{suffix}"
        body = {"username": username, "password": password, "full_name": full_name, "roles": [role]}
        made = live.api("POST", "/users", body)
        found[key] = {"id": made["id"], "username": username, "password": password}
    return found


def act_as(
    live: LiveSuite, who: dict[str, str], method: str, path: str, json: object = None
) -> Any:
    """A request of one of those people, as themselves (so that the audit names them)."""
    headers = live.suite.headers(who["username"], who["password"])
    reply = live.suite.client.open(f"/api/v1{path}", method=method, json=json, headers=headers)
    assert reply.status_code < 300, reply.get_json()
    return reply.get_json() or {}


def tab_of(browser: Browser, live: LiveSuite, who: dict[str, str]) -> Iterator[Page]:
    """A tab of one's own, signed in: nothing another tab left loading is drawn in it."""
    opened = new_tab(browser, live)
    sign_in(opened, who["username"], who["password"])
    yield opened
    opened.context.close()


def visit(page: Page, address: str) -> None:
    """Opens a screen afresh, in the language the tab speaks now: a route already open (or still
    loading from the previous test) is loaded again, so it shows what the test just made."""
    page.goto(address)
    page.reload()
    page.locator("#screen > :not(.loading)").first.wait_for()
