"""Arithmetic the reports share."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def day_end(day: date) -> datetime:
    """The day's last instant (a window's end, even on the last day a date can have)."""
    return datetime.combine(day, time.max, UTC)


def ratio(part: float, whole: float) -> float | None:
    """part / whole, or None (not a number) when there is nothing to divide by."""
    return part / whole if whole else None
