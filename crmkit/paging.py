"""Pages of a query: the same `{items, total}` for every list of every service; and keyset pages
of a history, newest first (`Before`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from crmkit.protobuf import parse_time

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = 50

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @classmethod
    def of(cls, number: int, size: int) -> Page:
        """From a request's numbers, where 0 means 'not given'."""
        return cls(number=max(number, 1), size=min(max(size, 1), 500) if size else 50)


def _total(session: Session, query: Select[Any]) -> int:
    return int(
        session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


def paginate(session: Session, query: Select[tuple[T]], page: Page) -> tuple[list[T], int]:
    """One page of mapped objects (a query of one entity) and the count of all of them."""
    items = session.scalars(query.limit(page.size).offset(page.offset)).all()
    return list(items), _total(session, query)


def paginate_rows(session: Session, query: Select[Any], page: Page) -> tuple[list[Row[Any]], int]:
    """One page of rows (a query of columns or several tables) and the count of all of them."""
    rows = session.execute(query.limit(page.size).offset(page.offset)).all()
    return list(rows), _total(session, query)


@dataclass(frozen=True)
class Before:
    """Keyset paging of a history, newest first: the entries older than (at, key). `key` breaks
    ties between entries of the same moment (each source its own ids), so that no entry is
    skipped or shown twice at a page's edge, however many entries there are."""

    at: datetime
    key: str

    @classmethod
    def asked(cls, at: str | None, key: str) -> Before | None:
        """From a request's `before_at` (ISO 8601; none: the first page) and `before_key`."""
        moment = parse_time(at, "before_at")
        return cls(moment, key) if moment is not None else None


def history_size(asked: int) -> int:
    """How many entries a page of a history holds: as asked (0: 200), at most 500."""
    return min(asked or 200, 500)


def older_than(
    moment: ColumnElement[datetime], key: ColumnElement[str], before: Before | None
) -> ColumnElement[bool]:
    """The condition of the next page (everything when `before` is None)."""
    if before is None:
        return true()
    return or_(moment < before.at, and_(moment == before.at, key < before.key))
