"""Test data for the call screen: four callable payers in a small ward package, loaded
through the real import, a call list built and assigned through lists/services.py, and a fixed
moment inside the contact hours (Wednesday 5 November 2025, 10:00 in Tokyo)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from saikoku.interchange.services import package_import
from saikoku.outreach.lists.services import call_list_assign, call_list_build
from saikoku.outreach.records.services import CallOutcome, contact_record_create
from saikoku.people.models import Resident
from support.packages import assessment_row, bill_row, ward_package

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 11, 5, 10, 0, tzinfo=TOKYO)  # a Wednesday

AOKI, ISHII, UEDA, ETO = "200000000001", "200000000002", "200000000003", "200000000004"

PERSONS = [
    {"resident_no": AOKI, "household_no": "9100001", "is_householder": "1", "name": "青木 一郎",
     "name_kana": "アオキ イチロウ", "birth_date": "1970-02-03", "address": "東京都新宿区市谷1-1",
     "phone_1": "03-2000-0001", "phone_2": "090-2000-0001"},
    {"resident_no": ISHII, "household_no": "9100002", "is_householder": "1", "name": "石井 二郎",
     "name_kana": "イシイ ジロウ", "birth_date": "1982-06-07", "address": "東京都新宿区四谷2-2",
     "phone_1": "080-2000-0002"},
    {"resident_no": UEDA, "household_no": "9100003", "is_householder": "1", "name": "上田 三郎",
     "name_kana": "ウエダ サブロウ", "birth_date": "1991-09-10", "address": "東京都新宿区早稲田3-3",
     "phone_1": "070-2000-0003"},
    {"resident_no": ETO, "household_no": "9100004", "is_householder": "1", "name": "江藤 四郎",
     "name_kana": "エトウ シロウ", "birth_date": "1960-12-24", "address": "東京都新宿区落合4-4",
     "phone_1": "03-2000-0004"},
]  # fmt: skip
ASSESSMENTS = [
    assessment_row("RT", 2025, "R25-100001", AOKI, 240000, notice_issued_on="2025-06-10"),
    assessment_row("NH", 2025, "N25-100002", ISHII, 60000, notice_issued_on="2025-06-15",
                   insured_count=1),
    assessment_row("RT", 2025, "R25-100003", UEDA, 40000, notice_issued_on="2025-06-10"),
    assessment_row("NH", 2025, "N25-100003", UEDA, 30000, notice_issued_on="2025-06-15",
                   insured_count=1),
    assessment_row("LV", 2025, "L25-100004", ETO, 10800, notice_issued_on="2025-05-01",
                   vehicle_plate="新宿 い 1", vehicle_kind="軽四輪乗用"),
]  # fmt: skip
BILLS = [
    bill_row("RT", 2025, "R25-100001", 2, 60000, "2025-09-30", 0),
    bill_row("RT", 2025, "R25-100001", 3, 60000, "2025-10-31", 0),
    bill_row("NH", 2025, "N25-100002", 1, 30000, "2025-10-31", 0),
    bill_row("RT", 2025, "R25-100003", 2, 20000, "2025-09-30", 0),
    bill_row("NH", 2025, "N25-100003", 1, 15000, "2025-10-31", 0),
    bill_row("LV", 2025, "L25-100004", 1, 10800, "2025-06-02", 0),
]


def build_calls_package(path: Path) -> Path:
    rows = {"persons.csv": PERSONS, "assessments.csv": ASSESSMENTS, "bills.csv": BILLS}
    return ward_package(
        path,
        rows,
        package_id="CALLS-TEST-0001",
        extracted_at=dt.datetime(2025, 11, 1, 6, 0, tzinfo=TOKYO),
    )


def import_payers(tmp_path: Path) -> dict[str, int]:
    result = package_import(
        path=build_calls_package(tmp_path / "calls.zip"), password=None, handler="test"
    )
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))


def build_list(supervisor, *, operator=None, team=None, now: dt.datetime = NOW):
    call_list = call_list_build(actor=supervisor, name="11月 催告", filters={}, now=now)
    if operator is not None or team is not None:
        call_list_assign(
            actor=supervisor, call_list=call_list, count=100, operator=operator, team=team
        )
    return call_list


def record_contact(
    *,
    actor,
    payer_id: int,
    outcome: str,
    now: dt.datetime = NOW,
    identity_verified: bool = False,
    **said,
):
    """A contact record written as the call screen writes it: the outcome form's fields
    (`said`: party, phone_id, note, promise_on, …) become the service's CallOutcome."""
    return contact_record_create(
        actor=actor,
        payer_id=payer_id,
        said=CallOutcome(outcome=outcome, **said),
        identity_verified=identity_verified,
        now=now,
    )
