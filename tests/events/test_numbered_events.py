"""Events numbered per type with no gaps, and the watermark of what a consumer has applied: on
SQLite and on PostgreSQL, with transactions that commit out of the order they were written in and
with competing numberings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from crm.events.v1.analytics_pb2 import DealScored
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import make_engine, make_session_factory
from crmkit.inbox import InboxHandler, define_inbox
from crmkit.outbox import Outbox, SqlOutboxStore, define_outbox
from tests.support import postgres_databases

SCORED = "analytics.deal.scored"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'events.db'}"
        with_engine = make_engine(url)
        yield from _with_tables(with_engine)
        return
    with postgres_databases("events") as urls:
        yield from _with_tables(make_engine(urls["events"]))


def _with_tables(engine: Engine) -> Iterator[Engine]:
    tables.create_all(engine)
    yield engine
    engine.dispose()


tables = MetaData()
outbox_table = define_outbox(tables)
inbox_table = define_inbox(tables)


def write(session: Session, deal_id: str, event_type: str = SCORED) -> None:
    Outbox(outbox_table, "analytics").add(session, event_type, deal_id, DealScored(deal_id=deal_id))


def numbers(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox_table.c.event_id, outbox_table.c.number)).all()
    return {deal: number for deal, number in rows}


def published(store: SqlOutboxStore) -> list[Envelope]:
    claimed = store.claim(100)
    store.mark_sent([message.seq for message in claimed])
    return [Envelope.FromString(message.published_body()) for message in claimed]


def test_events_are_numbered_per_type_from_one_and_the_number_travels_in_the_envelope(
    engine: Engine,
) -> None:
    with Session(engine) as session, session.begin():
        for deal in ("d-1", "d-2"):
            write(session, deal)
        write(session, "d-3", "analytics.other")
    sent = published(SqlOutboxStore(engine, outbox_table))
    assert [(e.type, e.sequence) for e in sent] == [
        (SCORED, 1),
        (SCORED, 2),
        ("analytics.other", 1),
    ]
    assert DealScored.FromString(sent[1].payload).deal_id == "d-2"


def test_an_event_committed_later_gets_a_later_number_than_one_written_after_it(
    engine: Engine,
) -> None:
    store = SqlOutboxStore(engine, outbox_table)
    early = Session(engine)
    early.begin()
    write(early, "written-first")  # its seq is the lower one, but it is not committed yet
    early.flush()
    if engine.dialect.name == "sqlite":
        early.commit()  # SQLite has one writer at a time: nothing can commit in between
    with Session(engine) as later, later.begin():
        write(later, "written-second")
    store.number_committed()
    if engine.dialect.name != "sqlite":
        early.commit()
    early.close()
    store.number_committed()
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox_table.c.seq, outbox_table.c.number).order_by(outbox_table.c.seq)
        ).all()
    assert sorted(number for _, number in rows) == [1, 2]
    if engine.dialect.name != "sqlite":
        assert [number for _, number in rows] == [2, 1]  # numbered in the order of commits


def test_competing_numberings_give_every_event_exactly_one_number_with_no_gap(
    engine: Engine,
) -> None:
    with Session(engine) as session, session.begin():
        for number in range(300):
            write(session, f"d-{number}")
    stores = [SqlOutboxStore(engine, outbox_table) for _ in range(3)]
    threads = [threading.Thread(target=store.number_all_committed) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers(engine).values()) == list(range(1, 301))
    [position] = stores[0].positions([SCORED])
    assert position.last_number == 300 and position.last_event_at is not None


def envelope(number: int, event_type: str = SCORED) -> Envelope:
    return Envelope(
        event_id=f"e-{event_type}-{number}", type=event_type, producer="deals", sequence=number
    )


def watermark(engine: Engine, event_type: str = SCORED) -> int | None:
    w = tables.tables["watermarks"]
    with engine.connect() as conn:
        query = select(w.c.applied_up_to).where(
            w.c.producer == "deals", w.c.event_type == event_type
        )
        return conn.scalar(query)


def test_the_watermark_stops_at_a_missing_event_and_moves_on_when_it_arrives(
    engine: Engine,
) -> None:
    apply = InboxHandler(make_session_factory(engine), inbox_table, lambda session, e: None)
    for number in (2, 1, 4):
        assert apply(envelope(number))
    assert watermark(engine) == 2
    assert not apply(envelope(2))  # a redelivery changes nothing
    assert apply(envelope(3))
    assert watermark(engine) == 4
    assert apply(envelope(1, "deals.other")) and watermark(engine, "deals.other") == 1


def test_competing_consumers_applying_out_of_order_leave_the_watermark_at_the_end(
    engine: Engine,
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("competing consumers share a PostgreSQL database")
    handlers = [
        InboxHandler(make_session_factory(engine), inbox_table, lambda session, e: None)
        for _ in range(4)
    ]
    order = list(range(200, 0, -1))

    def consume(part: int) -> None:
        for number in order[part::4]:
            handlers[part](envelope(number))

    threads = [threading.Thread(target=consume, args=(part,)) for part in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert watermark(engine) == 200
