"""ABC, XYZ and status under the conventions of ../shared/ANALYTICS.md."""

from __future__ import annotations

import numpy as np
import pytest

from services.analytics.domain.classification import abc, status, xyz

# A published worked example: "Perform an ABC analysis and identify A, B and C class items using
# 80% and 95% as cut-off points", homeworksource.com/p/1006462 (16 items, annual usage in $).
# Its table gives each item's usage, ratio and cumulative ratio, and classes by "cumulative
# <= 80 % is A, <= 95 % is B". ANALYTICS.md puts the item that crosses a limit into the upper
# class (the share of those worth strictly more decides), so item 1 (cumulative 81.8 %, 72.6 %
# above it) is A here, and item 16 (cumulative 96.3 %, 94.4 % above it) is B.
USAGE = {
    5: 36385,
    15: 22436,
    12: 12516,
    1: 9028,
    9: 3374,
    8: 3231,
    3: 2024,
    11: 1919,
    7: 1881,
    16: 1786,
    4: 1408,
    6: 1092,
    14: 484,
    13: 315,
    2: 252,
    10: 120,
}
PUBLISHED_CUMULATIVE = {
    5: 37.0,
    15: 59.9,
    12: 72.6,
    1: 81.8,
    9: 85.2,
    8: 88.5,
    3: 90.6,
    11: 92.5,
    7: 94.4,
    16: 96.3,
    4: 97.7,
    6: 98.8,
    14: 99.3,
    13: 99.6,
    2: 99.9,
    10: 100.0,
}
PUBLISHED_CLASS = {
    5: "A",
    15: "A",
    12: "A",
    1: "B",
    9: "B",
    8: "B",
    3: "B",
    11: "B",
    7: "B",
    16: "C",
    4: "C",
    6: "C",
    14: "C",
    13: "C",
    2: "C",
    10: "C",
}
CROSSING_JOINS_THE_UPPER_CLASS = {1: "A", 16: "B"}


def test_the_published_abc_example_gives_the_same_shares_and_cumulative_shares() -> None:
    items = list(USAGE)
    result = abc(
        np.array([USAGE[i] for i in items], dtype=float), np.array([f"{i:02d}" for i in items])
    )
    for position, item in enumerate(items):
        assert round(float(result.cumulative_share[position]), 1) == PUBLISHED_CUMULATIVE[item], (
            item
        )
    assert round(float(result.share.sum()), 6) == 100.0


def test_the_published_abc_example_gives_its_classes_except_that_the_customer_crossing_a_limit_joins_the_upper_class() -> (
    None
):
    items = list(USAGE)
    result = abc(
        np.array([USAGE[i] for i in items], dtype=float), np.array([f"{i:02d}" for i in items])
    )
    expected = {**PUBLISHED_CLASS, **CROSSING_JOINS_THE_UPPER_CLASS}
    assert dict(zip(items, result.abc.tolist(), strict=True)) == expected


def test_class_a_always_covers_at_least_the_first_limit_of_the_total() -> None:
    rng = np.random.default_rng(1)
    values = rng.pareto(1.5, 5000) * 1000
    result = abc(values, np.array([str(i) for i in range(5000)]))
    assert result.share[result.abc == "A"].sum() >= 80


def test_customers_with_equal_values_share_a_class_whatever_their_order() -> None:
    values = np.array([50.0, 30.0, 10.0, 10.0, 0.0])
    for ids in (["a", "b", "c", "d", "e"], ["a", "b", "d", "c", "e"]):
        result = abc(values, np.array(ids))
        assert result.abc[2] == result.abc[3]
    assert abc(values, np.array(list("abcde"))).abc.tolist() == ["A", "A", "B", "B", "C"]


def test_no_sales_is_c_and_negative_gross_profit_is_c_and_counted() -> None:
    result = abc(np.array([100.0, 0.0, -20.0]), np.array(["a", "b", "c"]))
    assert result.abc.tolist() == ["A", "C", "C"]
    assert result.negative == 1


def test_nobody_sold_anything_makes_everybody_c() -> None:
    result = abc(np.zeros(3), np.array(["a", "b", "c"]))
    assert result.abc.tolist() == ["C", "C", "C"] and result.share.tolist() == [0.0, 0.0, 0.0]


def test_xyz_uses_the_population_deviation_over_the_mean_with_zero_periods_counted() -> None:
    series = np.array(
        [
            [100, 100, 100, 100],  # steady: CV 0
            [100, 110, 90, 100],  # sd 7.07, mean 100: CV 7.07 → X
            [100, 130, 70, 100],  # sd 21.2: Y
            [100, 0, 0, 0],  # sold once in four months, zero periods count: CV 173 → Z
            [0, 0, 0, 0],  # no sales: no class
        ],
        dtype=float,
    )
    result = xyz(series)
    assert result.xyz.tolist() == ["X", "X", "Y", "Z", ""]
    assert result.cv[1] == pytest.approx(7.0711, abs=1e-4)
    assert result.cv[3] == pytest.approx(173.2051, abs=1e-4)
    assert np.isnan(result.cv[4])


