"""A classification run over projected sales facts gives the classes ANALYTICS.md defines,
computed here independently, stores them for ever and tells contacts."""

from __future__ import annotations

import statistics
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.contacts.v1 import contacts_pb2
from crm.deals.v1 import deals_pb2
from crm.events.v1 import analytics_pb2
from crm.events.v1 import contacts_pb2 as contact_events
from crm.events.v1 import deals_pb2 as deal_events
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import make_engine, make_session_factory, migrate
from crmkit.errors import Forbidden, InvalidInput
from crmkit.identity import Identity
from crmkit.inbox import InboxHandler
from crmkit.paging import Page
from services.analytics import bootstrap
from services.analytics.adapters import orm
from services.analytics.adapters.unit_of_work import SqlAlchemyUnitOfWork
from services.analytics.domain.commands import ComputeClassification, RunClassification
from services.analytics.entrypoints.consumer import apply_event
from services.analytics.service_layer import classification

DIRECTOR = Identity("u-1", frozenset({"director"}))
NOW = datetime(2026, 7, 1, tzinfo=UTC)
# monthly revenue per customer, January..June 2026; "old" bought only in 2025
SALES = {
    "big": [1000, 1000, 1000, 1000, 1000, 1000],
    "mid": [300, 0, 300, 0, 300, 0],
    "small": [0, 0, 0, 0, 0, 120],
    "tiny": [10, 12, 8, 10, 10, 10],
}


def event(event_type: str, payload: object) -> Envelope:
    return Envelope(
        event_id=str(uuid.uuid4()),
        type=event_type,
        occurred_at=NOW.isoformat(),
        payload=payload.SerializeToString(),
    )  # type: ignore[attr-defined]


def invoice(customer: str, day: date, amount: float, lines: int = 1) -> Envelope:
    document = deals_pb2.ErpDocument(
        kind="invoice",
        id=str(uuid.uuid4()),
        external_id="x",
        number="x",
        date=day.isoformat(),
        counterparty_id=customer,
        updated_at=NOW.isoformat(),
    )
    for _ in range(lines):
        document.lines.add(
            sku="A",
            quantity="1",
            price=str(amount / lines),
            cost="0",
            discount="0",
            revenue=f"{amount / lines:.2f}",
            gross_profit=f"{amount / lines:.2f}",
        )
    return event("deals.invoice.posted", deal_events.ErpDocumentChanged(document=document))


@pytest.fixture
def sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    factory = make_session_factory(make_engine(url))
    handler = InboxHandler(factory, orm.inbox, apply_event)
    for customer in [*SALES, "old", "new"]:
        card = contacts_pb2.Counterparty(
            id=customer, name=customer, roles=["customer"], updated_at=NOW.isoformat()
        )
        handler(
            event(
                "contacts.counterparty.created",
                contact_events.CounterpartyCreated(counterparty=card),
            )
        )
    for customer, months in SALES.items():
        for month, amount in enumerate(months, start=1):
            if amount:
                handler(invoice(customer, date(2026, month, 15), amount))
    handler(invoice("old", date(2025, 11, 3), 500))
    return factory


def expected_classes() -> dict[str, tuple[str, str | None, str]]:
    """ABC by strictly-greater shares, XYZ by population CV, status by invoice counts."""
    totals = {c: sum(m) for c, m in SALES.items()} | {"old": 0, "new": 0}
    grand = sum(totals.values())
    result = {}
    for customer, value in totals.items():
        above = sum(v for v in totals.values() if v > value) / grand * 100
        abc = "C" if value <= 0 else "A" if above < 80 else "B" if above < 95 else "C"
        months = SALES.get(customer, [0] * 6)
        mean = statistics.fmean(months)
        cv = statistics.pstdev(months) / mean * 100 if mean else None
        xyz = None if cv is None else "X" if cv <= 10 else "Y" if cv <= 25 else "Z"
        invoices = sum(1 for amount in months if amount)
        status = (
            "regular"
            if invoices > 1
            else "one_time"
            if invoices == 1
            else "lost"
            if customer == "old"
            else "potential"
        )
        result[customer] = (abc, xyz, status)
    return result


def run(sessions, **overrides):  # type: ignore[no-untyped-def]
    window = {"period_from": date(2026, 1, 1), "period_to": date(2026, 6, 30)}
    request = RunClassification(parameter="revenue", **(window | overrides))
    started = classification.start_run(request, SqlAlchemyUnitOfWork(sessions), DIRECTOR, NOW)
    classification.execute_run(
        ComputeClassification(started.id), SqlAlchemyUnitOfWork(sessions), NOW
    )
    return started.id


def test_a_run_gives_the_classes_of_analytics_md_and_stores_them(sessions) -> None:  # type: ignore[no-untyped-def]
    run_id = run(sessions)
    stored = classification.get_run(SqlAlchemyUnitOfWork(sessions), run_id)
    assert (stored.status, stored.customers, stored.negative) == ("done", 6, 0)
    rows, total = classification.results(SqlAlchemyUnitOfWork(sessions), run_id, Page(1, 50))
    got = {row.counterparty_id: (row.abc, row.xyz, row.status) for row, _ in rows}
    assert total == 6 and got == expected_classes()
    shares = {row.counterparty_id: round(row.share, 4) for row, _ in rows}
    assert shares["big"] == round(6000 / sum(map(sum, SALES.values())) * 100, 4)


