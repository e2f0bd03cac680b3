"""A tiny ward package for the console tests, written with the project's package writer
and loaded through the real import (ARCHITECTURE.md: one way in).

The people, chosen for what each screen must get right:

- 髙橋 花子 (RT only): caution-flagged with a reason, three phone formats, an RT account,
  one paid and two open bills; her name uses 髙 (はしごだか) so 高橋 must find her.
- 佐藤 次郎 (NH only): under public notice, an NH account; tax staff must not see him.
- 鈴木 一郎 (RT and NH): an active plan, ward history, householder of 鈴木 葵.
- 鈴木 葵: a household member with no assessment: not a payer, never a link.
- 渡邊 三郎 (LV only): deceased, an open deferment.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from support.packages import assessment_row, bill_row, payment_row, ward_package

PACKAGE_ID = "CONSOLE-TEST-0001"

TAKAHASHI = "100000000001"
SATO = "100000000002"
SUZUKI = "100000000003"
SUZUKI_CHILD = "100000000004"
WATANABE = "100000000005"

CAUTION_NOTE = "DV等支援措置の対象（照会は区へ）"

PERSONS = [
    {
        "resident_no": TAKAHASHI, "household_no": "8000001", "is_householder": "1",
        "relationship": "世帯主", "name": "髙橋 花子", "name_kana": "タカハシ ハナコ",
        "sex": "2", "birth_date": "1980-05-15", "postal_code": "160-0022",
        "address": "東京都新宿区新宿一丁目1-1", "phone_1": "090-1111-2222",
        "phone_2": "03-3333-0001", "caution": "1", "caution_note": CAUTION_NOTE,
    },
    {
        "resident_no": SATO, "household_no": "8000002", "is_householder": "1",
        "relationship": "世帯主", "name": "佐藤 次郎", "name_kana": "サトウ ジロウ",
        "sex": "1", "birth_date": "1990-01-20", "postal_code": "169-0073",
        "address": "東京都新宿区百人町一丁目2-3", "phone_1": "080-4444-5555",
        "public_notice": "1",
    },
    {
        "resident_no": SUZUKI, "household_no": "8000003", "is_householder": "1",
        "relationship": "世帯主", "name": "鈴木 一郎", "name_kana": "スズキ イチロウ",
        "sex": "1", "birth_date": "1975-04-12", "postal_code": "160-0023",
        "address": "東京都新宿区西新宿二丁目8-1", "phone_1": "070-6666-7777",
    },
    {
        "resident_no": SUZUKI_CHILD, "household_no": "8000003", "is_householder": "0",
        "relationship": "子", "name": "鈴木 葵", "name_kana": "スズキ アオイ",
        "sex": "2", "birth_date": "2003-09-30", "postal_code": "160-0023",
        "address": "東京都新宿区西新宿二丁目8-1",
    },
    {
        "resident_no": WATANABE, "household_no": "8000005", "is_householder": "1",
        "relationship": "世帯主", "name": "渡邊 三郎", "name_kana": "ワタナベ サブロウ",
        "sex": "1", "birth_date": "1948-11-03", "postal_code": "162-0801",
        "address": "東京都新宿区山吹町3-3", "deceased_on": "2025-03-01",
    },
]  # fmt: skip

ASSESSMENTS = [
    assessment_row("RT", 2025, "R25-000001", TAKAHASHI, 120000, notice_issued_on="2025-06-10"),
    assessment_row("NH", 2025, "N25-000002", SATO, 90000, notice_issued_on="2025-06-15",
                   insured_count=1),
    assessment_row("RT", 2025, "R25-000003", SUZUKI, 80000, notice_issued_on="2025-06-10"),
    assessment_row("NH", 2025, "N25-000003", SUZUKI, 60000, notice_issued_on="2025-06-15",
                   insured_count=2),
    assessment_row("LV", 2024, "L24-000005", WATANABE, 10800, notice_issued_on="2024-05-01",
                   vehicle_plate="新宿 あ 1234", vehicle_kind="軽四輪乗用"),
]  # fmt: skip
BILLS = [
    bill_row("RT", 2025, "R25-000001", 1, 30000, "2025-06-30", 30000),
    bill_row("RT", 2025, "R25-000001", 2, 30000, "2025-09-01", 0, demand_sent_on="2025-09-19"),
    bill_row("RT", 2025, "R25-000001", 3, 30000, "2025-10-31", 10000),
    bill_row("NH", 2025, "N25-000002", 1, 45000, "2025-07-31", 0, demand_sent_on="2025-08-20"),
    bill_row("NH", 2025, "N25-000002", 2, 45000, "2025-08-31", 0),
    bill_row("RT", 2025, "R25-000003", 1, 40000, "2025-06-30", 0, demand_sent_on="2025-07-18"),
    bill_row("RT", 2025, "R25-000003", 2, 40000, "2025-09-01", 0),
    bill_row("NH", 2025, "N25-000003", 1, 30000, "2025-07-31", 0),
    bill_row("NH", 2025, "N25-000003", 2, 30000, "2025-08-31", 0),
    bill_row("LV", 2024, "L24-000005", 1, 10800, "2024-05-31", 0, demand_sent_on="2024-06-20"),
]
PAYMENTS = [
    payment_row("P000001", "RT", 2025, "R25-000001", 1, 30000, "2025-06-27", "conbini",
                recorded_on="2025-07-02"),
    payment_row("P000002", "RT", 2025, "R25-000001", 3, 10000, "2025-10-20", "bank",
                recorded_on="2025-10-24"),
]  # fmt: skip
PLANS = [
    {"plan_id": "PL0001", "payer_resident_no": SUZUKI, "agreed_on": "2025-10-01",
     "status": "active", "monthly_amount": 10000, "next_due_on": "2025-12-25", "note": "毎月25日"},
]  # fmt: skip
MEASURES = [
    {"measure_id": "M0001", "payer_resident_no": WATANABE, "kind": "collection_deferment",
     "start_on": "2025-03-15", "note": "相続手続中"},
]  # fmt: skip
HISTORY = [
    {"record_id": "W0001", "payer_resident_no": SUZUKI, "at": "2025-07-25 14:10",
     "channel": "phone", "summary": "本人と通話。分納の相談を希望。"},
]  # fmt: skip
ACCOUNTS = [
    {"payer_resident_no": TAKAHASHI, "levy": "RT", "bank_code": "0009", "branch_code": "100",
     "account_type": "普通", "account_no": "1234567", "holder_kana": "ﾀｶﾊｼ ﾊﾅｺ",
     "start_on": "2025-04-01"},
    {"payer_resident_no": SATO, "levy": "NH", "bank_code": "0005", "branch_code": "200",
     "account_type": "普通", "account_no": "7654321", "holder_kana": "ｻﾄｳ ｼﾞﾛｳ",
     "start_on": "2025-04-01"},
]  # fmt: skip
EXTRACTED_AT = datetime(2025, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def build_console_package(path: Path, *, package_id: str = PACKAGE_ID) -> Path:
    """Writes the package (unencrypted ZIP) to `path` and returns it."""
    rows = {
        "persons.csv": PERSONS,
        "assessments.csv": ASSESSMENTS,
        "bills.csv": BILLS,
        "payments.csv": PAYMENTS,
        "plans.csv": PLANS,
        "measures.csv": MEASURES,
        "history.csv": HISTORY,
        "accounts.csv": ACCOUNTS,
    }
    return ward_package(path, rows, package_id=package_id, extracted_at=EXTRACTED_AT)


def build_crowd_package(path: Path, *, count: int = 60) -> Path:
    """`count` payers all read ヤマダ, each with one open RT bill: enough for two pages."""
    persons, assessments, bills = [], [], []
    for i in range(count):
        resident_no = f"3000000{i:05d}"
        notice_no = f"R25-3{i:05d}"
        persons.append(
            {
                "resident_no": resident_no, "household_no": f"93{i:05d}",
                "is_householder": "1", "name": f"山田 {i}号", "name_kana": "ヤマダ タロウ",
                "birth_date": "1970-01-01", "address": "東京都新宿区歌舞伎町一丁目1-1",
            }
        )  # fmt: skip
        assessments.append(assessment_row("RT", 2025, notice_no, resident_no, 1000))
        bills.append(bill_row("RT", 2025, notice_no, 1, 1000, "2025-06-30", 0))
    rows = {"persons.csv": persons, "assessments.csv": assessments, "bills.csv": bills}
    return ward_package(path, rows, package_id="CONSOLE-TEST-CROWD", extracted_at=EXTRACTED_AT)
