"""Worked examples published by municipalities, reproduced to the yen.

Each test names the page and the example as printed there. Only examples whose every
input and result is printed are counted as "published"; the others (partial figures)
check the figures that are printed. None is the National Tax Agency's 延滞税.
"""

from __future__ import annotations

import datetime as dt

from saikoku.arrears.late_charge import compute_late_charge


def _yen_segments(result) -> list[int]:
    return [segment.yen for segment in result.segments]


def test_toyohashi_fixed_asset_tax_across_a_rate_change():
    """豊橋市「延滞金について」(city.toyohashi.lg.jp, dd.aspx?menuid=10874):
    令和3年度固定資産税 第1期 65,000円, 納期限 令和3年5月31日, 令和4年1月31日納付.
    (65,000×2.5%×30)/365 + (65,000×8.8%×184)/365 + (65,000×8.7%×31)/365
    = 133 + 2,883 + 480 = 3,496 → 3,400円."""
    result = compute_late_charge(
        levy="RT", principal=65_000, due_date=dt.date(2021, 5, 31), on=dt.date(2022, 1, 31)
    )
    assert [(s.days, str(s.rate_percent)) for s in result.segments] == [
        (30, "2.5"),
        (184, "8.8"),
        (31, "8.7"),
    ]
    assert _yen_segments(result) == [133, 2_883, 480]
    assert result.accrued == 3_496
    assert result.late_charge == 3_400
    assert result.total == 68_400


def test_tomisato_leap_february_and_base_rounding():
    """富里市「延滞金について」(city.tomisato.lg.jp/0000000057.html):
    令和6年1月31日納期限の市民税・県民税 117,300円を令和6年8月31日に納付
    → 223円 + 5,131円 = 5,354円 → 5,300円. (閏年: 2/1–2/29 の29日, 除数は365)"""
    result = compute_late_charge(
        levy="RT", principal=117_300, due_date=dt.date(2024, 1, 31), on=dt.date(2024, 8, 31)
    )
    assert result.segments[0].base == 117_000
    assert (result.segments[0].start, result.segments[0].end) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    assert _yen_segments(result) == [223, 5_131]
    assert result.late_charge == 5_300


def test_shinagawa_nh_premium_three_month_first_period():
    """品川区「延滞金について」(国民健康保険料, city.shinagawa.tokyo.jp hpg000022304):
    保険料 100,000円, 納期限 令和3年4月30日, 令和3年10月31日に全額納付:
    (100,000×2.5%×92÷365) + (100,000×8.8%×92÷365) = 2,848円 → 2,800円."""
    result = compute_late_charge(
        levy="NH", principal=100_000, due_date=dt.date(2021, 4, 30), on=dt.date(2021, 10, 31)
    )
    assert [s.days for s in result.segments] == [92, 92]
    assert result.first_period_end == dt.date(2021, 7, 31)
    assert result.accrued == 2_848
    assert result.late_charge == 2_800


def test_hashimoto_before_and_after_the_2014_reform():
    """橋本市「延滞金の計算方法について」(city.hashimoto.lg.jp 1387946891526.html):
    納期限 平成25年10月31日の個人市・県民税 100,000円を平成26年3月20日に納付.
    (ア) 4.3%×30日 = 353円 (イ) 14.6%×31日 = 1,240円 (ウ) 9.2%×79日 = 1,991円
    → 3,500円."""
    result = compute_late_charge(
        levy="RT", principal=100_000, due_date=dt.date(2013, 10, 31), on=dt.date(2014, 3, 20)
    )
    assert [(s.days, str(s.rate_percent)) for s in result.segments] == [
        (30, "4.3"),
        (31, "14.6"),
        (79, "9.2"),
    ]
    assert _yen_segments(result) == [353, 1_240, 1_991]
    assert result.late_charge == 3_500


