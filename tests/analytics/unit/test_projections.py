"""The analytics projections are built from events alone, and the same events give the same
projections whatever their order and however often they come."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from sqlalchemy import Engine, func, select

from crm.contacts.v1 import contacts_pb2
from crm.deals.v1 import deals_pb2
from crm.events.v1 import contacts_pb2 as contact_events
from crm.events.v1 import deals_pb2 as deal_events
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import make_engine, make_session_factory, migrate
from crmkit.inbox import InboxHandler
from services.analytics import bootstrap
from services.analytics.adapters import orm
from services.analytics.entrypoints.consumer import apply_event, apply_events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def envelope(event_type: str, payload: Message, at: datetime) -> Envelope:
    return Envelope(
        event_id=str(uuid.uuid4()),
        type=event_type,
        occurred_at=at.isoformat(),
        producer="test",
        payload=payload.SerializeToString(),
    )


def a_history() -> list[Envelope]:
    """A customer renamed, a deal walked through two stages and won, an invoice posted,
    corrected and paid, and a failed order."""
    events = []
    customer = contacts_pb2.Counterparty(
        id="cp-1", name="An Phát", roles=["customer"], completeness=60, updated_at=T0.isoformat()
    )
    events.append(
        envelope(
            "contacts.counterparty.created",
            contact_events.CounterpartyCreated(counterparty=customer),
            T0,
        )
    )
    renamed = contacts_pb2.Counterparty(
        id="cp-1",
        name="An Phát JSC",
        roles=["customer", "partner"],
        completeness=80,
        owner_id="u-1",
        updated_at=(T0 + timedelta(days=1)).isoformat(),
    )
    events.append(
        envelope(
            "contacts.counterparty.updated",
            contact_events.CounterpartyUpdated(counterparty=renamed),
            T0 + timedelta(days=1),
        )
    )
    for days, stage, status in ((0, "s-1", "open"), (3, "s-2", "open")):
        at = T0 + timedelta(days=days)
        deal = deals_pb2.Deal(
            id="d-1",
            title="Steel",
            pipeline_id="p-1",
            counterparty_id="cp-1",
            stage_id=stage,
            status=status,
            probability=10 * (days + 1),
            created_at=T0.isoformat(),
            updated_at=at.isoformat(),
            amount="1000.00",
            currency="VND",
        )
        events.append(
            envelope(
                "deals.deal.stage_changed",
                deal_events.DealStageChanged(deal=deal, to_stage_id=stage, at=at.isoformat()),
                at,
            )
        )
    won_at = T0 + timedelta(days=9)
    won = deals_pb2.Deal(
        id="d-1",
        title="Steel",
        pipeline_id="p-1",
        counterparty_id="cp-1",
        stage_id="s-2",
        status="won",
        probability=100,
        created_at=T0.isoformat(),
        updated_at=won_at.isoformat(),
        closed_at=won_at.isoformat(),
    )
    events.append(envelope("deals.deal.won", deal_events.DealChanged(deal=won), won_at))
    for version, (lines, paid) in enumerate([(2, None), (1, None), (1, T0 + timedelta(days=20))]):
        document = deals_pb2.ErpDocument(
            kind="invoice",
            id="inv-1",
            external_id="HD-1",
            number="HD-1",
            date="2026-03-10",
            counterparty_id="cp-1",
            currency="VND",
            updated_at=(T0 + timedelta(days=10 + version)).isoformat(),
        )
        if paid:
            document.paid_at = paid.isoformat()
        for n in range(lines):
            document.lines.add(
                sku=f"S{n}",
                quantity="2",
                price="100",
                cost="60",
                discount="10",
                revenue="190.00",
                gross_profit="70.00",
            )
        change = ("posted", "updated", "paid")[version]
        events.append(
            envelope(
                f"deals.invoice.{change}",
                deal_events.ErpDocumentChanged(document=document),
                T0 + timedelta(days=10 + version),
            )
        )
    order = deals_pb2.ErpDocument(
        kind="order",
        id="o-1",
        external_id="SO-1",
        number="SO-1",
        date="2026-03-05",
        counterparty_id="cp-1",
        order_kind="customer",
        status="failed",
        failure_reason_id="r-1",
        updated_at=T0.isoformat(),
    )
    events.append(
        envelope("deals.order.posted", deal_events.ErpDocumentChanged(document=order), T0)
    )
    return events


def fresh_database(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / f'analytics-{uuid.uuid4().hex}.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    return make_engine(url)


def state(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(select(table)))
            for table in (
                orm.customers,
                orm.deals,
                orm.stage_entries,
                orm.invoices,
                orm.sales_facts,
                orm.orders,
            )
        }


def replay(engine: Engine, events: list[Envelope]) -> InboxHandler:
    handler = InboxHandler(make_session_factory(engine), orm.inbox, apply_event)
    for event in events:
        handler(event)
    return handler


def test_projections_keep_the_newest_state_of_everything(tmp_path: Path) -> None:
    engine = fresh_database(tmp_path)
    replay(engine, a_history())
    projected = state(engine)
    [customer] = projected["customers"]
    assert customer[1:4] == ("An Phát JSC", ",customer,partner,", "u-1")
    [deal] = projected["deals"]
    assert deal[6] == "won"
    assert [entry[2] for entry in sorted(projected["stage_entries"], key=lambda e: e[3])] == [
        "s-1",
        "s-2",
    ]
    assert len(projected["sales_facts"]) == 1  # the corrected invoice has one line
    [invoice] = projected["invoices"]
    assert invoice[5] is not None  # paid
    [order] = projected["orders"]
    assert order[3:5] == ("failed", "r-1")


def test_the_same_events_in_any_order_and_twice_give_the_same_projections(tmp_path: Path) -> None:
    history = a_history()
    in_order = fresh_database(tmp_path)
    replay(in_order, history)
    shuffled = fresh_database(tmp_path)
    mixed = list(history)
    random.Random(7).shuffle(mixed)
    handler = replay(shuffled, mixed)
    assert not any(handler(event) for event in history)  # every event seen before: skipped
    assert state(shuffled) == state(in_order)


def test_a_cancelled_invoice_leaves_no_sales_facts(tmp_path: Path) -> None:
    engine = fresh_database(tmp_path)
    history = a_history()
    replay(engine, history)
    cancelled = deals_pb2.ErpDocument(
        kind="invoice",
        id="inv-1",
        external_id="HD-1",
        number="HD-1",
        date="2026-03-10",
        counterparty_id="cp-1",
        status="cancelled",
        updated_at=(T0 + timedelta(days=30)).isoformat(),
    )
    replay(
        engine,
        [
            envelope(
                "deals.invoice.updated",
                deal_events.ErpDocumentChanged(document=cancelled),
                T0 + timedelta(days=30),
            )
        ],
    )
    assert state(engine)["sales_facts"] == []


@pytest.mark.parametrize("kind", ["contacts.contact.created", "mail.sent"])
def test_an_event_analytics_does_not_know_is_poison(tmp_path: Path, kind: str) -> None:
    from crmkit.consumer import PoisonMessage

    engine = fresh_database(tmp_path)
    with pytest.raises(PoisonMessage):
        replay(engine, [envelope(kind, contact_events.CounterpartyDeleted(), T0)])


def invoice_event(number: int, version: int, lines: int, status: str = "posted") -> Envelope:
    at = T0 + timedelta(days=version)
    document = deals_pb2.ErpDocument(
        kind="invoice",
        id=f"inv-{number}",
        external_id=f"HD-{number}",
        number=f"HD-{number}",
        date="2026-03-10",
        counterparty_id=f"cp-{number % 3}",
        currency="VND",
        status=status,
        updated_at=at.isoformat(),
    )
    for n in range(lines):
        document.lines.add(sku=f"S{n}", quantity="2", price="100", revenue="190", gross_profit="70")
    kind = "posted" if version == 0 else "updated"
    return envelope(f"deals.invoice.{kind}", deal_events.ErpDocumentChanged(document=document), at)


def test_a_batch_of_invoice_events_leaves_what_the_same_events_one_by_one_leave(
    tmp_path: Path,
) -> None:
    """Newer and older versions of an invoice in one batch, one stored before, one cancelled."""
    before = [invoice_event(1, 5, 1)]
    batch = [
        invoice_event(1, 3, 4),  # older than the stored one: nothing changes
        invoice_event(2, 0, 2),
        invoice_event(2, 2, 3),  # the newer one of the batch wins
        invoice_event(2, 1, 1),
        invoice_event(3, 0, 2),
        invoice_event(3, 1, 2, status="cancelled"),
        *(invoice_event(n, 0, 1) for n in range(4, 40)),
    ]
    one_by_one, batched = fresh_database(tmp_path), fresh_database(tmp_path)
    replay(one_by_one, before + batch)
    handler = InboxHandler(make_session_factory(batched), orm.inbox, apply_event, apply_events)
    replay(batched, before)
    assert all(handler.apply_batch(batch))
    assert state(batched) == state(one_by_one)
    facts = {row[0] for row in state(batched)["sales_facts"]}
    assert "inv-3" not in facts and len(state(batched)["invoices"]) == 39


def deal_event(deal_id: str, days: int, stage: str, status: str = "open") -> Envelope:
    at = T0 + timedelta(days=days)
    deal = deals_pb2.Deal(
        id=deal_id,
        title=f"Deal {deal_id}",
        pipeline_id="p-1",
        counterparty_id="cp-1",
        stage_id=stage,
        status=status,
        probability=10 + days,
        created_at=T0.isoformat(),
        updated_at=at.isoformat(),
        amount="1000.00",
        currency="VND",
    )
    if status != "open":
        deal.closed_at = at.isoformat()
        return envelope(f"deals.deal.{status}", deal_events.DealChanged(deal=deal), at)
    changed = deal_events.DealStageChanged(deal=deal, to_stage_id=stage, at=at.isoformat())
    return envelope("deals.deal.stage_changed", changed, at)


def scores(engine: Engine) -> dict[str, Any]:
    """The deal scores kept, and the analytics.deal.scored events published, newest per deal."""
    o = orm.outbox.c
    with engine.connect() as conn:
        kept = sorted(tuple(row) for row in conn.execute(select(orm.deal_scores)))
        bodies = conn.execute(select(o.body).where(o.event_type == "analytics.deal.scored"))
        published = {Envelope.FromString(body).aggregate_id for body in bodies.scalars()}
        return {"kept": kept, "published": published}


def test_a_batch_of_deal_events_scores_each_deal_once_and_leaves_what_one_by_one_leaves(
    tmp_path: Path,
) -> None:
    """Deals moved several times in one batch, one redelivered, an older version after a newer
    one, a participant and a task: the same projections and the same last score of each deal;
    one analytics.deal.scored per deal instead of one per event."""
    moved = deal_event("d-1", 2, "s-2")
    participant = deals_pb2.Participant(
        id="pa-1", deal_id="d-2", role="competitor", attitude="negative", influence=3
    )
    task = deals_pb2.Task(id="t-1", title="Call", due_date="2026-03-03", deal_id="d-3")
    T4 = T0 + timedelta(days=4)
    batch = [
        *(deal_event(f"d-{n}", 0, "s-1") for n in range(1, 5)),
        moved,
        deal_event("d-1", 1, "s-1"),  # older than the move before it
        Envelope.FromString(moved.SerializeToString()),  # the same event twice in one batch
        deal_event("d-2", 3, "s-3"),
        envelope(
            "deals.participant.added", deal_events.ParticipantAdded(participant=participant), T4
        ),
        envelope("deals.task.created", deal_events.TaskChanged(task=task), T0 + timedelta(days=5)),
    ]
    one_by_one, batched = fresh_database(tmp_path), fresh_database(tmp_path)
    replay(one_by_one, batch)
    handler = InboxHandler(make_session_factory(batched), orm.inbox, apply_event, apply_events)
    applied = handler.apply_batch(batch)
    assert applied.count(False) == 1  # the second copy of the move
    assert state(batched) == state(one_by_one)
    assert scores(batched) == scores(one_by_one)
    assert scores(batched)["published"] == {"d-1", "d-2", "d-3", "d-4"}
    assert published_scores(batched) == 4 < published_scores(one_by_one) == 9


def test_a_deal_won_in_the_batch_that_moved_it_is_not_scored_for_the_moves(
    tmp_path: Path,
) -> None:
    """One by one, its moves left a score of the then open deal; scored at the end of the batch,
    the deal is closed and needs none (a closed deal's chance is its outcome)."""
    batch = [deal_event("d-1", 0, "s-1"), deal_event("d-1", 1, "s-2", status="won")]
    one_by_one, batched = fresh_database(tmp_path), fresh_database(tmp_path)
    replay(one_by_one, batch)
    handler = InboxHandler(make_session_factory(batched), orm.inbox, apply_event, apply_events)
    assert all(handler.apply_batch(batch))
    assert state(batched) == state(one_by_one)
    assert scores(batched) == {"kept": [], "published": set()}
    assert scores(one_by_one)["published"] == {"d-1"}


def published_scores(engine: Engine) -> int:
    o = orm.outbox.c
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(o.event_type == "analytics.deal.scored")
        ).scalar_one()


