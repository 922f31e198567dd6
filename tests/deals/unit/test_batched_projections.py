"""The deals consumer applies a batch of events set-wise (timeline entries and win probabilities
written at the end of the batch, one statement each) and leaves what the same events leave one by
one: duplicates, older scores after newer ones, and events applied before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import Engine, select

from crm.deals.v1 import deals_pb2
from crm.events.v1 import analytics_pb2, mail_pb2
from crm.events.v1 import deals_pb2 as deal_events
from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import make_engine, make_session_factory, migrate
from crmkit.inbox import InboxHandler
from services.deals import bootstrap
from services.deals.adapters import orm
from services.deals.entrypoints.consumer import apply_event, apply_events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def envelope(event_type: str, payload: Message, at: datetime) -> Envelope:
    return Envelope(
        event_id=str(uuid.uuid4()),
        type=event_type,
        occurred_at=at.isoformat(),
        producer="test",
        payload=payload.SerializeToString(),
    )


def again(event: Envelope) -> Envelope:
    """The same event delivered a second time."""
    return Envelope.FromString(event.SerializeToString())


def with_open_deals(tmp_path: Path, *deal_ids: str) -> Engine:
    url = f"sqlite:///{tmp_path / f'deals-{uuid.uuid4().hex}.db'}"
    migrate(url, bootstrap.MIGRATIONS)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            orm.pipelines.insert().values(id="p-1", name="P", mode="simple", created_at=T0)
        )
        conn.execute(
            orm.stages.insert().values(
                id="s-1", pipeline_id="p-1", name="Lead", probability=10, position=1,
                task_templates=[], archived=False,
            )
        )  # fmt: skip
        for deal_id in deal_ids:
            conn.execute(
                orm.deals.insert().values(
                    id=deal_id, title=deal_id, pipeline_id="p-1", counterparty_id="cp-1",
                    stage_id="s-1", status="open", probability=10, probability_manual=False,
                    created_at=T0, updated_at=T0,
                )
            )  # fmt: skip
    return engine


def deal(deal_id: str, stage: str = "s-1", status: str = "open") -> deals_pb2.Deal:
    return deals_pb2.Deal(
        id=deal_id,
        title=f"Deal {deal_id}",
        pipeline_id="p-1",
        counterparty_id="cp-1",
        stage_id=stage,
        status=status,
        amount="1000.00",
        currency="VND",
        created_at=T0.isoformat(),
        updated_at=T0.isoformat(),
    )


def moved(deal_id: str, stage: str, hours: int) -> Envelope:
    at = T0 + timedelta(hours=hours)
    changed = deal_events.DealStageChanged(
        deal=deal(deal_id, stage), to_stage_id=stage, to_stage_name=stage, at=at.isoformat()
    )
    return envelope("deals.deal.stage_changed", changed, at)


def scored(deal_id: str, probability: float, hours: int) -> Envelope:
    at = (T0 + timedelta(hours=hours)).isoformat()
    payload = analytics_pb2.DealScored(deal_id=deal_id, probability=probability, scored_at=at)
    return envelope("analytics.deal.scored", payload, T0)


def mail(counterparties: list[str]) -> Envelope:
    logged = mail_pb2.MailLogged(
        message_id="m-1",
        direction="in",
        subject="Báo giá",
        from_address="a@b.vn",
        counterparty_ids=counterparties,
        at=T0.isoformat(),
    )
    return envelope("mail.received", logged, T0)


def state(engine: Engine) -> dict[str, Any]:
    t, d = orm.timeline_entries.c, orm.deals.c
    with engine.connect() as conn:
        entries = conn.execute(select(*(c for c in t if c.name != "projected_at")))
        scores = conn.execute(select(d.id, d.win_probability, d.win_scored_at))
        return {
            "timeline": sorted(tuple(str(value) for value in row) for row in entries),
            "scores": sorted(tuple(row) for row in scores),
        }


def replay(engine: Engine, events: list[Envelope]) -> None:
    handler = InboxHandler(make_session_factory(engine), orm.inbox, apply_event)
    for event in events:
        handler(event)


def test_a_batch_leaves_what_the_same_events_one_by_one_leave(tmp_path: Path) -> None:
    first = moved("d-1", "s-2", 1)
    before = [first, scored("d-2", 0.4, 10)]
    created = envelope("deals.deal.created", deal_events.DealChanged(deal=deal("d-3")), T0)
    batch = [
        again(first),  # applied before the batch: skipped
        moved("d-1", "s-3", 2),
        created,
        again(created),  # twice in the batch
        moved("d-3", "s-2", 3),
        mail(["cp-1", "cp-2"]),  # one entry per counterparty
        scored("d-1", 0.3, 5),
        scored("d-1", 0.7, 4),  # older than the one before it: ignored
        scored("d-1", 0.6, 5),  # as new as the first: the later one wins
        scored("d-2", 0.9, 9),  # older than the stored one: ignored
        scored("d-3", 0.8, 6),
    ]
    ids = ("d-1", "d-2", "d-3", "d-4")
    one_by_one, batched = with_open_deals(tmp_path, *ids), with_open_deals(tmp_path, *ids)
    replay(one_by_one, before + batch)
    replay(batched, before)
    handler = InboxHandler(make_session_factory(batched), orm.inbox, apply_event, apply_events)
    applied = handler.apply_batch(batch)
    assert applied.count(False) == 2
    assert state(batched) == state(one_by_one)
    projected = state(batched)
    assert len(projected["timeline"]) == 6
    assert [row[1] for row in projected["scores"]] == [0.6, 0.4, 0.8, None]


def test_a_batch_larger_than_one_statement_is_written_whole(tmp_path: Path) -> None:
    batch = [moved(f"d-{n % 7}", f"s-{n}", n) for n in range(2_500)]
    engine = with_open_deals(tmp_path)
    handler = InboxHandler(make_session_factory(engine), orm.inbox, apply_event, apply_events)
    assert all(handler.apply_batch(batch))
    assert len(state(engine)["timeline"]) == 2_500
