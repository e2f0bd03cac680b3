"""A small ward for the audit tests: `count` payers with one open RT bill each, the
first caution-flagged, the second with an RT account (for reveals), loaded through the
real import."""

from __future__ import annotations

from pathlib import Path

from support.console_package import EXTRACTED_AT
from support.packages import assessment_row, bill_row, ward_package

PACKAGE_ID = "AUDIT-TEST-0001"


def resident_no(i: int) -> str:
    return f"5000000{i:05d}"


def build_audit_ward(path: Path, *, count: int = 45, package_id: str = PACKAGE_ID) -> Path:
    persons, assessments, bills = [], [], []
    for i in range(count):
        no = resident_no(i)
        notice_no = f"R25-5{i:05d}"
        person = {
            "resident_no": no, "household_no": f"95{i:05d}", "is_householder": "1",
            "name": f"監査 {i}号", "name_kana": "カンサ タロウ", "birth_date": "1970-01-01",
            "address": "東京都新宿区歌舞伎町一丁目1-1", "phone_1": f"090-5555-{i:04d}",
        }  # fmt: skip
        if i == 0:
            person.update(caution="1", caution_note="窓口で威圧的な言動あり")
        persons.append(person)
        assessments.append(assessment_row("RT", 2025, notice_no, no, 1000))
        bills.append(bill_row("RT", 2025, notice_no, 1, 1000, "2025-06-30", 0))
    accounts = [
        {"payer_resident_no": resident_no(1), "levy": "RT", "bank_code": "0009",
         "branch_code": "100", "account_type": "普通", "account_no": "2345678",
         "holder_kana": "ｶﾝｻ ﾀﾛｳ", "start_on": "2025-04-01"},
    ]  # fmt: skip
    rows = {
        "persons.csv": persons,
        "assessments.csv": assessments,
        "bills.csv": bills,
        "accounts.csv": accounts,
    }
    return ward_package(path, rows, package_id=package_id, extracted_at=EXTRACTED_AT)
