"""Questions of the form "how many of this customer's events happened before time t?", asked for
many (customer, t) pairs at once with numpy: events are sorted by (group, time) in one int64 key
and every question is a binary search."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
EPOCH_DAY = date(1970, 1, 1).toordinal()
SHIFT = 34  # seconds since 1970 fit in 34 bits until the year 2514


def seconds(values: list[datetime]) -> Ints:
    """Aware datetimes as whole seconds since 1970."""
    return np.array([int(v.timestamp()) for v in values], dtype=np.int64)


def day_seconds(values: list[date]) -> Ints:
    """Dates as the seconds of their midnight (UTC) since 1970."""
    return np.array([v.toordinal() - EPOCH_DAY for v in values], dtype=np.int64) * 86400


def positions(sorted_ids: NDArray[np.str_], ids: list[str] | NDArray[np.str_]) -> Ints:
    """Where each id sits in `sorted_ids` (-1 when it is not there, or is empty: nobody)."""
    wanted = np.asarray(ids, dtype=np.str_)  # its own width: a longer id is never cut short
    if not len(sorted_ids) or not len(wanted):
        return np.full(len(wanted), -1, dtype=np.int64)
    found = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    hit = (sorted_ids[found] == wanted) & (wanted != "")
    return np.where(hit, found, -1).astype(np.int64)


class Timeline:
    """Events of many groups (customers, owners, deals), each at a time, with an optional value."""

    def __init__(self, groups: Ints, times: Ints, values: NDArray[np.float64] | None = None):
        kept = np.flatnonzero(groups >= 0)
        keys = (groups[kept] << SHIFT) | times[kept]
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.source = kept[order]  # the event (as given) at each place in time order
        chosen = values[self.source] if values is not None else np.ones(len(order))
        self.running = np.concatenate(([0.0], np.cumsum(chosen)))

    def _span(self, groups: Ints, since: Ints, until: Ints) -> tuple[Ints, Ints]:
        low = np.searchsorted(self.keys, (groups << SHIFT) | since, side="left")
        high = np.searchsorted(self.keys, (groups << SHIFT) | until, side="left")
        return low, high

    def count(self, groups: Ints, until: Ints, since: Ints | None = None) -> Ints:
        """Events of each group in [since, until) (since: the group's first)."""
        low, high = self._span(groups, np.zeros_like(until) if since is None else since, until)
        return np.where(groups >= 0, high - low, 0)

    def total(self, groups: Ints, until: Ints) -> NDArray[np.float64]:
        """Sum of the values of each group's events before `until`."""
        low, high = self._span(groups, np.zeros_like(until), until)
        return np.where(groups >= 0, self.running[high] - self.running[low], 0.0)

    def last(self, groups: Ints, until: Ints) -> Ints:
        """The event (as given) that was each group's last before `until`, or -1."""
        low, high = self._span(groups, np.zeros_like(until), until)
        found = (groups >= 0) & (high > low)
        return np.where(found, self.source[np.maximum(high - 1, 0)] if len(self.source) else -1, -1)
