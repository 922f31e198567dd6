"""Pages of a query: the same `{items, total}` for every list of every service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

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


def paginate(session: Session, query: Select[tuple[T]], page: Page) -> tuple[list[T], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(page.size).offset(page.offset)).all()
    return list(items), int(total or 0)
