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

from saikoku.interchange.writer import build_manifest, csv_bytes, write_package

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 11, 20, 10, 0, tzinfo=TOKYO)
EXTRACTED_AT = dt.datetime(2025, 11, 19, 6, 0, tzinfo=TOKYO)

PERSONS_HEADER = [
    "resident_no", "household_no", "is_householder", "relationship", "name", "name_kana",
    "sex", "birth_date", "nationality", "postal_code", "address", "resident_since",
    "mailing_postal_code", "mailing_address", "phone_1", "phone_2", "phone_3",
    "not_resident", "public_notice", "caution", "caution_note", "deceased_on", "occupation",
]  # fmt: skip
ASSESSMENTS_HEADER = [
    "levy", "fiscal_year", "notice_no", "payer_resident_no", "annual_amount",
    "notice_issued_on", "vehicle_plate", "vehicle_kind", "insured_count",
]  # fmt: skip
BILLS_HEADER = [
    "levy", "fiscal_year", "notice_no", "period", "amount", "due_date", "paid_amount",
    "demand_sent_on", "late_charge_paid",
]  # fmt: skip
PAYMENTS_HEADER = [
    "payment_id", "levy", "fiscal_year", "notice_no", "period", "amount", "paid_on",
    "recorded_on", "method",
]  # fmt: skip
PLANS_HEADER = [
    "plan_id", "payer_resident_no", "agreed_on", "status", "monthly_amount", "next_due_on",
    "note",
]  # fmt: skip
MEASURES_HEADER = ["measure_id", "payer_resident_no", "kind", "start_on", "end_on", "note"]
HISTORY_HEADER = ["record_id", "payer_resident_no", "at", "channel", "summary"]

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


def _files() -> dict[str, tuple[bytes, int]]:
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
            if key not in periods:
                assessments.append(
                    [
                        levy,
                        year,
                        notice_no(name, levy, year),
                        resident_no(name),
                        amount,
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            periods[key] = periods.get(key, 0) + 1
            bills.append(
                [levy, year, notice_no(name, levy, year), periods[key], amount, due, paid, "", ""]
            )
    plans = [
        ["PL-1", resident_no(PLAN), "2025-10-01", "active", 10000, "2025-12-25", ""],
        ["PL-2", resident_no(BROKEN_PLAN), "2025-05-01", "broken", 10000, "", ""],
    ]
    measures = [
        ["M-1", resident_no(DEFERRED), "collection_deferment", "2025-01-01", "", ""],
        ["M-2", resident_no(DEFERMENT_ENDED), "collection_deferment", "2025-01-01",
         "2025-06-30", ""],
    ]  # fmt: skip
    history = [["H-1", resident_no(HISTORY), "2025-07-01 10:00", "phone", "納付の相談"]]
    payments = [
        ["PAY-1", "RT", 2025, notice_no(PAID_UP, "RT", 2025), 1, 30000, "2025-10-30", "", "bank"]
    ]
    return {
        "persons.csv": csv_bytes(PERSONS_HEADER, persons),
        "assessments.csv": csv_bytes(ASSESSMENTS_HEADER, assessments),
        "bills.csv": csv_bytes(BILLS_HEADER, bills),
        "payments.csv": csv_bytes(PAYMENTS_HEADER, payments),
        "plans.csv": csv_bytes(PLANS_HEADER, plans),
        "measures.csv": csv_bytes(MEASURES_HEADER, measures),
        "history.csv": csv_bytes(HISTORY_HEADER, history),
    }


def build_lists_package(path: Path) -> Path:
    files = _files()
    manifest = build_manifest(package_id="LISTS-TEST-0001", files=files, extracted_at=EXTRACTED_AT)
    write_package(path, manifest=manifest, files=files)
    return path


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
            bills.append([levy, year, number, period, amount, due, amount, "", ""])
            payments.append(
                [f"D-{number}-{period}", levy, year, number, period, amount - paid,
                 "2025-11-25", "2025-11-26", "bank"]
            )  # fmt: skip
    files = {
        "bills.csv": csv_bytes(BILLS_HEADER, bills),
        "payments.csv": csv_bytes(PAYMENTS_HEADER, payments),
    }
    manifest = build_manifest(
        package_id="LISTS-TEST-DELTA",
        files=files,
        kind="delta",
        extracted_at=EXTRACTED_AT + dt.timedelta(days=8),
    )
    write_package(path, manifest=manifest, files=files)
    return path
