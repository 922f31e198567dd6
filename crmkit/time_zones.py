"""Time zones: the company counts its days in one (Vietnam's unless it says otherwise), each user
may read in his own. Moments are stored in UTC; a day is always somebody's day."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from crmkit.errors import InvalidInput

COMPANY_DEFAULT = "Asia/Ho_Chi_Minh"
NOT_A_TIME_ZONE = f"must be a time zone such as {COMPANY_DEFAULT}"


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def known(name: str) -> bool:
    """Whether it names a time zone (IANA, e.g. Asia/Ho_Chi_Minh)."""
    return name in _known()


def checked(name: str, field: str = "time_zone") -> str:
    """The name of a time zone, or a 422 naming the field."""
    if not known(name):
        raise InvalidInput.field(field, NOT_A_TIME_ZONE, "not_a_time_zone")
    return name


def day_in(zone: str, moment: datetime) -> date:
    """The calendar day a moment falls on in a time zone."""
    return moment.astimezone(ZoneInfo(zone)).date()


def midnight_in(zone: str, day: date) -> datetime:
    """The moment a day begins in a time zone."""
    return datetime.combine(day, time.min, ZoneInfo(zone))


def clock_in(zone: str, moment: datetime) -> str:
    """A moment as a person in the time zone reads it: '2026-12-05 00:30 (Asia/Ho_Chi_Minh)'."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"
