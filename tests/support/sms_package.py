"""A small ward for the SMS tests, written with the project's package writer and loaded
through the real import: one payer per thing an SMS campaign must get right.

"Today" is 2025-11-20 10:00 (a Thursday, inside the send window); the bills fell due
2025-10-31.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from support.packages import assessment_row, bill_row, payment_row, ward_package

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 11, 20, 10, 0, tzinfo=TOKYO)
EXTRACTED_AT = dt.datetime(2025, 11, 19, 6, 0, tzinfo=TOKYO)
DUE = "2025-10-31"

PLAIN = "plain"  # a mobile number, Japanese
CHINESE = "chinese"  # nationality 中国: the Chinese variant
VIETNAMESE = "vietnamese"  # nationality ベトナム: no variant in the test template -> ja
LANDLINE = "landline"  # only a landline: no SMS
CAUTION = "caution"  # caution-flagged: never texted
SHARED_A = "shared_a"  # two payers of one household share one mobile number
SHARED_B = "shared_b"
PAYS_LATER = "pays_later"  # pays between approval and sending (the delta package)
SIXTY = "sixty"  # a 060 number: classified by core/phones like any other

PAYERS: dict[str, dict[str, str]] = {
    PLAIN: {"phone_1": "090-2000-0001"},
    CHINESE: {"phone_1": "090-2000-0002", "nationality": "中国"},
    VIETNAMESE: {"phone_1": "090-2000-0003", "nationality": "ベトナム"},
    LANDLINE: {"phone_1": "03-3333-0004"},
    CAUTION: {"phone_1": "090-2000-0005", "caution": "1", "caution_note": "照会は区へ"},
    SHARED_A: {"phone_1": "080-2000-0006", "household_no": "8000006"},
    SHARED_B: {"phone_1": "080-2000-0006", "household_no": "8000006", "is_householder": "0"},
    PAYS_LATER: {"phone_1": "090-2000-0008"},
}


def resident_no(name: str) -> str:
    return f"3000000{list(PAYERS).index(name):05d}"


def notice_no(name: str) -> str:
    return f"RT25-{resident_no(name)[-6:]}"


def _files() -> dict[str, list[dict[str, object]]]:
    persons, assessments, bills = [], [], []
    for index, (name, fields) in enumerate(PAYERS.items()):
        person = {
            "resident_no": resident_no(name), "household_no": f"80{index:05d}",
            "is_householder": "1", "name": f"試験 {name}", "name_kana": "シケン",
            "birth_date": "1980-01-01", "address": "東京都新宿区西新宿二丁目8-1",
        }  # fmt: skip
        person.update(fields)
        persons.append(person)
        assessments.append(assessment_row("RT", 2025, notice_no(name), resident_no(name), 30000))
        bills.append(bill_row("RT", 2025, notice_no(name), 1, 30000, DUE, 0))
    return {"persons.csv": persons, "assessments.csv": assessments, "bills.csv": bills}


def build_sms_package(path: Path) -> Path:
    return ward_package(path, _files(), package_id="SMS-TEST-0001", extracted_at=EXTRACTED_AT)


def build_payment_delta(path: Path, name: str = PAYS_LATER) -> Path:
    """A delta package in which `name` pays their bill in full."""
    number = notice_no(name)
    files = {
        "bills.csv": [bill_row("RT", 2025, number, 1, 30000, DUE, 30000)],
        "payments.csv": [payment_row("PAY-S1", "RT", 2025, number, 1, 30000, "2025-11-20", "bank")],
    }
    return ward_package(
        path,
        files,
        package_id="SMS-TEST-0002",
        extracted_at=EXTRACTED_AT + dt.timedelta(hours=30),
        kind="delta",
    )