def test_kitami_just_over_the_thousand_yen_threshold():
    """北見市「延滞金について」(city.kitami.lg.jp/docs/1933/, 2017年):
    市道民税第2期 (納期限8月31日) 75,000円を11月15日に納付 → 延滞金 1,000円.
    (1) 9月1日–9月30日 75,000×30日×0.027÷365 ≒ 166円; (2) 10月1日–11月15日."""
    result = compute_late_charge(
        levy="RT", principal=75_000, due_date=dt.date(2017, 8, 31), on=dt.date(2017, 11, 15)
    )
    assert _yen_segments(result)[0] == 166
    assert result.segments[1].days == 46
    assert result.accrued == 1_016
    assert result.late_charge == 1_000


def test_higashikagawa_due_on_the_first_of_the_month():
    """東かがわ市「延滞金の計算方法」(higashikagawa.jp .../nofu/2253.html):
    29年度固定資産税 1期 (納期限29年5月1日) 250,000円を29年7月10日に納付:
    A 250,000×2.7%×31日/365 = 573円, B 250,000×9.0%×39日/365 = 2,404円,
    A+B = 2,977円, 100円未満切捨て. (1か月は5月2日–6月1日の31日)"""
    result = compute_late_charge(
        levy="RT", principal=250_000, due_date=dt.date(2017, 5, 1), on=dt.date(2017, 7, 10)
    )
    assert result.first_period_end == dt.date(2017, 6, 1)
    assert [s.days for s in result.segments] == [31, 39]
    assert _yen_segments(result) == [573, 2_404]
    assert result.accrued == 2_977
    assert result.late_charge == 2_900


def test_fukuoka_first_month_and_2026_rate():
    """福岡市 FAQ3274「市税の延滞金の計算方法について教えてください」: 滞納税額
    152,500円, 納期限 令和7年9月1日, 納付日 令和8年2月5日; 152,500 → 152,000円,
    ① 令和7年9月2日〜令和7年10月1日: 30日間. (The stored copy of the page ends there;
    the rest is the engine's own arithmetic with the 2025 / 2026 rates.)"""
    result = compute_late_charge(
        levy="RT", principal=152_500, due_date=dt.date(2025, 9, 1), on=dt.date(2026, 2, 5)
    )
    first = result.segments[0]
    assert (first.start, first.end, first.days, first.base) == (
        dt.date(2025, 9, 2),
        dt.date(2025, 10, 1),
        30,
        152_000,
    )
    # 299 + 3,296 (8.7% × 91日) + 1,364 (9.1% × 36日) = 4,959 → 4,900円
    assert _yen_segments(result) == [299, 3_296, 1_364]
    assert result.late_charge == 4_900


def test_azumino_first_month_segment():
    """安曇野市「延滞金について」(city.azumino.nagano.jp/soshiki/12/65538.html):
    令和6年5月31日が納期限の税金30,000円を令和7年5月31日に納税した場合
    (1) 30,000円×2.4%×30日÷365日 = 59円 (the stored copy stops after (1))."""
    result = compute_late_charge(
        levy="RT", principal=30_000, due_date=dt.date(2024, 5, 31), on=dt.date(2025, 5, 31)
    )
    assert (result.segments[0].days, result.segments[0].yen) == (30, 59)
    # (2) 2024-07-01..2024-12-31 184日 and 2025-01-01..2025-05-31 151日, both 8.7%.
    assert [s.days for s in result.segments[1:]] == [184, 151]


def test_obu_first_month_segment_exact_amount():
    """大府市「延滞金について」(city.obu.aichi.jp/kurashi/zeikin/noufu/1001720.html):
    令和5年8月31日納期限の市県民税100,000円を令和6年2月10日に全額納付:
    100,000円×2.4%×30日÷365日 = 197.260… (the stored copy stops there)."""
    result = compute_late_charge(
        levy="RT", principal=100_000, due_date=dt.date(2023, 8, 31), on=dt.date(2024, 2, 10)
    )
    assert str(result.segments[0].amount).startswith("197.260")
    assert result.segments[0].yen == 197
