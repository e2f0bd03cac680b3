"""Worked examples published by municipalities, reproduced to the yen.

Each test names the page and the example as printed there. Only examples whose every
input and result is printed are counted as "published"; the others (partial figures)
check the figures that are printed. None is the National Tax Agency's 延滞税.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from saikoku.arrears.late_charge import LevyRules, compute_late_charge


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


def test_yabuki_nh_tax_one_month_first_period():
    """矢吹町 FAQ「納期限が過ぎてから納める場合の延滞金はどうなりますか?」
    (town.yabuki.fukushima.jp faq.php?mode=detail&c=26&code=26):
    令和4年度国民健康保険税 第1期 (納期限 令和4年8月1日) 64,300円を令和4年11月1日に納付.
    (1) 8月2日–9月1日 (31日間) 64,000×31×2.4%÷365 = 130.45 → 130
    (2) 9月2日–11月1日 (61日間) 64,000×61×8.7%÷365 = 930.54 → 930
    130 + 930 = 1,060 → 1,000円."""
    # 国民健康保険税 is a tax (地方税法第723条): one month at the lower rate, not the
    # three months of the Tokyo wards' 保険料 ordinances.
    result = compute_late_charge(
        levy="NH",
        principal=64_300,
        due_date=dt.date(2022, 8, 1),
        on=dt.date(2022, 11, 1),
        rules=LevyRules(first_period_months=1),
    )
    assert [(s.start, s.end, s.days) for s in result.segments] == [
        (dt.date(2022, 8, 2), dt.date(2022, 9, 1), 31),
        (dt.date(2022, 9, 2), dt.date(2022, 11, 1), 61),
    ]
    assert [round(s.amount, 2) for s in result.segments] == [Decimal("130.45"), Decimal("930.54")]
    assert _yen_segments(result) == [130, 930]
    assert result.accrued == 1_060
    assert result.late_charge == 1_000


def test_miyakonojo_due_date_at_month_end_of_a_30_day_month():
    """都城市上下水道局「公共下水道使用料や農業集落排水施設使用料は延滞金が加算されます」
    (city.miyakonojo.miyazaki.jp/site/mizu/2414.html): 督促状に指定された納期限が
    平成29年4月30日の公共下水道使用料45,000円を平成29年8月31日に支払う場合,
    5月1日–5月31日 (31日間) 45,000×2.7%×31/365 = 103円,
    6月1日–8月31日 (92日間) 45,000×9.0%×92/365 = 1,020円,
    103 + 1,020 = 1,123円 → 1,100円."""
    # A 使用料, not a tax, but the city's ordinance uses the same rates, first month and
    # rounding as 地方税法 (the page lists them), so the RT rules apply unchanged.
    result = compute_late_charge(
        levy="RT", principal=45_000, due_date=dt.date(2017, 4, 30), on=dt.date(2017, 8, 31)
    )
    assert result.first_period_end == dt.date(2017, 5, 31)
    assert [(s.days, str(s.rate_percent)) for s in result.segments] == [(31, "2.7"), (92, "9.0")]
    assert _yen_segments(result) == [103, 1_020]
    assert result.accrued == 1_123
    assert result.late_charge == 1_100


def test_chuo_yamanashi_first_month_in_february_2026():
    """中央市「市税の延滞金計算について」(city.chuo.yamanashi.jp/soshiki/zeimu/shuunou/10746.html):
    税額56,400円, 納期限 令和8年2月2日, 令和8年5月29日に全額納付:
    2月3日–3月2日 56,000×2.8%×28日/365 = 120円,
    3月3日–5月29日 56,000×9.1%×88日/365 = 1,228円,
    120 + 1,228 = 1,348円 → 1,300円."""
    result = compute_late_charge(
        levy="RT", principal=56_400, due_date=dt.date(2026, 2, 2), on=dt.date(2026, 5, 29)
    )
    assert result.first_period_end == dt.date(2026, 3, 2)
    assert [(s.base, s.days, str(s.rate_percent)) for s in result.segments] == [
        (56_000, 28, "2.8"),
        (56_000, 88, "9.1"),
    ]
    assert _yen_segments(result) == [120, 1_228]
    assert result.accrued == 1_348
    assert result.late_charge == 1_300
    assert result.total == 57_700


def test_utsunomiya_three_years_split_only_where_the_rate_changes():
    """宇都宮市 FAQ「市税の延滞金の計算方法について知りたい」
    (city.utsunomiya.tochigi.jp/faq/zei/nofu/1001741.html): 令和2年度市県民税第1期分
    (納期限 令和2年6月30日) 20,000円を令和5年4月1日に納付:
    7月1日–7月31日 (31日間) 20,000×31×2.6%÷365 = 44.16 → 44円;
    8月1日–12月31日 (153日間) ×8.9% = 746.13 → 746円;
    令和3年 (365日間) ×8.8% = 1,760円; 令和4年1月1日–令和5年4月1日 (456日間) ×8.7%
    = 2,173.80 → 2,173円; 44 + 746 + 1,760 + 2,173 = 4,723円 → 4,700円."""
    # Utsunomiya cuts a segment only where the rate changes (2022 and 2023 are one
    # 456-day stretch at 8.7%), the ward setting split_every_new_year=False.
    result = compute_late_charge(
        levy="RT",
        principal=20_000,
        due_date=dt.date(2020, 6, 30),
        on=dt.date(2023, 4, 1),
        rules=LevyRules(split_every_new_year=False),
    )
    assert [(s.days, str(s.rate_percent)) for s in result.segments] == [
        (31, "2.6"),
        (153, "8.9"),
        (365, "8.8"),
        (456, "8.7"),
    ]
    assert _yen_segments(result) == [44, 746, 1_760, 2_173]
    assert result.accrued == 4_723
    assert result.late_charge == 4_700
    # Cutting at every 1 January (the default) gives 1,740 + 433 for the last stretch:
    # the same 2,173 yen here, the same 4,700 yen in the end.
    default = compute_late_charge(
        levy="RT", principal=20_000, due_date=dt.date(2020, 6, 30), on=dt.date(2023, 4, 1)
    )
    assert _yen_segments(default) == [44, 746, 1_760, 1_740, 433]
    assert default.late_charge == 4_700


def test_noda_iwate_rate_change_on_1_january_2026():
    """野田村「延滞金について」(vill.noda.iwate.jp/soshiki/zeimuka/1850.html):
    令和7年度村民税・県民税・森林環境税 第1期分 (納期限 令和7年6月30日) 50,000円を
    令和8年1月31日に納付: (1) 7月1日–7月31日 50,000×2.4%×31÷365 = 101.92円,
    (2) 8月1日–12月31日 50,000×8.7%×153÷365 = 1,823.42円,
    (3) 令和8年1月1日–1月31日 50,000×9.1%×31÷365 = 386.44円.
    (The stored copy stops before the page's total; the three segments are all printed.)"""
    result = compute_late_charge(
        levy="RT", principal=50_000, due_date=dt.date(2025, 6, 30), on=dt.date(2026, 1, 31)
    )
    assert [(s.start, s.end, s.days) for s in result.segments] == [
        (dt.date(2025, 7, 1), dt.date(2025, 7, 31), 31),
        (dt.date(2025, 8, 1), dt.date(2025, 12, 31), 153),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31), 31),
    ]
    # The page prints each amount rounded to 2 decimals before truncating to the yen.
    assert [round(s.amount, 2) for s in result.segments] == [
        Decimal("101.92"),
        Decimal("1823.42"),
        Decimal("386.44"),
    ]
    # 101 + 1,823 + 386 = 2,310 → 2,300円 (summing the exact amounts gives 2,311.78, the
    # same 2,300円).
    assert result.late_charge == 2_300


