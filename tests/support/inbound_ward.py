"""A small ward for the inbound tests (their fixtures: tests/inbound/conftest.py): one
payer with a mobile of their own, two payers of different departments sharing a
landline (a shared home phone); building it also sets the webhook's secret."""

from __future__ import annotations

from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.cti import SECRET
from support.packages import assessment_row, bill_row, ward_package

OWN = "300000000001"  # 佐野 健一, RT, mobile 090-1234-5678
SHARED_TAX = "300000000002"  # 大森 和子, RT, landline 03-3333-4444
SHARED_NHI = "300000000003"  # 大森 太郎, NH, the same landline


def _person(no: str, name: str, kana: str, birth: str, phone: str, *, head: str = "1") -> dict:
    return {
        "resident_no": no, "household_no": "9" + no[-6:] if head == "1" else "9000002",
        "is_householder": head, "relationship": "世帯主" if head == "1" else "夫",
        "name": name, "name_kana": kana, "birth_date": birth,
        "address": "東京都新宿区西新宿二丁目8-1", "phone_1": phone,
    }  # fmt: skip


def build_inbound_ward(tmp_path, settings) -> dict[str, int]:
    settings.SAIKOKU_CTI_SECRET = SECRET
    persons = [
        _person(OWN, "佐野 健一", "サノ ケンイチ", "1970-05-05", "090-1234-5678"),
        {**_person(SHARED_TAX, "大森 和子", "オオモリ カズコ", "1965-03-03", "03-3333-4444"),
         "household_no": "9000002"},
        _person(SHARED_NHI, "大森 太郎", "オオモリ タロウ", "1963-01-01", "03-3333-4444", head="0"),
    ]  # fmt: skip
    path = ward_package(
        tmp_path / "inbound.zip",
        {
            "persons.csv": persons,
            "assessments.csv": [
                assessment_row("RT", 2025, "R25-300001", OWN, 60000),
                assessment_row("RT", 2025, "R25-300002", SHARED_TAX, 30000),
                assessment_row("NH", 2025, "N25-300003", SHARED_NHI, 40000, insured_count=1),
            ],
            "bills.csv": [
                bill_row("RT", 2025, "R25-300001", 1, 60000, "2025-06-30", 0),
                bill_row("RT", 2025, "R25-300002", 1, 30000, "2025-06-30", 0),
                bill_row("NH", 2025, "N25-300003", 1, 40000, "2025-07-31", 0),
            ],
        },
        package_id="INBOUND-TEST",
    )
    result = package_import(path=path, password=None, handler="test")
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))
