"""Writing the projections: newest version wins, so events may come late or twice."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from crmkit.db import upsert_into
from services.analytics.adapters import orm

e_table = orm.stage_entries
e = e_table.c


class SqlAlchemyProjections:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keep_newest_many(self, table: Table, rows: list[dict[str, Any]]) -> set[str]:
        """keep_newest for many rows of distinct ids at once: one select of what is stored, one
        insert of the new ones, one update of the older ones; the ids it stored."""
        stored = self.session.execute(
            select(table.c.id, table.c.version).where(table.c.id.in_([r["id"] for r in rows]))
        )
        versions: dict[str, datetime] = {row.id: row.version for row in stored}
        new = [row for row in rows if row["id"] not in versions]
        newer = [
            row for row in rows if row["id"] in versions and versions[row["id"]] <= row["version"]
        ]
        if new:
            self.session.execute(table.insert(), new)
        if newer:
            changed = [{f"new_{k}": v for k, v in row.items()} for row in newer]
            values: dict[str, Any] = {k: bindparam(f"new_{k}") for k in newer[0] if k != "id"}
            self.session.execute(
                update(table).where(table.c.id == bindparam("new_id")).values(values), changed
            )
        return {row["id"] for row in [*new, *newer]}

    def replace_facts_many(self, facts_of: dict[str, list[dict[str, Any]]]) -> None:
        """replace_facts for many invoices at once: one delete, one insert."""
        if not facts_of:
            return
        f = orm.sales_facts.c
        self.session.execute(delete(orm.sales_facts).where(f.invoice_id.in_(list(facts_of))))
        rows = [fact for facts in facts_of.values() for fact in facts]
        if rows:
            self.session.execute(orm.sales_facts.insert(), rows)

    def keep_newest(self, table: Table, values: dict[str, Any]) -> bool:
        """Stores the row unless a newer version is already there; True when it stored."""
        key = table.c.id == values["id"]
        stored = self.session.execute(select(table.c.version).where(key)).first()
        if stored is None:
            self.session.execute(table.insert().values(**values))
            return True
        if stored.version > values["version"]:
            return False
        self.session.execute(update(table).where(key).values(**values))
        return True

    def add_once(self, table: Table, key: str, values: dict[str, Any]) -> bool:
        """For facts that never change once they happened (an interaction, a stage entry);
        True when it was new."""
        if (
            self.session.execute(select(table.c[key]).where(table.c[key] == values[key])).first()
            is not None
        ):
            return False
        self.session.execute(table.insert().values(**values))
        return True

    def enter_stage(self, entry: dict[str, Any]) -> None:
        """Records a stage entry, and the stays it ends or splits: the deal left the entry before
        it when it entered this one, and leaves this one when the next (if already here) began."""
        if not self.add_once(e_table, "event_id", entry):
            return
        deal = e.deal_id == entry["deal_id"]
        at = tuple_(e.entered_at, e.event_id)
        here = tuple_(entry["entered_at"], entry["event_id"])
        before = self._entry(deal, at < here, e.entered_at.desc(), e.event_id.desc())
        after = self._entry(deal, at > here, e.entered_at, e.event_id)
        if after is not None:
            self._end_stay(
                entry["event_id"], entry["stage_id"], None, entry["entered_at"], after.entered_at
            )
        if before is not None:
            self._end_stay(
                before.event_id,
                before.stage_id,
                before.days,
                before.entered_at,
                entry["entered_at"],
            )
        same_stage = select(func.count()).where(deal, e.stage_id == entry["stage_id"])
        if self.session.scalar(same_stage) == 1:
            self._add_to(orm.stage_reach, {"stage_id": entry["stage_id"]}, deals=1)

    def enter_stages(self, entries: list[dict[str, Any]]) -> None:
        """enter_stage for many entries, in their order, in a handful of statements: the stored
        entries of their deals read once, the stays they end or split worked out here as
        enter_stage would one after the other, then written: the new entries, the changed stays,
        the counters (each change in its turn, so that the sums are the same to the last bit)."""
        if not entries:
            return
        deal_ids = sorted({entry["deal_id"] for entry in entries})
        columns = (e.event_id, e.deal_id, e.stage_id, e.entered_at, e.left_at, e.days)
        by_deal: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for stored in self.session.execute(select(*columns).where(e.deal_id.in_(deal_ids))):
            by_deal[stored.deal_id].append(dict(stored._mapping))
        known = {x["event_id"] for rows in by_deal.values() for x in rows}
        new: dict[str, dict[str, Any]] = {}
        changed: dict[str, dict[str, Any]] = {}
        stays: list[tuple[str, float, int]] = []  # (stage, days, +1 or -1), in order
        reached: Counter[str] = Counter()
        for entry in entries:
            if entry["event_id"] in known:
                continue
            known.add(entry["event_id"])
            row = {**entry, "left_at": None, "days": None}
            deal = by_deal[entry["deal_id"]]
            before, after = _neighbours(deal, row)
            deal.append(row)
            new[row["event_id"]] = row
            if after is not None:
                _end_stay_of(row, after["entered_at"], stays)
            if before is not None:
                _end_stay_of(before, row["entered_at"], stays)
                if before["event_id"] not in new:
                    changed[before["event_id"]] = before
            if sum(1 for other in deal if other["stage_id"] == row["stage_id"]) == 1:
                reached[row["stage_id"]] += 1
        self._write_entries(list(new.values()), list(changed.values()))
        self._count_stays(stays)
        self._add_reach(reached)

    def _write_entries(self, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
        if new:
            self.session.execute(e_table.insert(), new)
        if changed:
            self.session.execute(
                update(e_table)
                .where(e.event_id == bindparam("b_event_id"))
                .values(left_at=bindparam("b_left_at"), days=bindparam("b_days")),
                [
                    {"b_event_id": r["event_id"], "b_left_at": r["left_at"], "b_days": r["days"]}
                    for r in changed
                ],
            )

    def _count_stays(self, stays: list[tuple[str, float, int]]) -> None:
        if not stays:
            return
        t = orm.stay_days.c
        keys = sorted({(stage_id, math.floor(days)) for stage_id, days, _ in stays})
        self._create_at_zero(
            orm.stay_days,
            [{"stage_id": s, "day": day, "stays": 0, "total_days": 0.0} for s, day in keys],
        )
        self.session.execute(
            update(orm.stay_days)
            .where(t.stage_id == bindparam("b_stage"), t.day == bindparam("b_day"))
            .values(
                stays=t.stays + bindparam("b_stays"),
                total_days=t.total_days + bindparam("b_total"),
            ),
            [
                {"b_stage": s, "b_day": math.floor(days), "b_stays": sign, "b_total": sign * days}
                for s, days, sign in stays
            ],
        )

    def _add_reach(self, reached: Counter[str]) -> None:
        if not reached:
            return
        t = orm.stage_reach.c
        self._create_at_zero(
            orm.stage_reach, [{"stage_id": stage_id, "deals": 0} for stage_id in sorted(reached)]
        )
        self.session.execute(
            update(orm.stage_reach)
            .where(t.stage_id == bindparam("b_stage"))
            .values(deals=t.deals + bindparam("b_deals")),
            [{"b_stage": stage_id, "b_deals": count} for stage_id, count in reached.items()],
        )

    def _create_at_zero(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Counter rows that are not there yet, at zero (those that are stay as they are)."""
        self.session.execute(upsert_into(self.session, table).on_conflict_do_nothing(), rows)

    def _entry(self, *conditions: Any) -> Any:
        where, order = conditions[:2], conditions[2:]
        return self.session.execute(
            select(e.event_id, e.stage_id, e.entered_at, e.days).where(*where).order_by(*order)
        ).first()

    def _end_stay(
        self,
        event_id: str,
        stage_id: str,
        old_days: float | None,
        entered: datetime,
        left: datetime,
    ) -> None:
        days = (left - entered).total_seconds() / 86400
        if old_days is not None:
            self._count_stay(stage_id, old_days, -1)
        self.session.execute(
            update(e_table).where(e.event_id == event_id).values(left_at=left, days=days)
        )
        self._count_stay(stage_id, days, 1)

    def _count_stay(self, stage_id: str, days: float, sign: int) -> None:
        key = {"stage_id": stage_id, "day": math.floor(days)}
        self._add_to(orm.stay_days, key, stays=sign, total_days=sign * days)

    def _add_to(self, table: Table, key: dict[str, Any], **amounts: float) -> None:
        """Adds to counters, creating their row at zero first."""
        where = [table.c[name] == value for name, value in key.items()]
        changes = {name: table.c[name] + amount for name, amount in amounts.items()}
        if self.session.execute(update(table).where(*where).values(**changes)).rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(table.insert().values(**key, **amounts))

    def statuses(self, deal_ids: list[str]) -> dict[str, str]:
        d = orm.deals.c
        rows = self.session.execute(select(d.id, d.status).where(d.id.in_(deal_ids)))
        return {row.id: row.status for row in rows}

    def archive_stays(self, deal_id: str, archived: bool) -> None:
        """An archived deal's stays and the stages it reached are taken out of the counters (a
        restored one's given back), and its entries marked, so that no report counts it."""
        sign = -1 if archived else 1
        rows = self.session.execute(select(e.stage_id, e.days).where(e.deal_id == deal_id)).all()
        self._count_stays([(row.stage_id, row.days, sign) for row in rows if row.days is not None])
        self._add_reach(Counter({stage_id: sign for stage_id in {row.stage_id for row in rows}}))
        self.session.execute(update(e_table).where(e.deal_id == deal_id).values(archived=archived))

    def stage_positions(self, pipeline_id: str) -> dict[str, int]:
        s = orm.stages.c
        rows = self.session.execute(select(s.id, s.position).where(s.pipeline_id == pipeline_id))
        return {row.id: row.position for row in rows}

    def refresh_progress(self, *where: Any) -> None:
        """The furthest stage each deal ever reached (its current one included) and when its
        current stay began; for one deal after its events, for a pipeline after it changed."""
        d, s = orm.deals.c, orm.stages.c
        entered = select(e.stage_id).where(e.deal_id == d.id).correlate(orm.deals)
        furthest = select(func.max(s.position)).where(or_(s.id.in_(entered), s.id == d.stage_id))
        latest = select(func.max(e.entered_at)).where(e.deal_id == d.id)
        self.session.execute(
            update(orm.deals)
            .where(*where)
            .values(
                furthest_position=furthest.scalar_subquery(),
                stage_entered_at=latest.scalar_subquery(),
            )
        )

    def mark_deleted(self, customer_id: str, at: datetime) -> None:
        values = {
            "id": customer_id,
            "name": "",
            "roles": "",
            "owner_id": None,
            "completeness": 0,
            "deleted": True,
            "version": at,
        }
        stored = self.session.execute(
            select(orm.customers.c.id).where(orm.customers.c.id == customer_id)
        ).first()
        if stored is None:
            self.session.execute(orm.customers.insert().values(**values))
        else:
            self.session.execute(
                update(orm.customers).where(orm.customers.c.id == customer_id).values(deleted=True)
            )

    def replace_facts(self, invoice_id: str, facts: list[dict[str, Any]]) -> None:
        self.session.execute(
            delete(orm.sales_facts).where(orm.sales_facts.c.invoice_id == invoice_id)
        )
        if facts:
            self.session.execute(orm.sales_facts.insert(), facts)


def _neighbours(
    deal: list[dict[str, Any]], entry: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The deal's entries just before and just after this one, by (entered_at, event_id)."""
    here = (entry["entered_at"], entry["event_id"])
    earlier = [x for x in deal if (x["entered_at"], x["event_id"]) < here]
    later = [x for x in deal if (x["entered_at"], x["event_id"]) > here]
    before = max(earlier, key=lambda x: (x["entered_at"], x["event_id"]), default=None)
    after = min(later, key=lambda x: (x["entered_at"], x["event_id"]), default=None)
    return before, after


def _end_stay_of(
    entry: dict[str, Any], left: datetime, stays: list[tuple[str, float, int]]
) -> None:
    """As _end_stay does, on the entry as held in memory; the counts' changes noted in order."""
    days = (left - entry["entered_at"]).total_seconds() / 86400
    if entry["days"] is not None:
        stays.append((entry["stage_id"], entry["days"], -1))
    entry["left_at"], entry["days"] = left, days
    stays.append((entry["stage_id"], days, 1))
