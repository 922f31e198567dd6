"""The pipeline board and the deal card, in the browser."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from crmkit.text import searchable
from services.deals.adapters import orm as deals_orm
from tests.browser.conftest import SCREENSHOTS, LiveSuite, screenshot

STAGES = ["Tiếp cận", "Báo giá", "Đàm phán", "Ký hợp đồng"]
BOARD_DEALS = 500


@pytest.fixture(scope="module")
def pipeline(live: LiveSuite) -> dict[str, Any]:
    stages = [{"name": name, "probability": 10 + 25 * i} for i, name in enumerate(STAGES)]
    return live.api("POST", "/pipelines", {"name": "Bán buôn", "mode": "simple", "stages": stages})


@pytest.fixture(scope="module")
def buyers(live: LiveSuite) -> list[dict[str, Any]]:
    names = ["Công ty TNHH Thương mại Hoàng Long", "Công ty CP Nhựa Đông Á", "Siêu thị Minh Phát"]
    names += [f"Công ty TNHH Phân phối Số {i}" for i in range(1, 38)]
    return [live.api("POST", "/counterparties", {"name": n, "roles": ["customer"]}) for n in names]


@pytest.fixture(scope="module")
def full_board(live: LiveSuite, pipeline: dict[str, Any], buyers: list[dict[str, Any]]) -> None:
    """500 open deals spread over the stages, written straight into the deals database: this
    measures the browser, not how fast the API opens deals (bench/deals_bench.py does that)."""
    now = datetime.now(UTC)
    rows = []
    for i in range(BOARD_DEALS):
        title = f"Đơn hàng quý {1 + i % 4} số {i + 1}"
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "title": title,
                "title_key": searchable(title),
                "pipeline_id": pipeline["id"],
                "counterparty_id": buyers[i % len(buyers)]["id"],
                "stage_id": pipeline["stages"][i % len(STAGES)]["id"],
                "amount": Decimal((i % 37 + 1) * 1_250_000),
                "currency": "VND",
                "expected_close_date": date(2027, 1 + i % 9, 15),
                "owner_id": live.suite.admin_id,
                "status": "open",
                "probability": 10 + 25 * (i % len(STAGES)),
                "probability_manual": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    with live.suite.deals.engine.begin() as conn:
        conn.execute(deals_orm.deals.insert(), rows)


def test_a_board_of_500_deals_shows_every_card_and_reports_how_fast_it_rendered(
    page: Page, live: LiveSuite, pipeline: dict[str, Any], full_board: None
) -> None:
    timings = []
    for _ in range(3):
        page.goto(f"{live.url}/#/board/{pipeline['id']}")
        page.reload()
        board = page.locator(".board[data-render-ms]")
        board.wait_for()
        timings.append(float(board.get_attribute("data-render-ms") or "nan"))
    expect(page.locator("article.deal-card")).to_have_count(BOARD_DEALS)
    for name in STAGES:
        expect(page.locator(f'section.column[data-stage="{name}"] .stage-count')).to_have_text(
            str(BOARD_DEALS // len(STAGES))
        )
    report = {"deals": BOARD_DEALS, "render_ms_after_data": timings}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "board-500.json").write_text(json.dumps(report))
    print(f"\nboard of {BOARD_DEALS} deals rendered in {timings} ms after its data arrived")
    screenshot(page, "board-500")
