"""Two small ward packages with known personal values for the erasure tests.

Package A names residents A1 and A2 (one household) and S; package B, later, names S
again and B1. So erasing A alone removes A1 and A2 (and their household) and keeps S,
whom B named too, and B1. Every value is unusual enough to be found nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.packages import assessment_row, bill_row, payment_row, ward_package

PEOPLE: dict[str, dict[str, str]] = {
    "A1": {
        "resident_no": "310000000001", "household_no": "8100001", "name": "榎本 消太郎",
        "name_kana": "エノモト ショウタロウ", "phone": "090-4321-8765", "account": "8642097",
        "address": "東京都新宿区百人町九丁目9-91", "caution_note": "夜間の訪問不可・犬あり",
        # Not a valid number: the import's report quotes it.
        "phone_2": "03-9876-54",
    },
    "A2": {
        "resident_no": "310000000002", "household_no": "8100001", "name": "榎本 消花",
        "name_kana": "エノモト ショウカ", "phone": "080-5432-9876", "account": "9753108",
        "address": "東京都新宿区百人町九丁目9-91", "caution_note": "",
    },
    "S": {
        "resident_no": "310000000003", "household_no": "8100002", "name": "共有 残留子",
        "name_kana": "キョウユウ ザンリュウコ", "phone": "070-6543-1098", "account": "1357642",
        "address": "東京都新宿区大久保九丁目8-82", "caution_note": "",
    },
    "B1": {
        "resident_no": "310000000004", "household_no": "8100003", "name": "別府 保持男",
        "name_kana": "ベップ ホジオ", "phone": "090-7654-2109", "account": "2468135",
        "address": "東京都新宿区高田馬場九丁目7-73", "caution_note": "",
    },
}  # fmt: skip
PACKAGE_A = "ERASE-A-0001"
PACKAGE_B = "ERASE-B-0001"


def values(key: str) -> list[str]:
    """The values of one person a scan must (not) find, as stored or as typed."""
    person = PEOPLE[key]
    digits = person["phone"].replace("-", "")[1:]
    found = [person[f] for f in ("name", "name_kana", "phone", "account", "address")]
    extra = [person[f] for f in ("caution_note", "phone_2") if person.get(f)]
    return [*found, digits, *extra]


def _rows(keys: list[str], serial: int) -> dict[str, list[dict[str, Any]]]:
    persons, assessments, bills, payments, accounts = [], [], [], [], []
    for i, key in enumerate(keys):
        p = PEOPLE[key]
        first = i == 0 or PEOPLE[keys[i - 1]]["household_no"] != p["household_no"]
        persons.append(
            {
                "resident_no": p["resident_no"], "household_no": p["household_no"],
                "is_householder": "1" if first else "0", "name": p["name"],
                "name_kana": p["name_kana"], "birth_date": "1970-01-01", "address": p["address"],
                "phone_1": p["phone"], "phone_2": p.get("phone_2", ""),
                "caution": "1" if p["caution_note"] else "0",
                "caution_note": p["caution_note"],
            }
        )  # fmt: skip
        notice = f"RT25-{serial}{i:04d}"
        assessments.append(assessment_row("RT", 2025, notice, p["resident_no"], 40000))
        bills.append(bill_row("RT", 2025, notice, 1, 10000, "2025-06-30", 4000))
        payments.append(payment_row(f"P{serial}{i:04d}", "RT", 2025, notice, 1, 4000,
                                    "2025-06-20", "counter"))  # fmt: skip
        accounts.append(
            {
                "payer_resident_no": p["resident_no"], "levy": "RT", "bank_code": "0005",
                "branch_code": "123", "account_type": "普通", "account_no": p["account"],
                "holder_kana": "ｴﾉﾓﾄ", "start_on": "2024-04-01",
            }
        )  # fmt: skip
    return {
        "persons.csv": persons,
        "assessments.csv": assessments,
        "bills.csv": bills,
        "payments.csv": payments,
        "accounts.csv": accounts,
    }


def erasure_packages(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a = ward_package(folder / "a.zip", _rows(["A1", "A2", "S"], 1), package_id=PACKAGE_A)
    b = ward_package(folder / "b.zip", _rows(["S", "B1"], 2), package_id=PACKAGE_B, kind="delta")
    return a, b
