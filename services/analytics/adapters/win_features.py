"""What the win model sees of a deal at a moment: only what was known then (ANALYTICS.md, "Win
probability"). Training looks at each closed deal at a moment of its open life; scoring looks at
open deals now. Both read the projections once per kind of fact and answer every deal's
"before t" questions at once (adapters.timelines)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session

from services.analytics.adapters import orm
from services.analytics.adapters.timelines import Timeline, day_seconds, positions, seconds
from services.analytics.domain.deals import ClosedDeals, Deals
from services.analytics.domain.win_model import Examples, StageBaseline

DAY = 86400
ATTITUDE = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
d, e = orm.deals.c, orm.stage_entries.c


def moment_in_life(deal_id: str) -> float:
    """A fixed point of a deal's open life (0..1), the same on every training: from its id."""
    return int(hashlib.sha256(deal_id.encode()).hexdigest()[:8], 16) / 0x100000000


class SqlAlchemyWinFeatures:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._stage_table: dict[str, tuple[str, int]] | None = None

    def closed(self, first: date, last: date) -> ClosedDeals:
        start = datetime.combine(first, time.min, UTC)
        end = datetime.combine(last, time.max, UTC)
        chosen = _deal_columns().where(
            d.status.in_(("won", "lost")),
            d.closed_at >= start,
            d.closed_at <= end,
            d.created_at < d.closed_at,
        )
        rows = self.session.execute(chosen.add_columns(d.closed_at, d.status, d.furthest_position))
        found = sorted(rows, key=lambda row: row.id)
        closed = seconds([row.closed_at for row in found]) if found else np.zeros(0, np.int64)
        created = seconds([row.created_at for row in found]) if found else np.zeros(0, np.int64)
        share = np.array([moment_in_life(row.id) for row in found])
        at = created + ((closed - created) * share).astype(np.int64)
        deals = _deals(found, at)
        examples = self.examples(deals)
        return ClosedDeals(
            ids=deals.ids,
            examples=examples,
            won=np.array([row.status == "won" for row in found], dtype=bool),
            closed=closed,
            pipelines=deals.pipelines,
            furthest=np.array([row.furthest_position or 0 for row in found], dtype=np.int64),
            positions=self.stage_positions(examples.categorical["stage"]),
        )

    def stage_positions(self, stage_keys: NDArray[np.str_]) -> NDArray[np.int64]:
        """The position of each "<pipeline>:<stage>" (0 when unknown)."""
        stages = self._stages()
        found = []
        for key in stage_keys.tolist():
            pipeline, _, stage = key.partition(":")
            known_pipeline, position = stages.get(stage, ("", 0))
            found.append(position if known_pipeline == pipeline else 0)
        return np.array(found, dtype=np.int64)

    def _stages(self) -> dict[str, tuple[str, int]]:
        """Every stage's pipeline and position, read once per adapter."""
        if self._stage_table is None:
            s = orm.stages.c
            rows = self.session.execute(select(s.id, s.pipeline_id, s.position))
            self._stage_table = {row.id: (row.pipeline_id, row.position) for row in rows}
        return self._stage_table

    def open_now(self, deal_ids: list[str], now: datetime) -> Deals:
        rows = sorted(
            self.session.execute(_deal_columns().where(d.id.in_(deal_ids), d.status == "open")),
            key=lambda row: row.id,
        )
        return _deals(rows, np.full(len(rows), int(now.timestamp()), dtype=np.int64))

    def status_of(self, deal_id: str) -> str | None:
        """open, won or lost; None for a deal analytics has not heard of."""
        return self.session.scalar(select(d.status).where(d.id == deal_id))

    def stage_baseline(self) -> StageBaseline:
        """Stage frequencies of every closed deal, counted by the database."""
        rows = self.session.execute(
            select(d.pipeline_id, d.furthest_position, d.status, func.count())
            .where(d.status.in_(("won", "lost")))
            .group_by(d.pipeline_id, d.furthest_position, d.status)
        ).all()
        counts = np.array([row[3] for row in rows], dtype=np.int64)
        return StageBaseline.fit(
            np.repeat(np.array([row[0] for row in rows], dtype=np.str_), counts),
            np.repeat(np.array([row[1] or 0 for row in rows], dtype=np.int64), counts),
            np.repeat(np.array([row[2] == "won" for row in rows], dtype=bool), counts),
        )

    def positions_now(self, deal_ids: list[str]) -> NDArray[np.int64]:
        """The position of each deal's current stage (0 when unknown)."""
        st = orm.stages.c
        query = select(d.id, st.position).join(orm.stages, st.id == d.stage_id)
        found = {row[0]: row[1] for row in self.session.execute(query.where(d.id.in_(deal_ids)))}
        return np.array([found.get(deal, 0) for deal in deal_ids], dtype=np.int64)

    def examples(self, deals: Deals) -> Examples:
        numeric: dict[str, NDArray[np.float64]] = {}
        categorical: dict[str, NDArray[np.str_]] = {}
        numeric["log_amount"] = np.log1p(np.maximum(deals.amounts, 0))
        numeric["days_open"] = np.maximum(deals.at - deals.created, 0) / DAY
        numeric["from_campaign"] = deals.campaign.astype(np.float64)
        self._stage(deals, numeric, categorical)
        self._history(deals, numeric)
        self._contacts(deals, numeric)
        self._environment(deals, numeric)
        self._classes(deals, categorical)
        return Examples(numeric=numeric, categorical=categorical)

    def _stage(self, deals: Deals, numeric: dict[str, Any], categorical: dict[str, Any]) -> None:
        rows = list(
            self.session.execute(
                select(e.deal_id, e.stage_id, e.entered_at).where(_of(e.deal_id, deals))
            )
        )
        times = _times(rows, 2)
        latest = Timeline(_where(deals.ids, rows, 0), times).last(
            np.arange(len(deals.ids)), deals.at + 1
        )
        stage_ids = np.array([rows[i][1] if i >= 0 else "" for i in latest.tolist()], dtype=np.str_)
        entered = np.where(
            latest >= 0, times[np.maximum(latest, 0)] if len(times) else 0, deals.created
        )
        numeric["days_in_stage"] = np.maximum(deals.at - entered, 0) / DAY
        stages = self._stages()
        last_position = {p: 0 for p, _ in stages.values()}
        for pipeline, position in stages.values():
            last_position[pipeline] = max(last_position[pipeline], position)
        numeric["stage_progress"] = np.array(
            [
                stages[x][1] / last_position[stages[x][0]]
                if x in stages and last_position[stages[x][0]]
                else 0.0
                for x in stage_ids.tolist()
            ]
        )
        categorical["stage"] = np.char.add(np.char.add(deals.pipelines, ":"), stage_ids)

    def _history(self, deals: Deals, numeric: dict[str, Any]) -> None:
        """The counterparty's closed deals and invoices, and the owner's record, before t."""
        customers = _sorted(deals.counterparties)
        mine = positions(customers, deals.counterparties)
        closed = self._closed_before(d.counterparty_id, deals, "counterparties")
        times, won = _times(closed, 1), np.array([row.status == "won" for row in closed], bool)
        by_customer = positions(customers, [row[0] for row in closed])
        for outcome, name in ((won, "won_before"), (~won, "lost_before")):
            events = Timeline(np.where(outcome, by_customer, -1), times)
            numeric[name] = events.count(mine, deals.at).astype(np.float64)
        owner_won, owner_all = self._owners_record(deals)
        numeric["owner_win_rate"] = (owner_won + 1) / (owner_all + 2)
        i = orm.invoices.c
        invoices = list(
            self.session.execute(
                select(i.counterparty_id, i.date).where(
                    i.status != "cancelled", _of(i.counterparty_id, deals, "counterparties")
                )
            )
        )
        invoice_days = (
            day_seconds([row.date for row in invoices]) + DAY
        )  # known once its day is over
        numeric["invoices_before"] = (
            Timeline(positions(customers, [r[0] for r in invoices]), invoice_days)
            .count(mine, deals.at)
            .astype(np.float64)
        )

    def _closed_before(self, column: Any, deals: Deals, field: str) -> list[Any]:
        query = select(column, d.closed_at, d.status).where(
            d.status.in_(("won", "lost")), d.closed_at.is_not(None), _of(column, deals, field)
        )
        return list(self.session.execute(query))

    def _owners_record(self, deals: Deals) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Each owner's deals won, and closed, before t; counted by the database when every deal
        is looked at the same moment (scoring), else from the owners' closed deals (training)."""
        owners = _sorted(deals.owners)
        theirs = positions(owners, deals.owners)
        if len(deals.at) and len(deals.ids) <= 500 and (deals.at == deals.at[0]).all():
            moment = datetime.fromtimestamp(int(deals.at[0]), UTC)
            query = (
                select(d.owner_id, func.count().filter(d.status == "won"), func.count())
                .where(
                    d.status.in_(("won", "lost")),
                    d.closed_at < moment,
                    _of(d.owner_id, deals, "owners"),
                )
                .group_by(d.owner_id)
            )
            found = {row[0]: (row[1], row[2]) for row in self.session.execute(query)}
            pairs = [found.get(owner, (0, 0)) for owner in deals.owners.tolist()]
            return np.array([p[0] for p in pairs], np.int64), np.array(
                [p[1] for p in pairs], np.int64
            )
        closed = self._closed_before(d.owner_id, deals, "owners")
        times, won = _times(closed, 1), np.array([row.status == "won" for row in closed], bool)
        by_owner = positions(owners, [row[0] or "" for row in closed])
        owner_won = Timeline(np.where(won, by_owner, -1), times).count(theirs, deals.at)
        return owner_won, Timeline(by_owner, times).count(theirs, deals.at)

    def _contacts(self, deals: Deals, numeric: dict[str, Any]) -> None:
        """Interactions with the counterparty: how many in the last 30 days, how long since."""
        customers = _sorted(deals.counterparties)
        i = orm.interactions.c
        rows = list(
            self.session.execute(
                select(i.counterparty_id, i.done_at).where(
                    i.done_at.is_not(None), _of(i.counterparty_id, deals, "counterparties")
                )
            )
        )
        times = _times(rows, 1)
        events = Timeline(positions(customers, [r[0] for r in rows]), times)
        mine = positions(customers, deals.counterparties)
        numeric["interactions_30d"] = events.count(
            mine, deals.at, since=deals.at - 30 * DAY
        ).astype(np.float64)
        latest = events.last(mine, deals.at)
        since = np.where(
            latest >= 0, (deals.at - times[np.maximum(latest, 0)] if len(times) else 0) / DAY, 365.0
        )
        numeric["days_since_interaction"] = np.minimum(since, 365.0)

    def _environment(self, deals: Deals, numeric: dict[str, Any]) -> None:
        """Participants known at t (a competitor, their attitudes) and the deal's overdue tasks."""
        p = orm.participants.c
        rows = list(
            self.session.execute(
                select(p.deal_id, p.role, p.attitude, p.added_at).where(_of(p.deal_id, deals))
            )
        )
        where, times = _where(deals.ids, rows, 0), _times(rows, 3)
        everyone = np.arange(len(deals.ids))
        competitor = np.array([r.role == "competitor" for r in rows], dtype=bool)
        numeric["competitor_present"] = (
            Timeline(np.where(competitor, where, -1), times).count(everyone, deals.at + 1) > 0
        ).astype(np.float64)
        attitudes = np.array([ATTITUDE.get(r.attitude, 0.0) for r in rows])
        known = Timeline(where, times, attitudes)
        count = known.count(everyone, deals.at + 1)
        numeric["influencer_attitude"] = np.where(
            count > 0, known.total(everyone, deals.at + 1) / np.maximum(count, 1), 0.0
        )
        t = orm.tasks.c
        tasks = list(
            self.session.execute(
                select(t.deal_id, t.due_date, t.completed_at).where(_of(t.deal_id, deals))
            )
        )
        owner = _where(deals.ids, tasks, 0)
        due = day_seconds([r.due_date for r in tasks]) + DAY
        done = np.array(
            [int(r.completed_at.timestamp()) if r.completed_at else 2**62 for r in tasks],
            dtype=np.int64,
        )
        at = deals.at[np.maximum(owner, 0)] if len(tasks) else np.zeros(0, np.int64)
        overdue = (owner >= 0) & (due <= at) & (done > at)
        numeric["overdue_tasks"] = np.bincount(owner[overdue], minlength=len(deals.ids)).astype(
            np.float64
        )

    def _classes(self, deals: Deals, categorical: dict[str, Any]) -> None:
        """The counterparty's ABC, XYZ and status from the last classification done before t."""
        customers = _sorted(deals.counterparties)
        r, res = orm.classification_runs.c, orm.classification_results.c
        rows = list(
            self.session.execute(
                select(res.counterparty_id, r.finished_at, res.abc, res.xyz, res.status)
                .join(orm.classification_runs, r.id == res.run_id)
                .where(r.status == "done", _of(res.counterparty_id, deals, "counterparties"))
            )
        )
        latest = Timeline(positions(customers, [x[0] for x in rows]), _times(rows, 1)).last(
            positions(customers, deals.counterparties), deals.at
        )
        for name, column in (("abc", 2), ("xyz", 3), ("client_status", 4)):
            categorical[name] = np.array(
                [(rows[i][column] or "") if i >= 0 else "" for i in latest.tolist()], dtype=np.str_
            )