def test_a_cv_exactly_on_a_limit_stays_in_the_lower_class() -> None:
    series = np.array([[90.0, 110.0], [75.0, 125.0]])  # CV 10 and 25 exactly
    assert xyz(series).xyz.tolist() == ["X", "Y"]


def test_status_tells_potential_lost_one_time_and_regular_customers_apart() -> None:
    found = status(np.array([0, 0, 1, 2, 5]), np.array([False, True, True, False, True]))
    assert found.tolist() == ["potential", "lost", "one_time", "regular", "regular"]
    assert status(np.array([2]), np.array([False]), one_time_max=2).tolist() == ["one_time"]


def test_bcg_places_customers_by_share_against_one_over_n_and_growth_against_the_total() -> None:
    from services.analytics.domain.classification import bcg

    # total 1000 → 1200 (+20 %); five customers with a value now: high share is 20 % or more
    previous = np.array([400.0, 400.0, 100.0, 100.0, 0.0])
    current = np.array([600.0, 300.0, 150.0, 50.0, 100.0])
    result = bcg(current, previous)
    assert result.quadrant.tolist() == ["star", "cash_cow", "question", "dog", "question"]
    assert result.share[0] == pytest.approx(0.5)
    assert result.growth[0] == pytest.approx(0.5) and np.isnan(result.growth[4])


def test_xyz_from_sums_and_squares_agrees_with_the_dense_series() -> None:
    from services.analytics.domain.classification import xyz_from_sums

    rng = np.random.default_rng(5)
    level = rng.lognormal(16, 1.5, (2000, 1))
    series = level * rng.lognormal(0, rng.uniform(0.01, 1, (2000, 1)), (2000, 24))
    series[rng.random((2000, 24)) < rng.uniform(0, 0.9, (2000, 1))] = 0
    series[:5] = 0  # no sales
    series[5:10] = np.round(level[5:10] * 1e4) / 1e4  # steady: CV 0
    series[10] = [-50.0, 50.0, 0.0, 100.0] * 6  # gross profit with a loss
    dense = xyz(series)
    sums = xyz_from_sums(series.sum(axis=1), (series**2).sum(axis=1), 24)
    assert sums.xyz.tolist() == dense.xyz.tolist()
    assert np.allclose(sums.cv, dense.cv, rtol=1e-9, atol=1e-5, equal_nan=True)
    assert set(dense.xyz.tolist()) == {"X", "Y", "Z", ""}


def test_xyz_from_sums_keeps_the_worked_cvs_and_the_limits_in_the_lower_class() -> None:
    from services.analytics.domain.classification import xyz_from_sums

    series = np.array(
        [[100, 110, 90, 100], [100, 130, 70, 100], [100, 0, 0, 0], [0, 0, 0, 0]], dtype=float
    )
    result = xyz_from_sums(series.sum(axis=1), (series**2).sum(axis=1), 4)
    assert result.xyz.tolist() == ["X", "Y", "Z", ""]
    assert result.cv[0] == pytest.approx(7.0711, abs=1e-4)
    assert result.cv[2] == pytest.approx(173.2051, abs=1e-4)
    on_limits = np.array([[90.0, 110.0], [75.0, 125.0]])
    found = xyz_from_sums(on_limits.sum(axis=1), (on_limits**2).sum(axis=1), 2)
    assert found.xyz.tolist() == ["X", "Y"] and found.cv.tolist() == [10.0, 25.0]


def test_a_window_is_cut_into_the_calendar_months_or_quarters_it_touches() -> None:
    from datetime import date

    from services.analytics.domain.classification import period_count

    assert period_count(date(2026, 1, 1), date(2026, 6, 30), "month") == 6
    assert period_count(date(2026, 1, 1), date(2026, 6, 30), "quarter") == 2
    assert period_count(date(2025, 11, 15), date(2026, 1, 2), "month") == 3
    assert period_count(date(2025, 11, 1), date(2026, 1, 31), "quarter") == 2  # Q4 and Q1
    assert period_count(date(2026, 2, 1), date(2026, 3, 31), "quarter") == 1


def test_classifying_the_figures_gives_what_each_rule_gives_with_ties_listed_by_id() -> None:
    from services.analytics.domain.classification import CustomerFigures, classify

    figures = CustomerFigures(
        ids=np.array(["d", "b", "a", "c"]),
        value=np.array([10.0, 50.0, 10.0, 0.0]),
        sum_of_squares=np.array([50.0, 2500.0, 100.0, 0.0]),
        invoices=np.array([2, 1, 1, 0]),
        invoiced_before=np.array([False, False, False, True]),
    ).sorted_by_id()
    assert figures.ids.tolist() == ["a", "b", "c", "d"]
    found = classify(figures, 2)
    expected_abc = abc(figures.value, figures.ids)
    assert found.abc.abc.tolist() == expected_abc.abc.tolist() == ["A", "A", "C", "A"]
    assert found.abc.cumulative_share.tolist() == expected_abc.cumulative_share.tolist()
    assert found.abc.cumulative_share[0] < found.abc.cumulative_share[3]  # "a" before "d"
    assert found.xyz.xyz.tolist() == xyz(np.array([[10, 0], [50, 0], [0, 0], [5, 5]])).xyz.tolist()
    assert found.status.tolist() == ["one_time", "one_time", "lost", "regular"]
