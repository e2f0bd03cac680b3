"""`saikoku late-charge`: JSON output, text output, exit status 2 on wrong input."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from saikoku.arrears.models import LateChargeRate
from saikoku.arrears.rates import current_rate_table

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("late_charge", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--json"))


def test_json_reproduces_the_toyohashi_example():
    data = run_json(*args("RT", "65000", "2021-05-31", "2022-01-31"))
    assert (data["principal"], data["late_charge"], data["total"]) == (65_000, 3_400, 68_400)
    assert data["segments"][0] == {
        "from": "2021-06-01",
        "to": "2021-06-30",
        "days": 30,
        "rate_percent": "2.5",
        "base": 65_000,
        "amount": "133.561643",
    }
    assert [int(Decimal(s["amount"])) for s in data["segments"]] == [133, 2_883, 480]


def test_json_is_exactly_one_object_on_one_line():
    text = run(*args("NH", "100000", "R3.4.30", "令和3年10月31日", "--json"))
    assert text.count("\n") <= 1
    assert json.loads(text)["late_charge"] == 2_800


def test_partial_payment_and_remaining_principal():
    data = run_json(
        "--levy",
        "RT",
        "--amount",
        "123,456",
        "--due",
        "2025-06-30",
        "--on",
        "2026-01-15",
        "--payment",
        "2025-09-10:50000",
    )
    assert (data["principal"], data["late_charge"], data["total"]) == (73_456, 3_600, 77_056)
    assert data["final"] is False
    assert [s["base"] for s in data["segments"]] == [123_000, 123_000, 73_000, 73_000]


def test_text_output_says_whether_the_charge_is_final():
    text = run("--levy", "lv", "--amount", "10800", "--due", "2023-05-31", "--on", "2026-01-05")
    assert "本税が完納されるまで延滞金は確定しません" in text
    paid = run(
        "--levy",
        "LV",
        "--amount",
        "10800",
        "--due",
        "2023-05-31",
        "--on",
        "2026-01-05",
        "--payment",
        "2026-01-05:10800",
    )
    assert "延滞金は確定しています" in paid


def args(levy="RT", amount="1000", due="2025-06-30", on="2025-07-01", *extra: str):
    return ["--levy", levy, "--amount", amount, "--due", due, "--on", on, *extra]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (args("XX"), "税目"),
        (args("RT", "1000", "2025-06-31"), "存在しない"),
        (args("RT", "-5"), "負"),
        (args("RT", "1000", "2025-06-30", "2025-07-01", "--payment", "2025-07-02:10"), "より後"),
        (args("RT", "1000", "2025-06-30", "2025-07-01", "--payment", "2025-07-01"), "--payment"),
        (args("RT", "1000", "2025-06-30", "2025-07-01", "--payment", "2025-07-01:-3"), "負"),
    ],
)
def test_wrong_input_exits_2_with_one_line(argv, fragment):
    with pytest.raises(CommandError) as caught:
        run(*argv)
    assert caught.value.returncode == 2
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_year_without_a_registered_rate_is_an_estimate_marked_as_such():
    # The shipped table ends with 2026: in December an operator quotes a January day.
    data = run_json(*args("RT", "100000", "2026-06-30", "2027-01-15"))
    assert data["provisional"] is True
    assert data["provisional_years"] == [2027]
    assert data["late_charge"] == 4_400  # 237 + 3,814 + 373 at 2026's 2.8% / 9.1%
    assert data["segments"][-1]["rate_percent"] == "9.1"
    text = run(*args("RT", "100000", "2026-06-30", "2027-01-15"))
    assert "見込み: 2027年の延滞金の割合がまだ登録されていないため" in text
    assert "9.1%（見込み）" in text


def test_a_figure_with_every_rate_known_is_not_provisional():
    data = run_json(*args("RT", "65000", "2021-05-31", "2022-01-31"))
    assert (data["provisional"], data["provisional_years"]) == (False, [])
    assert "見込み" not in run(*args("RT", "65000", "2021-05-31", "2022-01-31"))


def test_once_the_rate_is_registered_the_figure_is_final():
    LateChargeRate.objects.create(
        year=2027, lower_percent=Decimal("2.8"), higher_percent=Decimal("9.1"), source="告示"
    )
    data = run_json(*args("RT", "100000", "2026-06-30", "2027-01-15"))
    assert (data["provisional"], data["late_charge"]) == (False, 4_400)


def test_a_rate_entered_in_the_database_is_used_and_wins():
    LateChargeRate.objects.create(
        year=2027, lower_percent=Decimal("3.0"), higher_percent=Decimal("9.3"), source="告示"
    )
    data = run_json(*args("RT", "100000", "2026-06-30", "2027-01-05"))
    assert data["segments"][-1]["rate_percent"] == "9.3"
    LateChargeRate.objects.create(
        year=2026, lower_percent=Decimal("2.9"), higher_percent=Decimal("9.2"), source="訂正"
    )
    table = current_rate_table()
    assert table.rates(2026) == (Decimal("2.9"), Decimal("9.2"))
    assert table.rates(2025) == (Decimal("2.4"), Decimal("8.7"))
