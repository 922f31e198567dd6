"""Plain values to and from the text fields of protobuf messages, with errors that name the
field: dates, times with offsets, decimal amounts; and the fields an update mask names."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from crmkit.errors import InvalidInput


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def parse_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(field, f"must be a date YYYY-MM-DD; got {value!r}") from None


def parse_time(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(field, f"must be an ISO 8601 time; got {value!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput.field(field, "must carry a UTC offset, e.g. 2026-05-01T09:00:00+07:00")
    return moment


def parse_decimal(value: str | None, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidInput.field(
            field, f"must be a decimal number such as '1250.00'; got {value!r}"
        ) from None
    if not number.is_finite():
        raise InvalidInput.field(field, "must be a finite number")
    return number


def sent_paths(paths: Iterable[str], editable: Collection[str]) -> set[str]:
    """The fields an update mask names (a masked field left unset means 'clear it'); one that may
    not be changed is refused, naming it."""
    named = list(paths)
    for name in named:
        if name not in editable:
            raise InvalidInput.field(name, "cannot be changed")
    return set(named)