def test_oamishirasato_first_month_of_a_june_due_date():
    """大網白里市「市税の延滞金について」(city.oamishirasato.lg.jp/0000011904.html):
    令和3年度市県民税第1期60,300円 (納期限 令和3年6月30日) を令和3年12月10日に納付,
    基礎額60,000円; 令和3年7月1日から7月31日までの期間 (31日間)
    60,000円×31日×2.5%÷365 = 127. (the stored copy stops there)"""
    result = compute_late_charge(
        levy="RT", principal=60_300, due_date=dt.date(2021, 6, 30), on=dt.date(2021, 12, 10)
    )
    first = result.segments[0]
    assert (first.start, first.end, first.days, first.base) == (
        dt.date(2021, 7, 1),
        dt.date(2021, 7, 31),
        31,
        60_000,
    )
    assert str(first.amount).startswith("127.")
    # The rest is the engine's own arithmetic: 8月1日–12月10日 132日 at 8.8% = 1,909円,
    # 127 + 1,909 = 2,036 → 2,000円.
    assert _yen_segments(result) == [127, 1_909]
    assert result.late_charge == 2_000


def test_kitami_sewer_fee_page_sums_before_truncating():
    """北見市「遅延損害金及び延滞金」(city.kitami.lg.jp/administration/life/detail.php?content=10135):
    下水道使用料48,400円, 納期限 令和6年5月2日, 納入日 令和6年10月30日:
    (48,000×2.4%×31日÷365) + (48,000×8.7%×150日÷365) = 1,814円 → 1,800円."""
    # The page adds the exact amounts (97.84 + 1,716.16 = 1,814.00) before truncating;
    # the engine truncates each segment first (97 + 1,716 = 1,813), as the ward pages
    # and 豊橋市・福岡市 do. The chargeable amount is the same 1,800円; the 1-yen
    # difference in the intermediate sum is this page's rounding, not a different rule
    # of days or rates.
    result = compute_late_charge(
        levy="RT", principal=48_400, due_date=dt.date(2024, 5, 2), on=dt.date(2024, 10, 30)
    )
    assert [(s.base, s.days, str(s.rate_percent)) for s in result.segments] == [
        (48_000, 31, "2.4"),
        (48_000, 150, "8.7"),
    ]
    assert int(sum(s.amount for s in result.segments)) == 1_814
    assert result.accrued == 1_813
    assert result.late_charge == 1_800