def test_a_run_tells_contacts_the_classes_through_the_outbox(sessions) -> None:  # type: ignore[no-untyped-def]
    run_id = run(sessions)
    with sessions() as session:
        [body] = session.scalars(
            select(orm.outbox.c.body).where(
                orm.outbox.c.event_type == "analytics.classification.completed"
            )
        ).all()
    completed = analytics_pb2.ClassificationCompleted.FromString(Envelope.FromString(body).payload)
    assert completed.run_id == run_id
    assert {c.counterparty_id: c.abc for c in completed.classes}["big"] == "A"


def test_a_redelivered_job_does_not_run_twice_and_history_keeps_every_run(sessions) -> None:  # type: ignore[no-untyped-def]
    first = run(sessions)
    classification.execute_run(
        ComputeClassification(first), SqlAlchemyUnitOfWork(sessions), NOW
    )  # the job delivered again
    second = run(sessions, xyz_period="quarter")
    history, total = classification.history(SqlAlchemyUnitOfWork(sessions), "mid", Page(1, 50))
    assert total == 2 and {row.run_id for row, _ in history} == {first, second}
    rows, _ = classification.results(SqlAlchemyUnitOfWork(sessions), first, Page(1, 50))
    assert len(rows) == 6


def test_a_scheduled_run_key_starts_a_run_only_once(sessions) -> None:  # type: ignore[no-untyped-def]
    request = RunClassification(
        "revenue", date(2026, 1, 1), date(2026, 6, 30), run_key="schedule-1@2026-07-01T03:00"
    )
    assert (
        classification.start_run(request, SqlAlchemyUnitOfWork(sessions), DIRECTOR, NOW) is not None
    )
    assert classification.start_run(request, SqlAlchemyUnitOfWork(sessions), DIRECTOR, NOW) is None


def test_bad_parameters_are_refused_by_field_and_viewers_cannot_start_runs(sessions) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (RunClassification("margin", date(2026, 1, 1), date(2026, 2, 1)), "parameter"),
        (RunClassification("revenue", date(2026, 2, 1), date(2026, 1, 1)), "period_to"),
        (
            RunClassification("revenue", date(2026, 1, 1), date(2026, 2, 1), abc_limits=(95, 80)),
            "abc_limits",
        ),
        (
            RunClassification("revenue", date(2026, 1, 1), date(2026, 2, 1), xyz_period="week"),
            "xyz_period",
        ),
    ]
    for request, field in cases:
        with pytest.raises(InvalidInput) as refused:
            classification.start_run(request, SqlAlchemyUnitOfWork(sessions), DIRECTOR, NOW)
        assert refused.value.errors[0].field == field
    with pytest.raises(Forbidden):
        classification.start_run(
            cases[0][0], SqlAlchemyUnitOfWork(sessions), Identity("v", frozenset({"viewer"})), NOW
        )


def test_a_run_tells_contacts_in_parts_of_the_same_run_each_customer_once(
    sessions, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(classification, "CHUNK", 4)
    run_id = run(sessions)
    with sessions() as session:
        bodies = session.scalars(
            select(orm.outbox.c.body)
            .where(orm.outbox.c.event_type == "analytics.classification.completed")
            .order_by(orm.outbox.c.seq)
        ).all()
    parts = [
        analytics_pb2.ClassificationCompleted.FromString(Envelope.FromString(body).payload)
        for body in bodies
    ]
    assert [(part.run_id, len(part.classes)) for part in parts] == [(run_id, 4), (run_id, 2)]
    told = {c.counterparty_id: (c.abc, c.xyz or None, c.status) for p in parts for c in p.classes}
    assert told == expected_classes()
    _, total = classification.results(SqlAlchemyUnitOfWork(sessions), run_id, Page(1, 50))
    assert total == 6


def test_quarters_are_calendar_quarters_and_an_invoice_of_two_lines_counts_once(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    InboxHandler(sessions, orm.inbox, apply_event)(invoice("new", date(2026, 2, 1), 90, lines=2))
    run_id = run(sessions, xyz_period="quarter")
    rows, _ = classification.results(SqlAlchemyUnitOfWork(sessions), run_id, Page(1, 50))
    got = {row.counterparty_id: (row.cv, row.xyz, row.status) for row, _ in rows}
    for customer, months in {**SALES, "new": [0, 90, 0, 0, 0, 0]}.items():
        quarters = [sum(months[:3]), sum(months[3:])]
        cv = statistics.pstdev(quarters) / statistics.fmean(quarters) * 100
        assert got[customer][0] == pytest.approx(cv, abs=1e-6), customer
    assert got["tiny"][1] == "X" and got["mid"][1] == "Z"
    assert got["new"] == (pytest.approx(100.0), "Z", "one_time")
    assert got["old"] == (None, None, "lost")


def test_a_window_starting_mid_quarter_counts_its_sales_in_calendar_quarters(sessions) -> None:  # type: ignore[no-untyped-def]
    """February..July touches Q1, Q2 and Q3: February-March, April-June and July are three
    periods, as ANALYTICS.md cuts windows into calendar periods."""
    run_id = run(
        sessions, period_from=date(2026, 2, 1), period_to=date(2026, 7, 31), xyz_period="quarter"
    )
    rows, _ = classification.results(SqlAlchemyUnitOfWork(sessions), run_id, Page(1, 50))
    got = {row.counterparty_id: row.cv for row, _ in rows}
    for customer, months in SALES.items():  # January..June; July sold nothing
        quarters = [sum(months[1:3]), sum(months[3:6]), 0]
        if sum(quarters):
            cv = statistics.pstdev(quarters) / statistics.fmean(quarters) * 100
            assert got[customer] == pytest.approx(cv, abs=1e-6), customer
