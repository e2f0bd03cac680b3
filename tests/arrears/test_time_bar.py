"""Time bar (時効) dates: 5 years for taxes, 2 for NH, renewed by demand and acknowledgement."""

from __future__ import annotations

import datetime as dt

from saikoku.arrears.time_bar import time_bar_date

D = dt.date


def test_tax_is_barred_five_years_after_the_day_after_the_due_date():
    # 起算日 2020-07-01; five years end on 2025-06-30.
    assert time_bar_date(levy="RT", due_date=D(2020, 6, 30)) == D(2025, 6, 30)
    assert time_bar_date(levy="LV", due_date=D(2020, 6, 1)) == D(2025, 6, 1)


def test_nh_premium_is_barred_after_two_years():
    assert time_bar_date(levy="NH", due_date=D(2023, 6, 30)) == D(2025, 6, 30)


def test_demand_notice_restarts_the_period_after_ten_days():
    """督促状 sent 2020-07-20: day 1 is 7/20, ten days have passed on 7/30, the new period
    starts 7/31 and ends 2025-07-30."""
    assert time_bar_date(levy="RT", due_date=D(2020, 6, 30), demand_sent_on=D(2020, 7, 20)) == D(
        2025, 7, 30
    )


def test_payment_or_plan_renews_from_the_next_day():
    assert time_bar_date(
        levy="RT",
        due_date=D(2020, 6, 30),
        demand_sent_on=D(2020, 7, 20),
        renewals=[D(2023, 3, 15)],
    ) == D(2028, 3, 15)
    assert time_bar_date(levy="NH", due_date=D(2022, 6, 30), renewals=[D(2023, 1, 10)]) == D(
        2025, 1, 10
    )


def test_acknowledgement_after_the_bar_is_complete_renews_nothing():
    assert time_bar_date(levy="NH", due_date=D(2020, 6, 30), renewals=[D(2022, 7, 1)]) == D(
        2022, 6, 30
    )


def test_a_chain_of_payments_keeps_renewing():
    renewals = [D(2021, 6, 1), D(2023, 5, 1), D(2025, 4, 1)]
    assert time_bar_date(levy="NH", due_date=D(2020, 6, 30), renewals=renewals) == D(2027, 4, 1)


def test_leap_day_start_ends_on_28_february():
    # Due 2024-02-28: the period starts 29 Feb 2024; 2029 has no 29 February, so the
    # five years end on that month's last day, 28 Feb 2029 (民法第143条第2項).
    assert time_bar_date(levy="RT", due_date=D(2024, 2, 28)) == D(2029, 2, 28)
