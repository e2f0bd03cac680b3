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

from saikoku.interchange.writer import build_manifest, csv_bytes, write_package

PACKAGE_ID = "CONSOLE-TEST-0001"

TAKAHASHI = "100000000001"
SATO = "100000000002"
SUZUKI = "100000000003"
SUZUKI_CHILD = "100000000004"
WATANABE = "100000000005"

CAUTION_NOTE = "DV等支援措置の対象（照会は区へ）"

PERSONS_HEADER = [
    "resident_no", "household_no", "is_householder", "relationship", "name", "name_kana",
    "sex", "birth_date", "nationality", "postal_code", "address", "resident_since",
    "mailing_postal_code", "mailing_address", "phone_1", "phone_2", "phone_3",
    "not_resident", "public_notice", "caution", "caution_note", "deceased_on", "occupation",
]  # fmt: skip
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

ASSESSMENTS_HEADER = [
    "levy", "fiscal_year", "notice_no", "payer_resident_no", "annual_amount",
    "notice_issued_on", "vehicle_plate", "vehicle_kind", "insured_count",
]  # fmt: skip
ASSESSMENTS = [
    ["RT", 2025, "R25-000001", TAKAHASHI, 120000, "2025-06-10", "", "", ""],
    ["NH", 2025, "N25-000002", SATO, 90000, "2025-06-15", "", "", "1"],
    ["RT", 2025, "R25-000003", SUZUKI, 80000, "2025-06-10", "", "", ""],
    ["NH", 2025, "N25-000003", SUZUKI, 60000, "2025-06-15", "", "", "2"],
    ["LV", 2024, "L24-000005", WATANABE, 10800, "2024-05-01", "新宿 あ 1234", "軽四輪乗用", ""],
]

BILLS_HEADER = [
    "levy", "fiscal_year", "notice_no", "period", "amount", "due_date", "paid_amount",
    "demand_sent_on", "late_charge_paid",
]  # fmt: skip
BILLS = [
    ["RT", 2025, "R25-000001", 1, 30000, "2025-06-30", 30000, "", ""],
    ["RT", 2025, "R25-000001", 2, 30000, "2025-09-01", 0, "2025-09-19", ""],
    ["RT", 2025, "R25-000001", 3, 30000, "2025-10-31", 10000, "", ""],
    ["NH", 2025, "N25-000002", 1, 45000, "2025-07-31", 0, "2025-08-20", ""],
    ["NH", 2025, "N25-000002", 2, 45000, "2025-08-31", 0, "", ""],
    ["RT", 2025, "R25-000003", 1, 40000, "2025-06-30", 0, "2025-07-18", ""],
    ["RT", 2025, "R25-000003", 2, 40000, "2025-09-01", 0, "", ""],
    ["NH", 2025, "N25-000003", 1, 30000, "2025-07-31", 0, "", ""],
    ["NH", 2025, "N25-000003", 2, 30000, "2025-08-31", 0, "", ""],
    ["LV", 2024, "L24-000005", 1, 10800, "2024-05-31", 0, "2024-06-20", ""],
]

PAYMENTS_HEADER = [
    "payment_id", "levy", "fiscal_year", "notice_no", "period", "amount", "paid_on",
    "recorded_on", "method",
]  # fmt: skip
PAYMENTS = [
    ["P000001", "RT", 2025, "R25-000001", 1, 30000, "2025-06-27", "2025-07-02", "conbini"],
    ["P000002", "RT", 2025, "R25-000001", 3, 10000, "2025-10-20", "2025-10-24", "bank"],
]

PLANS_HEADER = [
    "plan_id", "payer_resident_no", "agreed_on", "status", "monthly_amount", "next_due_on",
    "note",
]  # fmt: skip
PLANS = [["PL0001", SUZUKI, "2025-10-01", "active", 10000, "2025-12-25", "毎月25日"]]

MEASURES_HEADER = ["measure_id", "payer_resident_no", "kind", "start_on", "end_on", "note"]
MEASURES = [["M0001", WATANABE, "collection_deferment", "2025-03-15", "", "相続手続中"]]

HISTORY_HEADER = ["record_id", "payer_resident_no", "at", "channel", "summary"]
HISTORY = [["W0001", SUZUKI, "2025-07-25 14:10", "phone", "本人と通話。分納の相談を希望。"]]

ACCOUNTS_HEADER = [
    "payer_resident_no", "levy", "bank_code", "branch_code", "account_type", "account_no",
    "holder_kana", "start_on", "end_on",
]  # fmt: skip
ACCOUNTS = [
    [TAKAHASHI, "RT", "0009", "100", "普通", "1234567", "ﾀｶﾊｼ ﾊﾅｺ", "2025-04-01", ""],
    [SATO, "NH", "0005", "200", "普通", "7654321", "ｻﾄｳ ｼﾞﾛｳ", "2025-04-01", ""],
]


def build_console_package(path: Path, *, package_id: str = PACKAGE_ID) -> Path:
    """Writes the package (unencrypted ZIP) to `path` and returns it."""
    files = {
        "persons.csv": csv_bytes(PERSONS_HEADER, PERSONS),
        "assessments.csv": csv_bytes(ASSESSMENTS_HEADER, ASSESSMENTS),
        "bills.csv": csv_bytes(BILLS_HEADER, BILLS),
        "payments.csv": csv_bytes(PAYMENTS_HEADER, PAYMENTS),
        "plans.csv": csv_bytes(PLANS_HEADER, PLANS),
        "measures.csv": csv_bytes(MEASURES_HEADER, MEASURES),
        "history.csv": csv_bytes(HISTORY_HEADER, HISTORY),
        "accounts.csv": csv_bytes(ACCOUNTS_HEADER, ACCOUNTS),
    }
    manifest = build_manifest(
        package_id=package_id,
        files=files,
        extracted_at=datetime(2025, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
    )
    write_package(path, manifest=manifest, files=files)
    return path


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
        assessments.append(["RT", 2025, notice_no, resident_no, 1000, "", "", "", ""])
        bills.append(["RT", 2025, notice_no, 1, 1000, "2025-06-30", 0, "", ""])
    files = {
        "persons.csv": csv_bytes(PERSONS_HEADER, persons),
        "assessments.csv": csv_bytes(ASSESSMENTS_HEADER, assessments),
        "bills.csv": csv_bytes(BILLS_HEADER, bills),
    }
    manifest = build_manifest(
        package_id="CONSOLE-TEST-CROWD",
        files=files,
        extracted_at=datetime(2025, 11, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
    )
    write_package(path, manifest=manifest, files=files)
    return path
