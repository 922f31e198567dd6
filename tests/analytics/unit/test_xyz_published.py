"""XYZ against published worked examples, under the conventions of ../shared/ANALYTICS.md
(population standard deviation over the mean, in percent; X up to 10, Y up to 25, else Z).

Source 1, the main one: "Таблиця 4 - XYZ-аналіз обсягів продажів за товарними групами центру
«Торговий комплекс БГЕУ»", a Ukrainian-language student work (a translation of a Russian one) on
the trade centre of the Belarus State Economic University: sales of seven product groups in
January, February and March 2012 (million roubles), with each group's monthly mean, standard
deviation, coefficient of variation and group, limits 10 % and 25 %, sigma = sqrt(sum / n). No
address is given here because the stored copy it was read from (through the project's search
tool) carried none; find it by the table title above. Its figures check themselves: the monthly
totals add up to its "ІТОГО" row, and every mean, deviation and CV it prints is reproduced below.

Source 2: the forum thread https://olegon.ru/showthread.php?page=2&t=22257 (page 2, the post
quoting "XYZ по месяцам буду считать..."): one item's weekly sales for 36 weeks printed in full,
added up to 9 months of 4 weeks and to 3 quarters of 3 months, with "XYZ" of 59 % by week, 29 %
by month and 19 % by quarter. Those are sample (n - 1) deviations; ours are smaller.
"""

from __future__ import annotations

import numpy as np
import pytest

from services.analytics.domain.classification import xyz

# Source 1, table 4: January, February, March 2012, million roubles.
MONTHLY_SALES = {
    "meat and sausages, semi-finished": (485.9, 520.4, 549.6),
    "grocery": (317.0, 347.2, 364.8),
    "vegetables and fruit": (148.0, 211.7, 185.8),
    "dairy": (67.6, 99.2, 131.4),
    "soft drinks": (66.7, 68.8, 98.6),
    "fish": (31.7, 55.6, 30.3),
    "bread and bakery": (7.3, 9.0, 8.3),
}
# Its columns 5 to 8: monthly mean, standard deviation, CV in percent, group.
PUBLISHED = {
    "meat and sausages, semi-finished": (518.63, 26.04, 5.02, "X"),
    "grocery": (343.00, 19.74, 5.75, "X"),
    "vegetables and fruit": (181.83, 26.16, 14.38, "Y"),
    "dairy": (99.40, 26.05, 26.20, "Z"),
    "soft drinks": (78.03, 14.57, 18.67, "Y"),
    "fish": (39.20, 11.61, 29.62, "Z"),
    "bread and bakery": (8.20, 0.70, 8.51, "X"),
}
PUBLISHED_TOTALS = (1124.2, 1311.9, 1369.0)  # its "ІТОГО" row, March rounded to the unit
PUBLISHED_TOTAL_MEAN = 1268.30

# Source 2: weekly sales of one item, as printed (the first week sold nothing).
# fmt: off
WEEKLY_SALES = [
    0, 15, 40, 15, 10, 15, 20, 15, 10, 15, 20, 15,
    5, 20, 45, 20, 15, 20, 25, 20, 15, 20, 25, 20,
    40, 10, 35, 10, 5, 10, 15, 10, 5, 10, 15, 10,
]
# fmt: on
PUBLISHED_MONTHS = [70, 60, 60, 90, 80, 80, 95, 40, 40]
PUBLISHED_QUARTERS = [190, 250, 175]
PUBLISHED_SAMPLE_CV = {"week": 59, "month": 29, "quarter": 19}


def _table() -> np.ndarray:
    return np.array(list(MONTHLY_SALES.values()), dtype=float)


def test_the_published_table_is_read_right_its_totals_means_and_deviations_come_out_the_same() -> (
    None
):
    table = _table()
    assert table.sum(axis=0)[:2].round(1).tolist() == list(PUBLISHED_TOTALS[:2])
    assert table.sum(axis=0)[2] == pytest.approx(PUBLISHED_TOTALS[2], abs=0.5)
    assert round(float(table.sum(axis=0).mean()), 2) == PUBLISHED_TOTAL_MEAN
    for row, (mean, deviation, _, _) in zip(table, PUBLISHED.values(), strict=True):
        assert round(float(row.mean()), 2) == mean
        assert round(float(row.std(ddof=0)), 2) == deviation  # the table's sigma divides by n


def test_each_product_group_of_the_published_table_gets_its_published_cv() -> None:
    result = xyz(_table())
    for name, cv in zip(MONTHLY_SALES, result.cv.tolist(), strict=True):
        assert round(cv, 2) == PUBLISHED[name][2], name