def counters(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(select(table)))
            for table in (orm.stay_days, orm.stage_reach)
        }


def test_a_run_of_deal_events_in_a_batch_enters_the_stages_as_one_by_one(tmp_path: Path) -> None:
    """Stage entries arriving out of order split stays already counted, a stage entered twice
    is reached once, a deal known before the batch goes on from its stored entries."""
    before = [deal_event("d-1", 0, "s-1"), deal_event("d-1", 4, "s-3")]
    late = deal_event("d-2", 1, "s-2")
    batch = [
        deal_event("d-1", 2, "s-2"),  # between the two stored ones
        deal_event("d-1", 6, "s-4"),
        deal_event("d-2", 0, "s-1"),
        deal_event("d-2", 5, "s-3"),
        late,  # between the two before it
        Envelope.FromString(late.SerializeToString()),
        deal_event("d-2", 3, "s-1"),  # back to a stage it entered before
        deal_event("d-3", 1, "s-1"),
        deal_event("d-3", 1, "s-2"),  # at the same moment as the one before
        deal_event("d-1", 7, "s-4", status="lost"),
        deal_event("d-2", 2, "s-2"),  # an older version of the deal than the newest
    ]
    one_by_one, batched = fresh_database(tmp_path), fresh_database(tmp_path)
    replay(one_by_one, before + batch)
    replay(batched, before)
    handler = InboxHandler(make_session_factory(batched), orm.inbox, apply_event, apply_events)
    assert handler.apply_batch(batch).count(False) == 1
    assert state(batched) == state(one_by_one)
    assert counters(batched) == counters(one_by_one)
    assert published_scores(batched) == 2 + 2  # before the batch d-1 twice; d-1 lost in it
    assert len(state(batched)["stage_entries"]) == 11
