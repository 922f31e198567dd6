"""A queued job (a classification run, a model training) run once, whoever asks: the first
caller moves it from queued to running; a failure is recorded with its reason, not lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Table, update
from sqlalchemy.orm import Session, sessionmaker


def run_once(
    sessions: sessionmaker[Session],
    table: Table,
    key: Column[Any],
    value: Any,
    work: Callable[[Session], None],
    failed: dict[str, Any],
    expected: tuple[type[Exception], ...] = (),
) -> None:
    """`failed` holds the columns to set beside status and reason when `work` raises; an
    `expected` failure is recorded and not raised again (it is an outcome, not a fault)."""
    with sessions.begin() as session:
        claimed = session.execute(
            update(table).where(key == value, table.c.status == "queued").values(status="running")
        )
        if claimed.rowcount == 0:  # type: ignore[attr-defined]
            return  # already running or done: a redelivered job changes nothing
    try:
        with sessions.begin() as session:
            work(session)
    except Exception as error:
        with sessions.begin() as session:
            values = {"status": "failed", "reason": str(error)[:2000], **failed}
            session.execute(update(table).where(key == value).values(**values))
        if not isinstance(error, expected):
            raise
