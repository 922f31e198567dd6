"""How soon My day is usable (today's card drawn with its items) in Chromium, for a manager with
123 overdue tasks on 100 deals beside today's work, against the same day of a colleague with
nothing overdue, measured in the same run (the baseline: what the page costs without the
overdue pile).

The whole suite runs in this process on SQLite (the laptop default), served over loopback; the
browser is Debian's Chromium driven by Playwright. Each visit opens the route afresh and stops the
clock when today's card shows its first item.

    .venv/bin/python -m bench.myday_bench [--overdue 123] [--visits 7] [--web-dist DIR]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.support import Suite, running_suite, settings_for


def api(suite: Suite, method: str, path: str, body: object, headers: dict[str, str]) -> Any:
    reply = suite.client.open(f"/api/v1{path}", method=method, json=body, headers=headers)
    assert reply.status_code < 300, reply.get_json()
    return reply.get_json()


def fill(suite: Suite, overdue: int) -> dict[str, str]:
    """Two managers with the same day; the first also with `overdue` late tasks on 100 deals."""
    admin = suite.headers()
    stages = [{"name": "Báo giá", "probability": 30}]
    process = api(
        suite, "POST", "/pipelines", {"name": "Bán buôn", "mode": "simple", "stages": stages}, admin
    )
    users = {}
    for name in ("busy", "calm"):
        body = {
            "username": name,
            "password": f"password-{name}",
            "full_name": name.title(),
            "roles": ["manager"],
        }
        users[name] = api(suite, "POST", "/users", body, admin)["id"]
    today = date.today()
    deals = []
    for n in range(100):
        party = api(
            suite, "POST", "/counterparties", {"name": f"Công ty số {n}", "force": True}, admin
        )
        body = {
            "title": f"Thương vụ {n}",
            "pipeline_id": process["id"],
            "counterparty_id": party["id"],
            "owner_id": users["busy"],
        }
        deals.append(api(suite, "POST", "/deals", body, admin))
    for n in range(overdue):
        due = today - timedelta(days=1 + n % 40)
        task = {
            "title": f"Việc cũ {n}",
            "assignee_id": users["busy"],
            "due_date": str(due),
            "deal_id": deals[n % 100]["id"],
        }
        api(suite, "POST", "/tasks", task, admin)
    for who in ("busy", "calm"):
        for n in range(8):
            task = {
                "title": f"Việc hôm nay {n}",
                "assignee_id": users[who],
                "due_date": str(today),
                "deal_id": deals[n]["id"],
            }
            api(suite, "POST", "/tasks", task, admin)
    suite.deliver_events()
    return users


def usable_after(page: Page, url: str) -> float:
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto(url)
    page.locator("section.day.today li.item").first.wait_for()
    return time.perf_counter() - started


def signed_in(browser: Any, base: str, username: str) -> Page:
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(base + "/")
    page.evaluate("localStorage.setItem('crm.language', 'vi')")
    page.reload()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(f"password-{username}")
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("header.topbar").wait_for()
    return page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--overdue", type=int, default=123)
    parser.add_argument("--visits", type=int, default=7)
    parser.add_argument("--web-dist", help="another build of the UI (an older one, to compare)")
    args = parser.parse_args()
    built = {"CRM_WEB_DIST": args.web_dist} if args.web_dist else {}
    with (
        tempfile.TemporaryDirectory() as data,
        running_suite(settings_for(Path(data), None, **built)) as suite,
    ):
        fill(suite, args.overdue)
        server = make_server("127.0.0.1", 0, suite.client.application, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        times: dict[str, list[float]] = {"busy": [], "calm": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            pages = {who: signed_in(browser, base, who) for who in times}
            for _ in range(args.visits):  # in turn, so that the machine's mood touches both
                for who, page in pages.items():
                    times[who].append(usable_after(page, f"{base}/#/my-day"))
            browser.close()
        server.shutdown()
    busy, calm = (statistics.median(times[who]) for who in ("busy", "calm"))
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC {platform.machine()}, {args.visits} visits each")
    print(
        f"  {args.overdue} overdue: usable after {busy * 1000:.0f} ms (median; max {max(times['busy']) * 1000:.0f} ms)"
    )
    print(
        f"  none overdue (baseline): {calm * 1000:.0f} ms (median; max {max(times['calm']) * 1000:.0f} ms)"
    )
    print(f"  busy / baseline: {busy / calm:.2f}")


if __name__ == "__main__":
    main()