def test_each_product_group_of_the_published_table_gets_its_published_class() -> None:
    result = xyz(_table())
    assert dict(zip(MONTHLY_SALES, result.xyz.tolist(), strict=True)) == {
        name: published[3] for name, published in PUBLISHED.items()
    }


def test_the_source_limits_passed_explicitly_give_the_same_classes_as_the_defaults() -> None:
    assert xyz(_table(), limits=(10, 25)).xyz.tolist() == xyz(_table()).xyz.tolist()


def test_bread_is_x_because_the_deviation_is_the_population_one_the_sample_one_would_make_it_y() -> (
    None
):
    bread = np.array([MONTHLY_SALES["bread and bakery"]])
    assert xyz(bread).xyz.tolist() == ["X"]  # 8.51 %
    sample_cv = float(bread.std(ddof=1) / bread.mean() * 100)
    assert round(sample_cv, 2) == 10.42  # over the first limit: a tool using STDEV.S says Y


def test_a_group_with_no_sales_in_the_window_gets_no_class_and_leaves_the_others_alone() -> None:
    table = np.vstack([_table(), np.zeros(3)])
    result = xyz(table)
    assert result.xyz.tolist()[-1] == ""
    assert np.isnan(result.cv[-1])
    assert result.xyz.tolist()[:-1] == [published[3] for published in PUBLISHED.values()]


def test_a_month_without_sales_counts_as_zero_and_pushes_the_group_towards_z() -> None:
    fish_without_march = np.array([[31.7, 55.6, 0.0]])
    result = xyz(fish_without_march)
    assert result.xyz.tolist() == ["Z"]
    assert result.cv[0] == pytest.approx(np.std([31.7, 55.6, 0.0]) / np.mean([31.7, 55.6, 0]) * 100)
    assert result.cv[0] > PUBLISHED["fish"][2]


def test_a_limit_set_exactly_at_a_groups_cv_keeps_that_group_in_the_lower_class() -> None:
    table = _table()
    cv = xyz(table).cv
    soft_drinks = list(MONTHLY_SALES).index("soft drinks")  # Y by default, CV 18.67
    dairy = list(MONTHLY_SALES).index("dairy")  # Z by default, CV 26.20
    assert xyz(table, limits=(float(cv[soft_drinks]), 25)).xyz[soft_drinks] == "X"
    assert xyz(table, limits=(10, float(cv[dairy]))).xyz[dairy] == "Y"


def test_the_forum_example_adds_weeks_up_to_the_months_and_quarters_it_prints() -> None:
    weeks = np.array(WEEKLY_SALES, dtype=float)
    months = weeks.reshape(9, 4).sum(axis=1)
    assert months.tolist() == PUBLISHED_MONTHS
    assert months.reshape(3, 3).sum(axis=1).tolist() == PUBLISHED_QUARTERS


def test_the_forum_example_gives_its_published_cvs_with_the_sample_deviation() -> None:
    for period, values in (
        ("week", WEEKLY_SALES),
        ("month", PUBLISHED_MONTHS),
        ("quarter", PUBLISHED_QUARTERS),
    ):
        series = np.array(values, dtype=float)
        sample_cv = series.std(ddof=1) / series.mean() * 100
        assert round(float(sample_cv)) == PUBLISHED_SAMPLE_CV[period], period


def test_the_forum_example_counts_its_week_without_sales_the_published_59_needs_it() -> None:
    with_zero = np.array(WEEKLY_SALES, dtype=float)
    without = with_zero[with_zero > 0]
    assert round(float(with_zero.std(ddof=1) / with_zero.mean() * 100)) == 59
    assert round(float(without.std(ddof=1) / without.mean() * 100)) == 55
    assert xyz(np.array([WEEKLY_SALES], dtype=float)).cv[0] == pytest.approx(57.87, abs=0.01)


def test_the_same_sales_are_z_by_month_but_y_by_quarter() -> None:
    # Ours (population deviation): 27.59 % by month, 15.81 % by quarter; the forum's sample
    # deviation gives 29 % and 19 %, the same classes.
    by_month = xyz(np.array([PUBLISHED_MONTHS], dtype=float))
    by_quarter = xyz(np.array([PUBLISHED_QUARTERS], dtype=float))
    assert round(float(by_month.cv[0]), 2) == 27.59 and by_month.xyz.tolist() == ["Z"]
    assert round(float(by_quarter.cv[0]), 2) == 15.81 and by_quarter.xyz.tolist() == ["Y"]
