"""Ward packages for the call list tests, written with the project's package writer and
loaded through the real import. One payer per eligibility rule that the ward's data
carries; the center's own records (preferences, contact records, promises, number
statuses) are made by the tests, as the center makes them.

"Today" in these tests is 2025-11-20 (NOW); the common bill fell due 2025-10-31.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from support.packages import assessment_row, bill_row, payment_row, ward_package

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 11, 20, 10, 0, tzinfo=TOKYO)
EXTRACTED_AT = dt.datetime(2025, 11, 19, 6, 0, tzinfo=TOKYO)

# name -> (person fields, bills: [(levy, fiscal_year, amount, due_date, paid)])
PLAIN = "plain"  # callable, owes one recent RT bill
CAUTION = "caution"
PUBLIC_NOTICE = "public_notice"
NOT_RESIDENT = "not_resident"
DECEASED = "deceased"
PLAN = "plan"
BROKEN_PLAN = "broken_plan"
DEFERRED = "deferred"
DEFERMENT_ENDED = "deferment_ended"
PAID_UP = "paid_up"
NO_PHONE = "no_phone"
LANDLINE = "landline"  # callable by phone, not by SMS
OLD_DEBT = "old_debt"  # a 2023 bill: not a first-time delinquent, time bar nearer
BIG_NH = "big_nh"  # a large NH debt, two levies
HISTORY = "history"  # the ward talked to them before: not first-time

RECENT = "2025-10-31"
PAYERS: dict[str, tuple[dict[str, str], list[tuple[str, int, int, str, int]]]] = {
    PLAIN: ({}, [("RT", 2025, 30000, RECENT, 0)]),
    CAUTION: ({"caution": "1", "caution_note": "照会は区へ"}, [("RT", 2025, 30000, RECENT, 0)]),
    PUBLIC_NOTICE: ({"public_notice": "1"}, [("RT", 2025, 30000, RECENT, 0)]),
    NOT_RESIDENT: ({"not_resident": "1"}, [("RT", 2025, 30000, RECENT, 0)]),
    DECEASED: ({"deceased_on": "2025-09-01"}, [("RT", 2025, 30000, RECENT, 0)]),
    PLAN: ({}, [("RT", 2025, 30000, RECENT, 0)]),
    BROKEN_PLAN: ({}, [("RT", 2025, 30000, RECENT, 0)]),
    DEFERRED: ({}, [("RT", 2025, 30000, RECENT, 0)]),
    DEFERMENT_ENDED: ({}, [("RT", 2025, 30000, RECENT, 0)]),
    PAID_UP: ({}, [("RT", 2025, 30000, RECENT, 30000)]),
    NO_PHONE: ({"phone_1": ""}, [("RT", 2025, 30000, RECENT, 0)]),
    LANDLINE: ({"phone_1": "03-3333-4444"}, [("RT", 2025, 30000, RECENT, 0)]),
    OLD_DEBT: ({}, [("RT", 2023, 8000, "2023-06-30", 0)]),
    BIG_NH: ({}, [("NH", 2025, 400000, RECENT, 0), ("RT", 2025, 30000, RECENT, 0)]),
    HISTORY: ({}, [("RT", 2025, 30000, RECENT, 0)]),
}


def resident_no(name: str) -> str:
    return f"2000000{list(PAYERS).index(name):05d}"


def notice_no(name: str, levy: str, fiscal_year: int) -> str:
    return f"{levy}{fiscal_year % 100}-{resident_no(name)[-6:]}"


def _files() -> dict[str, list[dict[str, object]]]:
    persons, assessments, bills = [], [], []
    for index, (name, (fields, payer_bills)) in enumerate(PAYERS.items()):
        person = {
            "resident_no": resident_no(name), "household_no": f"70{index:05d}",
            "is_householder": "1", "name": f"試験 {name}", "name_kana": "シケン",
            "birth_date": "1980-01-01", "address": "東京都新宿区西新宿二丁目8-1",
            "phone_1": f"090-1000-{index:04d}",
        }  # fmt: skip
        person.update(fields)
        persons.append(person)
        periods: dict[tuple[str, int], int] = {}
        for levy, year, amount, due, paid in payer_bills:
            key = (levy, year)
            number = notice_no(name, levy, year)
            if key not in periods:
                assessments.append(assessment_row(levy, year, number, resident_no(name), amount))
            periods[key] = periods.get(key, 0) + 1
            bills.append(bill_row(levy, year, number, periods[key], amount, due, paid))
    plans = [
        {"plan_id": "PL-1", "payer_resident_no": resident_no(PLAN), "agreed_on": "2025-10-01",
         "status": "active", "monthly_amount": 10000, "next_due_on": "2025-12-25"},
        {"plan_id": "PL-2", "payer_resident_no": resident_no(BROKEN_PLAN),
         "agreed_on": "2025-05-01", "status": "broken", "monthly_amount": 10000},
    ]  # fmt: skip
    measures = [
        {"measure_id": "M-1", "payer_resident_no": resident_no(DEFERRED),
         "kind": "collection_deferment", "start_on": "2025-01-01"},
        {"measure_id": "M-2", "payer_resident_no": resident_no(DEFERMENT_ENDED),
         "kind": "collection_deferment", "start_on": "2025-01-01", "end_on": "2025-06-30"},
    ]  # fmt: skip
    history = [
        {"record_id": "H-1", "payer_resident_no": resident_no(HISTORY),
         "at": "2025-07-01 10:00", "channel": "phone", "summary": "納付の相談"},
    ]  # fmt: skip
    paid_up = notice_no(PAID_UP, "RT", 2025)
    payments = [payment_row("PAY-1", "RT", 2025, paid_up, 1, 30000, "2025-10-30", "bank")]
    return {
        "persons.csv": persons,
        "assessments.csv": assessments,
        "bills.csv": bills,
        "payments.csv": payments,
        "plans.csv": plans,
        "measures.csv": measures,
        "history.csv": history,
    }


def build_lists_package(path: Path) -> Path:
    return ward_package(path, _files(), package_id="LISTS-TEST-0001", extracted_at=EXTRACTED_AT)


def build_pay_everything_delta(path: Path) -> Path:
    """A delta package in which every open bill is paid in full."""
    bills, payments = [], []
    for name, (_fields, payer_bills) in PAYERS.items():
        periods: dict[tuple[str, int], int] = {}
        for levy, year, amount, due, paid in payer_bills:
            periods[(levy, year)] = periods.get((levy, year), 0) + 1
            period = periods[(levy, year)]
            if paid >= amount:
                continue
            number = notice_no(name, levy, year)
            bills.append(bill_row(levy, year, number, period, amount, due, amount))
            payments.append(
                payment_row(f"D-{number}-{period}", levy, year, number, period, amount - paid,
                            "2025-11-25", "bank", recorded_on="2025-11-26")
            )  # fmt: skip
    return ward_package(
        path,
        {"bills.csv": bills, "payments.csv": payments},
        package_id="LISTS-TEST-DELTA",
        kind="delta",
        extracted_at=EXTRACTED_AT + dt.timedelta(days=8),
    )
