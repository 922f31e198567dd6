"""What deals keeps of other services' data (fed by their events) and its timeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BindParameter, Row, Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from crmkit.db import upsert_into
from crmkit.paging import older_than
from services.deals.adapters import orm
from services.deals.adapters.repository import SqlAlchemyNotificationRepository
from services.deals.domain.model import Notification
from services.deals.service_layer.unit_of_work import TimelineQuery


@dataclass
class TimelineEntry:
    """One fact of a deal's or a counterparty's history: its kind and parameters; `title` is
    their English sentence, for older clients."""

    event_id: str
    deal_id: str | None
    counterparty_id: str | None
    kind: str
    at: datetime
    title: str
    params: dict[str, str]
    ref_id: str
    occurred_at: datetime
    projected_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class SqlAlchemyProjections:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _upsert(self, table: Table, key: str, values: dict[str, Any]) -> None:
        found = self.session.execute(
            select(table.c[key]).where(table.c[key] == values[key])
        ).first()
        if found is None:
            self.session.execute(table.insert().values(**values))
        else:
            self.session.execute(update(table).where(table.c[key] == values[key]).values(**values))

    def counterparty(
        self, counterparty_id: str, name: str, owner_id: str | None, deleted: bool = False
    ) -> None:
        values = {"id": counterparty_id, "name": name, "owner_id": owner_id, "deleted": deleted}
        self._upsert(orm.known_counterparties, "id", values)

    def owners(self, counterparty_ids: set[str]) -> dict[str, str]:
        cp = orm.known_counterparties.c
        query = select(cp.id, cp.owner_id).where(
            cp.id.in_(counterparty_ids), cp.owner_id.is_not(None)
        )
        return {row.id: row.owner_id for row in self.session.execute(query)}

    def counterparty_deleted(self, counterparty_id: str) -> None:
        self.session.execute(
            update(orm.known_counterparties)
            .where(orm.known_counterparties.c.id == counterparty_id)
            .values(deleted=True)
        )

    def contact(
        self, contact_id: str, counterparty_id: str, full_name: str, birthday: date | None
    ) -> None:
        month_day = birthday.strftime("%m-%d") if birthday else None
        values = {
            "id": contact_id,
            "counterparty_id": counterparty_id,
            "full_name": full_name,
            "birthday_month_day": month_day,
        }
        self._upsert(orm.known_contacts, "id", values)

    def interaction(self, values: dict[str, Any]) -> None:
        self._upsert(orm.known_interactions, "id", values)

    def forget_interaction(self, interaction_id: str) -> None:
        """An archived one: out of the planner and the timelines (restored, it comes back)."""
        i = orm.known_interactions.c
        self.session.execute(delete(orm.known_interactions).where(i.id == interaction_id))
        self.forget_entries_of(interaction_id)

    def forget_entries_of(self, ref_id: str) -> None:
        """The timeline entries about one record, which a newer entry is about to replace."""
        t = orm.timeline_entries.c
        self.session.execute(delete(orm.timeline_entries).where(t.ref_id == ref_id))

    def win_probability(self, deal_id: str, probability: float, at: datetime | None) -> None:
        """Keeps the newest score of an open deal."""
        d = orm.deals.c
        newer = or_(d.win_scored_at.is_(None), d.win_scored_at <= at)
        self.session.execute(
            update(orm.deals)
            .where(d.id == deal_id, d.status == "open", newer)
            .values(win_probability=probability, win_scored_at=at)
        )

    def add_to_timeline(self, entry: TimelineEntry) -> None:
        self._upsert(orm.timeline_entries, "event_id", asdict(entry))

    def notify(self, notification: Notification) -> None:
        """Once per dedupe key, however often the event comes."""
        SqlAlchemyNotificationRepository(self.session).add_once(notification)

    def timeline(self, wanted: TimelineQuery) -> list[Row[Any]]:
        t = orm.timeline_entries.c
        conditions = [older_than(t.at, t.event_id, wanted.before)]
        if wanted.deal_id is not None:
            conditions.append(t.deal_id == wanted.deal_id)
        if wanted.counterparty_id is not None:
            conditions.append(t.counterparty_id == wanted.counterparty_id)
        if wanted.exclude_kinds:
            conditions.append(t.kind.not_in(wanted.exclude_kinds))
        query = select(orm.timeline_entries).where(and_(*conditions))
        query = query.order_by(t.at.desc(), t.event_id.desc()).limit(wanted.limit)
        return list(self.session.execute(query).all())

    def planned_interactions(
        self, owner_id: str | None, start: datetime, end: datetime
    ) -> list[Row[Any]]:
        i = orm.known_interactions.c
        conditions = [i.planned_at >= start, i.planned_at < end, i.done_at.is_(None)]
        if owner_id is not None:
            conditions.append(i.owner_id == owner_id)
        query = select(orm.known_interactions).where(*conditions).order_by(i.planned_at)
        return list(self.session.execute(query).all())

    def birthdays(self, month_day: str) -> list[Row[Any]]:
        c, cp = orm.known_contacts.c, orm.known_counterparties.c
        query = (
            select(
                c.id,
                c.full_name,
                c.counterparty_id,
                cp.name.label("counterparty_name"),
                cp.owner_id,
            )
            .join(orm.known_counterparties, cp.id == c.counterparty_id)
            .where(
                c.birthday_month_day == month_day,
                cp.owner_id.is_not(None),
                or_(cp.deleted.is_(False)),
            )
        )
        return list(self.session.execute(query).all())


class BatchedProjections(SqlAlchemyProjections):
    """The projections as a batch of events changes them, with what most events write (timeline
    entries, win probabilities) held until the batch is applied and then written in one statement
    each: what the same events leave one by one, in a few round trips instead of two per event."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.entries: dict[str, TimelineEntry] = {}
        self.scores: dict[str, tuple[float, datetime]] = {}

    def add_to_timeline(self, entry: TimelineEntry) -> None:
        self.entries[entry.event_id] = entry  # a second one with the same id replaces the first

    def forget_entries_of(self, ref_id: str) -> None:
        self.entries = {key: e for key, e in self.entries.items() if e.ref_id != ref_id}
        super().forget_entries_of(ref_id)

    def win_probability(self, deal_id: str, probability: float, at: datetime | None) -> None:
        """The newest score of each deal in the batch (the later one of two at the same moment),
        as the updates one by one would leave it. (One without a moment goes the way it goes
        one by one.)"""
        if at is None:
            super().win_probability(deal_id, probability, at)
            return
        kept = self.scores.get(deal_id)
        if kept is None or kept[1] <= at:
            self.scores[deal_id] = (probability, at)

    def write(self) -> None:
        """At the end of the batch, in its transaction."""
        self._write_entries(list(self.entries.values()))
        self._write_scores()
        self.entries, self.scores = {}, {}

    def _write_entries(self, entries: list[TimelineEntry]) -> None:
        """One executemany (compiled once, sent in pages by the driver), not a statement of
        a thousand rows compiled anew for every batch."""
        if not entries:
            return
        upsert = upsert_into(self.session, orm.timeline_entries)
        changed = {
            c.name: upsert.excluded[c.name] for c in orm.timeline_entries.c if c.name != "event_id"
        }
        self.session.execute(
            upsert.on_conflict_do_update(index_elements=["event_id"], set_=changed),
            [asdict(entry) for entry in entries],
        )

    def _write_scores(self) -> None:
        if not self.scores:
            return
        d = orm.deals.c
        at: BindParameter[datetime] = bindparam("b_scored_at")
        newer = or_(d.win_scored_at.is_(None), d.win_scored_at <= at)
        self.session.execute(
            update(orm.deals)
            .where(d.id == bindparam("b_deal"), d.status == "open", newer)
            .values(win_probability=bindparam("b_probability"), win_scored_at=at),
            [
                {"b_deal": deal_id, "b_probability": probability, "b_scored_at": moment}
                for deal_id, (probability, moment) in self.scores.items()
            ],
        )
