"""A small ward package for the "if paid on …" panel, loaded through the real import.

- 中村 四郎 (RT and LV), each bill chosen for one rule of the late charge:
  - RT 2025 第1期 123,456 yen due 2025-06-30, 50,000 paid 2025-09-10 (after the due
    date: the paid part accrues up to its payment day), the rest still open;
  - RT 2025 第2期 200,000 yen due 2025-09-01, paid in full late on 2025-10-20: its late
    charge is final and still owed;
  - RT 2025 第3期 200,000 yen due 2025-10-31, paid late on 2025-12-15 and its late
    charge paid too (late_charge_paid): nothing left to show;
  - RT 2025 第4期 100,000 yen due 2026-02-02, 30,000 paid according to the bill row but
    no dated payment in the history: the late charge is approximate;
  - LV 2025 10,800 yen due Saturday 2025-05-31 (moved to Monday 2 June), open, with a
    demand notice sent 2025-06-20.
- 小林 五郎 (RT only): one bill paid in full late, its late charge unpaid: owed, final.
"""

from __future__ import annotations

from pathlib import Path

from support.console_package import EXTRACTED_AT
from support.packages import assessment_row, bill_row, payment_row, ward_package

NAKAMURA = "200000000001"
KOBAYASHI = "200000000002"

PERSONS = [
    {
        "resident_no": NAKAMURA, "household_no": "8100001", "is_householder": "1",
        "relationship": "世帯主", "name": "中村 四郎", "name_kana": "ナカムラ シロウ",
        "sex": "1", "birth_date": "1970-02-01", "postal_code": "160-0022",
        "address": "東京都新宿区新宿二丁目2-2", "phone_1": "090-2222-3333",
    },
    {
        "resident_no": KOBAYASHI, "household_no": "8100002", "is_householder": "1",
        "relationship": "世帯主", "name": "小林 五郎", "name_kana": "コバヤシ ゴロウ",
        "sex": "1", "birth_date": "1965-07-07", "postal_code": "160-0022",
        "address": "東京都新宿区新宿三丁目3-3",
    },
]  # fmt: skip
ASSESSMENTS = [
    assessment_row("RT", 2025, "R25-200001", NAKAMURA, 623456, notice_issued_on="2025-06-10"),
    assessment_row("LV", 2025, "L25-200001", NAKAMURA, 10800, notice_issued_on="2025-05-01",
                   vehicle_plate="新宿 い 5678", vehicle_kind="軽四輪乗用"),
    assessment_row("RT", 2025, "R25-200002", KOBAYASHI, 200000, notice_issued_on="2025-06-10"),
]  # fmt: skip
BILLS = [
    bill_row("RT", 2025, "R25-200001", 1, 123456, "2025-06-30", 50000, demand_sent_on="2025-07-18"),
    bill_row("RT", 2025, "R25-200001", 2, 200000, "2025-09-01", 200000),
    bill_row("RT", 2025, "R25-200001", 3, 200000, "2025-10-31", 200000, late_charge_paid="1100"),
    bill_row("RT", 2025, "R25-200001", 4, 100000, "2026-02-02", 30000),
    bill_row("LV", 2025, "L25-200001", 1, 10800, "2025-05-31", 0, demand_sent_on="2025-06-20"),
    bill_row("RT", 2025, "R25-200002", 1, 200000, "2025-09-01", 200000),
]


PAYMENTS = [
    payment_row("P200001", "RT", 2025, "R25-200001", 1, 50000, "2025-09-10", "bank",
                recorded_on="2025-09-12"),
    payment_row("P200002", "RT", 2025, "R25-200001", 2, 200000, "2025-10-20", "conbini",
                recorded_on="2025-10-22"),
    payment_row("P200003", "RT", 2025, "R25-200001", 3, 200000, "2025-12-15", "counter",
                recorded_on="2025-12-17"),
    payment_row("P200004", "RT", 2025, "R25-200002", 1, 200000, "2025-10-20", "bank",
                recorded_on="2025-10-22"),
]  # fmt: skip


def build_owed_package(path: Path) -> Path:
    rows = {
        "persons.csv": PERSONS,
        "assessments.csv": ASSESSMENTS,
        "bills.csv": BILLS,
        "payments.csv": PAYMENTS,
    }
    return ward_package(path, rows, package_id="OWED-TEST-0001", extracted_at=EXTRACTED_AT)
