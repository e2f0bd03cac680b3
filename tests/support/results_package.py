"""Ward packages for the promise, dialer and export tests, written with the project's
package writer and loaded through the real import (one way in).

- 山本 太郎: RT, three periods of ¥30,000 (the first paid), a mobile, a landline and an
  invalid number.
- 中村 花子: RT, one open period of ¥30,000, a mobile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from saikoku.interchange.spec import PHONE_SLOTS
from support.packages import assessment_row, bill_row, payment_row, ward_package

YAMAMOTO = "100000000011"
NAKAMURA = "100000000012"
YAMAMOTO_MOBILE = "+819012345678"
YAMAMOTO_LANDLINE = "+81312345678"
NAKAMURA_MOBILE = "+818022223333"
EXTRACTED_AT = datetime(2025, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))

# These files carry only the required columns and a few more, as a ward's export may.
COLUMNS = {
    "persons.csv": [
        "resident_no", "household_no", "is_householder", "name", "name_kana", "birth_date",
        "address", *PHONE_SLOTS,
    ],
    "assessments.csv": ["levy", "fiscal_year", "notice_no", "payer_resident_no", "annual_amount"],
    # build_delta's rows given as lists hold these cells, in this order.
    "bills.csv": [
        "levy", "fiscal_year", "notice_no", "period", "amount", "due_date", "paid_amount",
    ],
    "payments.csv": [
        "payment_id", "levy", "fiscal_year", "notice_no", "period", "amount", "paid_on",
        "method",
    ],
}  # fmt: skip

PERSONS = [
    {"resident_no": YAMAMOTO, "household_no": "8100011", "is_householder": "1",
     "name": "山本 太郎", "name_kana": "ヤマモト タロウ", "birth_date": "1970-02-03",
     "address": "東京都新宿区新宿二丁目2-2", "phone_1": "090-1234-5678",
     "phone_2": "03-1234-5678", "phone_3": "123"},
    {"resident_no": NAKAMURA, "household_no": "8100012", "is_householder": "1",
     "name": "中村 花子", "name_kana": "ナカムラ ハナコ", "birth_date": "1985-07-08",
     "address": "東京都新宿区大久保一丁目1-1", "phone_1": "080-2222-3333"},
]  # fmt: skip
ASSESSMENTS = [
    assessment_row("RT", 2025, "R25-000011", YAMAMOTO, 90000),
    assessment_row("RT", 2025, "R25-000012", NAKAMURA, 30000),
]


def _by_name(name: str, rows: Sequence[Mapping[str, object] | Sequence[object]]) -> list:
    """Rows by column name; a row given as a list holds the cells of COLUMNS[name]."""
    return [
        row if isinstance(row, Mapping) else dict(zip(COLUMNS[name], row, strict=True))
        for row in rows
    ]


BILLS = [
    bill_row("RT", 2025, "R25-000011", 1, 30000, "2025-06-30", 30000),
    bill_row("RT", 2025, "R25-000011", 2, 30000, "2025-09-01", 0),
    bill_row("RT", 2025, "R25-000011", 3, 30000, "2025-10-31", 0),
    bill_row("RT", 2025, "R25-000012", 1, 30000, "2025-06-30", 0),
]
PAYMENTS = [payment_row("X000011", "RT", 2025, "R25-000011", 1, 30000, "2025-06-27", "conbini")]


def build_full(path: Path) -> Path:
    rows = {
        "persons.csv": PERSONS,
        "assessments.csv": ASSESSMENTS,
        "bills.csv": BILLS,
        "payments.csv": PAYMENTS,
    }
    return ward_package(
        path, rows, package_id="RESULTS-FULL", extracted_at=EXTRACTED_AT, columns=COLUMNS
    )


def build_delta(
    path: Path,
    *,
    package_id: str,
    bills: list[Sequence[object] | Mapping[str, object]] | None = None,
    payments: list[Sequence[object] | Mapping[str, object]] | None = None,
) -> Path:
    """A delta package holding only the given bill and payment rows (what the ward
    sends after payments came in): rows by column name, or lists of the cells of
    COLUMNS["bills.csv"] / COLUMNS["payments.csv"]."""
    rows = {}
    if bills:
        rows["bills.csv"] = _by_name("bills.csv", bills)
    if payments:
        rows["payments.csv"] = _by_name("payments.csv", payments)
    return ward_package(
        path,
        rows,
        package_id=package_id,
        kind="delta",
        extracted_at=EXTRACTED_AT,
        columns=COLUMNS,
    )
