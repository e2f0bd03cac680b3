"""Ward packages for the promise, dialer and export tests, written with the project's
package writer and loaded through the real import (one way in).

- 山本 太郎: RT, three periods of ¥30,000 (the first paid), a mobile, a landline and an
  invalid number.
- 中村 花子: RT, one open period of ¥30,000, a mobile.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from saikoku.interchange.writer import build_manifest, csv_bytes, write_package

YAMAMOTO = "100000000011"
NAKAMURA = "100000000012"
YAMAMOTO_MOBILE = "+819012345678"
YAMAMOTO_LANDLINE = "+81312345678"
NAKAMURA_MOBILE = "+818022223333"

PERSONS_HEADER = [
    "resident_no", "household_no", "is_householder", "name", "name_kana", "birth_date",
    "address", "phone_1", "phone_2", "phone_3",
]  # fmt: skip
PERSONS = [
    [YAMAMOTO, "8100011", "1", "山本 太郎", "ヤマモト タロウ", "1970-02-03",
     "東京都新宿区新宿二丁目2-2", "090-1234-5678", "03-1234-5678", "123"],
    [NAKAMURA, "8100012", "1", "中村 花子", "ナカムラ ハナコ", "1985-07-08",
     "東京都新宿区大久保一丁目1-1", "080-2222-3333", "", ""],
]  # fmt: skip
ASSESSMENTS_HEADER = ["levy", "fiscal_year", "notice_no", "payer_resident_no", "annual_amount"]
ASSESSMENTS = [
    ["RT", 2025, "R25-000011", YAMAMOTO, 90000],
    ["RT", 2025, "R25-000012", NAKAMURA, 30000],
]
BILLS_HEADER = [
    "levy", "fiscal_year", "notice_no", "period", "amount", "due_date", "paid_amount",
]  # fmt: skip
BILLS = [
    ["RT", 2025, "R25-000011", 1, 30000, "2025-06-30", 30000],
    ["RT", 2025, "R25-000011", 2, 30000, "2025-09-01", 0],
    ["RT", 2025, "R25-000011", 3, 30000, "2025-10-31", 0],
    ["RT", 2025, "R25-000012", 1, 30000, "2025-06-30", 0],
]
PAYMENTS_HEADER = [
    "payment_id", "levy", "fiscal_year", "notice_no", "period", "amount", "paid_on", "method",
]  # fmt: skip
PAYMENTS = [["X000011", "RT", 2025, "R25-000011", 1, 30000, "2025-06-27", "conbini"]]

EXTRACTED_AT = datetime(2025, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def build_full(path: Path) -> Path:
    files = {
        "persons.csv": csv_bytes(PERSONS_HEADER, PERSONS),
        "assessments.csv": csv_bytes(ASSESSMENTS_HEADER, ASSESSMENTS),
        "bills.csv": csv_bytes(BILLS_HEADER, BILLS),
        "payments.csv": csv_bytes(PAYMENTS_HEADER, PAYMENTS),
    }
    manifest = build_manifest(package_id="RESULTS-FULL", files=files, extracted_at=EXTRACTED_AT)
    write_package(path, manifest=manifest, files=files)
    return path


def build_delta(
    path: Path,
    *,
    package_id: str,
    bills: list[list[object]] | None = None,
    payments: list[list[object]] | None = None,
) -> Path:
    """A delta package holding only the given bill and payment rows (what the ward
    sends after payments came in)."""
    files = {}
    if bills:
        files["bills.csv"] = csv_bytes(BILLS_HEADER, bills)
    if payments:
        files["payments.csv"] = csv_bytes(PAYMENTS_HEADER, payments)
    manifest = build_manifest(
        package_id=package_id, files=files, kind="delta", extracted_at=EXTRACTED_AT
    )
    write_package(path, manifest=manifest, files=files)
    return path