def _deal_columns() -> Select[Any]:
    return select(
        d.id, d.pipeline_id, d.counterparty_id, d.owner_id, d.amount, d.created_at, d.campaign_id
    )


def _deals(rows: list[Any], at: NDArray[np.int64]) -> Deals:
    """`rows` sorted by id."""
    return Deals(
        ids=np.array([row.id for row in rows], dtype=np.str_),
        pipelines=np.array([row.pipeline_id for row in rows], dtype=np.str_),
        counterparties=np.array([row.counterparty_id for row in rows], dtype=np.str_),
        owners=np.array([row.owner_id or "" for row in rows], dtype=np.str_),
        amounts=np.array([float(row.amount or 0) for row in rows]),
        created=seconds([row.created_at for row in rows]) if rows else np.zeros(0, np.int64),
        campaign=np.array([row.campaign_id is not None for row in rows], dtype=bool),
        at=at,
    )


def _sorted(values: NDArray[np.str_]) -> NDArray[np.str_]:
    return np.unique(values)


def _where(sorted_ids: NDArray[np.str_], rows: list[Any], column: int) -> NDArray[np.int64]:
    return positions(sorted_ids, [row[column] for row in rows]) if rows else np.zeros(0, np.int64)


def _times(rows: list[Any], column: int) -> NDArray[np.int64]:
    return seconds([row[column] for row in rows]) if rows else np.zeros(0, np.int64)


def _of(column: Any, deals: Deals, field: str = "ids") -> Any:
    """Rows that concern the deals looked at: by id for a few, else all (one read beats a long IN)."""
    values = getattr(deals, field)
    return column.in_(np.unique(values).tolist()) if len(values) <= 500 else true()
