"""ABC, XYZ and status of customers, exactly as ../shared/ANALYTICS.md defines them, computed
for all customers at once with numpy (no Python loop per customer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Labels = NDArray[np.str_]


@dataclass(frozen=True)
class CustomerFigures:
    """What a classification needs of each customer, one entry per customer, ids ascending."""

    ids: Labels
    value: Floats  # the parameter summed over the window
    sum_of_squares: Floats  # of the customer's per-period totals
    invoices: NDArray[np.int64]  # in the window
    invoiced_before: NDArray[np.bool_]  # before the window

    def sorted_by_id(self) -> CustomerFigures:
        ids = self.ids
        if len(ids) < 2 or bool(np.all(ids[1:] >= ids[:-1])):
            return self
        order = np.argsort(ids, kind="stable")
        return CustomerFigures(
            ids[order],
            self.value[order],
            self.sum_of_squares[order],
            self.invoices[order],
            self.invoiced_before[order],
        )


@dataclass(frozen=True)
class AbcResult:
    share: Floats  # percent of the total, per customer, in the input order
    cumulative_share: Floats  # percent, including the customer itself, in display order
    abc: Labels
    negative: int  # customers whose value is below zero (gross profit): C, and counted


def abc(values: Floats, ids: NDArray[Any], limits: tuple[float, float] = (80, 95)) -> AbcResult:
    """A if the share of all customers with a strictly greater value is below the first limit,
    B if below the second, else C; no value (0) or a negative one is C. Customers with equal
    values share a class whatever their order; ties are listed by id (or by anything ordered as
    the ids are, such as their ranks), for display only."""
    values = np.asarray(values, dtype=np.float64)
    total = values[values > 0].sum()
    share = np.where(values != 0, values / total * 100, 0.0) if total > 0 else np.zeros_like(values)
    order = np.lexsort((ids, -values))  # value descending, then id
    ordered = share[order]
    cumulative = np.empty_like(share)
    cumulative[order] = np.cumsum(ordered)
    greater = _share_of_strictly_greater(values[order], ordered)
    above = np.empty_like(share)
    above[order] = greater
    classes = np.where(above < limits[0], "A", np.where(above < limits[1], "B", "C"))
    classes = np.where(values > 0, classes, "C")
    return AbcResult(share, cumulative, classes.astype(np.str_), int((values < 0).sum()))


def _share_of_strictly_greater(sorted_values: Floats, sorted_shares: Floats) -> Floats:
    """For each customer (values sorted descending), the summed share of those worth more."""
    before = np.concatenate(([0.0], np.cumsum(sorted_shares)[:-1]))
    starts = np.concatenate(([True], sorted_values[1:] != sorted_values[:-1]))
    group = np.cumsum(starts) - 1
    return before[np.flatnonzero(starts)][group]


@dataclass(frozen=True)
class XyzResult:
    cv: Floats  # percent; NaN where nothing was sold
    xyz: Labels  # "" where nothing was sold (no class)


def xyz(series: Floats, limits: tuple[float, float] = (10, 25)) -> XyzResult:
    """`series` has one row per customer and one column per calendar period (0 where nothing
    was sold). CV = population standard deviation / mean, in percent."""
    series = np.asarray(series, dtype=np.float64)
    mean = series.mean(axis=1)
    sold = mean != 0
    cv = np.full(mean.shape, np.nan)
    cv[sold] = series[sold].std(axis=1, ddof=0) / np.abs(mean[sold]) * 100
    return _xyz_classes(cv, sold, limits)


def xyz_from_sums(
    sums: Floats, sums_of_squares: Floats, periods: int, limits: tuple[float, float] = (10, 25)
) -> XyzResult:
    """The CV of `xyz` from each customer's sum and sum of squares of its per-period totals
    over `periods` periods (those with no sales count as zeros), without the dense series:
    standard deviation / mean = sqrt(n·Σx² - (Σx)²) / |Σx|. In floating point the subtraction
    leaves the CV within about 1e-6 percentage points of the dense computation (a steady
    customer's 0 may come out as 0.000001), far below what could move anyone across a limit."""
    sums = np.asarray(sums, dtype=np.float64)
    squares = np.asarray(sums_of_squares, dtype=np.float64)
    sold = sums != 0
    spread = np.maximum(periods * squares[sold] - sums[sold] * sums[sold], 0.0)
    cv = np.full(sums.shape, np.nan)
    cv[sold] = np.sqrt(spread) / np.abs(sums[sold]) * 100
    return _xyz_classes(cv, sold, limits)


def _xyz_classes(cv: Floats, sold: NDArray[np.bool_], limits: tuple[float, float]) -> XyzResult:
    classes = np.where(cv <= limits[0], "X", np.where(cv <= limits[1], "Y", "Z"))
    return XyzResult(cv, np.where(sold, classes, "").astype(np.str_))


def status(
    invoices_in_window: NDArray[np.int64], invoiced_before: NDArray[np.bool_], one_time_max: int = 1
) -> Labels:
    """potential: never invoiced up to the end of the window; lost: invoiced before it, nothing
    in it; one_time: at most `one_time_max` invoices in it; regular: more."""
    counts = np.asarray(invoices_in_window)
    before = np.asarray(invoiced_before, dtype=bool)
    found = np.where(counts > one_time_max, "regular", "one_time")
    found = np.where(counts == 0, np.where(before, "lost", "potential"), found)
    return found.astype(np.str_)


def period_count(first: date, last: date, period: str) -> int:
    """Calendar months (or calendar quarters) the window touches."""

    def index(day: date) -> int:
        months = day.year * 12 + day.month - 1
        return months // 3 if period == "quarter" else months

    return index(last) - index(first) + 1


@dataclass(frozen=True)
class Classes:
    abc: AbcResult
    xyz: XyzResult
    status: Labels


def classify(
    figures: CustomerFigures,
    periods: int,
    abc_limits: tuple[float, float] = (80, 95),
    xyz_limits: tuple[float, float] = (10, 25),
    one_time_max: int = 1,
) -> Classes:
    """Every customer's ABC, XYZ and status; with the ids ascending, a customer's position is
    its rank among them, so ties are listed by id without sorting strings."""
    ranks = np.arange(len(figures.ids))
    return Classes(
        abc(figures.value, ranks, abc_limits),
        xyz_from_sums(figures.value, figures.sum_of_squares, periods, xyz_limits),
        status(figures.invoices, figures.invoiced_before, one_time_max),
    )


@dataclass(frozen=True)
class BcgResult:
    share: Floats  # fraction of the window's total
    growth: Floats  # against the equal window before; NaN for a new customer
    quadrant: Labels


def bcg(current: Floats, previous: Floats) -> BcgResult:
    """ANALYTICS.md, BCG of the customer base: high share is at least 1 / (customers with a
    value), high growth at least the growth of the total; a new customer is a question."""
    current = np.asarray(current, dtype=np.float64)
    previous = np.asarray(previous, dtype=np.float64)
    total, total_before = current.sum(), previous.sum()
    share = current / total if total else np.zeros_like(current)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(previous != 0, (current - previous) / np.abs(previous), np.nan)
    market_growth = (total - total_before) / abs(total_before) if total_before else np.inf
    with_value = int((current > 0).sum())
    high_share = share >= (1 / with_value if with_value else np.inf)
    high_growth = np.nan_to_num(growth, nan=np.inf) >= market_growth
    quadrant = np.where(
        high_share,
        np.where(high_growth, "star", "cash_cow"),
        np.where(high_growth, "question", "dog"),
    )
    quadrant = np.where(np.isnan(growth), "question", quadrant)
    return BcgResult(share, growth, quadrant.astype(np.str_))
