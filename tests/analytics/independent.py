"""ABC, XYZ and status computed here, from the definitions in docs/analytics.md and nothing of
the service's code, to check classification runs against."""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate

Invoice = tuple[int, float]  # the period of the window it falls in (0, 1, ...), its amount
Classes = tuple[str, str | None, str]  # abc, xyz (None: no sales), status


def classes(
    sales: Mapping[str, Sequence[Invoice]], periods: int, one_time_max_invoices: int = 1
) -> dict[str, Classes]:
    """Per customer (every customer, invoiced or not), its classes over a window of `periods`
    periods, with the default limits (A < 80, B < 95; X <= 10, Y <= 25)."""
    totals = {customer: sum(amount for _, amount in bought) for customer, bought in sales.items()}
    greater = _strictly_greater(totals.values())
    grand = sum(value for value in totals.values() if value > 0)
    found = {}
    for customer, bought in sales.items():
        value = totals[customer]
        above = greater(value) / grand * 100 if grand else 100.0
        abc = "C" if value <= 0 else "A" if above < 80 else "B" if above < 95 else "C"
        series = [0.0] * periods
        for period, amount in bought:
            series[period] += amount
        mean = statistics.fmean(series)
        cv = statistics.pstdev(series) / mean * 100 if mean else None
        xyz = None if cv is None else "X" if cv <= 10 else "Y" if cv <= 25 else "Z"
        count = len(bought)
        status = (
            "potential"
            if not count
            else "one_time"
            if count <= one_time_max_invoices
            else "regular"
        )
        found[customer] = (abc, xyz, status)
    return found


def _strictly_greater(values: Iterable[float]) -> Callable[[float], float]:
    """The sum of the values strictly greater than a given one, in log time."""
    ascending = sorted(values)
    from_here = [*list(accumulate(reversed(ascending)))[::-1], 0.0]  # sum of ascending[i:]
    return lambda value: from_here[bisect.bisect_right(ascending, value)]
