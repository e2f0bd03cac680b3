"""Importing valid packages: the example, re-import, delta, encryption, warnings."""

from __future__ import annotations

import zipfile

import pytest

from saikoku.arrears.models import Assessment, Bill, Payment
from saikoku.core.models import AuditEntry
from saikoku.interchange.models import ImportedPackage
from saikoku.interchange.services import package_import
from saikoku.people.models import Phone, Resident
from saikoku.privacy.models import CustodyLedgerEntry
from support.packages import EXAMPLE, audit_actions, build, example_rows, table_counts

pytestmark = pytest.mark.django_db


def _zip_example(path):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(EXAMPLE.iterdir()):
            archive.write(file, file.name)
    return path


def test_the_spec_example_imports_cleanly(tmp_path, ward_admin):
    result = package_import(
        path=_zip_example(tmp_path / "example.zip"),
        password=None,
        actor=ward_admin,
        handler="山田 花子",
    )

    assert result.status == "imported"
    assert result.problems == []
    assert result.counts["bills.csv"] == {"rows": 8, "created": 8, "updated": 0}
    suzuki = Resident.objects.get(resident_no="200000000101")
    assert suzuki.name == "鈴木 一郎"
    assert suzuki.name_kana == "スズキ イチロウ"
    assert suzuki.name_key == "鈴木一郎" and suzuki.kana_key == "スズキイチロウ"
    assert suzuki.household.household_no == "7000001" and suzuki.is_householder
    assert {(p.position, p.e164, p.kind) for p in suzuki.phones.all()} == {
        (1, "+819022223333", "mobile"),
        (2, "+81355556666", "landline"),
    }
    bill = Bill.objects.get(assessment__notice_no="R25-100101", period=2)
    assert (bill.payer, bill.levy, bill.fiscal_year, bill.amount, bill.paid_amount) == (
        suzuki,
        "RT",
        2025,
        53000,
        0,
    )
    assert str(bill.demand_sent_on) == "2025-09-19"
    assert Payment.objects.get(payment_id="X000001").bill.period == 1
    package = ImportedPackage.objects.get(package_id="EXAMPLE-0001")
    assert package.handler == "山田 花子" and package.imported_by == ward_admin
    assert package.sha256 == result.sha256
    assert package.files["persons.csv"]["rows"] == 3
    assert package.files["persons.csv"]["created"] == 3
    ledger = CustodyLedgerEntry.objects.get(package_id="EXAMPLE-0001")
    assert ledger.direction == "received" and ledger.total_rows == 19
    assert ledger.content == "区からの受領パッケージ（full）"
    assert ledger.sha256 == result.sha256
    entry = AuditEntry.objects.get(action="import")
    assert entry.object_id == "EXAMPLE-0001" and entry.user == ward_admin
    assert entry.detail["counts"]["persons.csv"]["created"] == 3


def test_reimporting_the_same_package_changes_nothing(tmp_path):
    path = build(tmp_path / "p.zip")
    assert package_import(path=path, password=None).status == "imported"
    before = table_counts()
    bills = list(Bill.objects.order_by("pk").values())

    again = package_import(path=path, password=None)

    assert again.status == "already_imported"
    assert table_counts() == before
    assert list(Bill.objects.order_by("pk").values()) == bills
    assert audit_actions()[-1] == "import"  # the attempt itself is on record


def test_a_second_full_package_updates_rows_in_place(tmp_path):
    package_import(path=build(tmp_path / "a.zip", package_id="A"), password=None)
    phone_ids = set(Phone.objects.values_list("pk", flat=True))
    rows = example_rows()
    rows["persons.csv"][0]["address"] = "東京都新宿区西新宿二丁目8-1"
    rows["persons.csv"][0]["phone_2"] = ""  # the ward no longer has this number

    result = package_import(path=build(tmp_path / "b.zip", rows, package_id="B"), password=None)

    assert result.status == "imported"
    assert result.counts["persons.csv"] == {"rows": 3, "created": 0, "updated": 3}
    assert Resident.objects.count() == 3 and Bill.objects.count() == 8
    suzuki = Resident.objects.get(resident_no="200000000101")
    assert suzuki.address == "東京都新宿区西新宿二丁目8-1"
    assert list(suzuki.phones.values_list("position", flat=True)) == [1]
    assert set(Phone.objects.values_list("pk", flat=True)) <= phone_ids  # kept, not renewed
    assert Payment.objects.count() == 2


def test_delta_updates_a_bill_and_adds_exactly_one_payment(tmp_path):
    package_import(path=build(tmp_path / "full.zip", package_id="FULL"), password=None)
    rows = example_rows()
    bill = dict(rows["bills.csv"][1], paid_amount="53000")  # RT R25-100101 period 2 paid
    repeated = rows["payments.csv"][0]
    new = dict(repeated, payment_id="X000003", period="2", paid_on="2025-09-25", recorded_on="")
    delta = {"bills.csv": [bill], "payments.csv": [repeated, new]}

    result = package_import(
        path=build(tmp_path / "delta.zip", delta, package_id="DELTA", kind="delta"),
        password=None,
    )

    assert result.status == "imported", result.problems
    assert result.counts["bills.csv"] == {"rows": 1, "created": 0, "updated": 1}
    assert result.counts["payments.csv"]["created"] == 1
    assert result.counts["payments.csv"]["unchanged"] == 1
    assert Payment.objects.count() == 3
    updated = Bill.objects.get(assessment__notice_no="R25-100101", period=2)
    # The bill row is authoritative; the payment is history and is not added on top.
    assert updated.paid_amount == 53000
    assert Bill.objects.get(assessment__notice_no="R25-100101", period=1).paid_amount == 53000
    assert Resident.objects.count() == 3 and Assessment.objects.count() == 4


def test_delta_may_refer_to_rows_already_in_the_database(tmp_path):
    package_import(path=build(tmp_path / "full.zip", package_id="FULL"), password=None)
    plan = {
        "plan_id": "P1",
        "payer_resident_no": "200000000201",
        "agreed_on": "R7.8.1",
        "status": "active",
        "monthly_amount": "１０,０００",
        "next_due_on": "",
        "note": "月末払い",
    }

    result = package_import(
        path=build(tmp_path / "d.zip", {"plans.csv": [plan]}, package_id="D", kind="delta"),
        password=None,
    )

    assert result.status == "imported", result.problems
    stored = Resident.objects.get(resident_no="200000000201").plans.get()
    assert (str(stored.agreed_on), stored.monthly_amount) == ("2025-08-01", 10000)


def test_encrypted_package_imports_with_the_right_password(tmp_path):
    path = build(tmp_path / "p.zip", password="s3cret-pass")

    result = package_import(path=path, password="s3cret-pass")

    assert result.status == "imported"
    assert Resident.objects.count() == 3


def test_invalid_phone_is_a_warning_and_kept_flagged(tmp_path):
    rows = example_rows()
    rows["persons.csv"][2]["phone_1"] = "12-34"

    result = package_import(path=build(tmp_path / "p.zip", rows), password=None)

    assert result.status == "imported"
    [warning] = result.warnings
    assert (warning.file, warning.line, warning.column, warning.code) == (
        "persons.csv",
        4,
        "phone_1",
        "invalid_phone",
    )
    phone = Phone.objects.get(resident__resident_no="200000000201", position=1)
    assert (phone.raw, phone.is_valid, phone.kind) == ("12-34", False, "invalid")


def test_unknown_columns_are_kept_with_one_warning(tmp_path):
    rows = example_rows()
    header = [*list(rows["persons.csv"][0]), "ward_memo"]
    for row in rows["persons.csv"]:
        row["ward_memo"] = ""
    rows["persons.csv"][1]["ward_memo"] = "要確認"

    result = package_import(
        path=build(tmp_path / "p.zip", rows, header_of={"persons.csv": header}),
        password=None,
    )

    assert result.status == "imported"
    assert [(w.file, w.line, w.column, w.code) for w in result.warnings] == [
        ("persons.csv", 1, "ward_memo", "unknown_column")
    ]
    assert Resident.objects.get(resident_no="200000000102").extra == {"ward_memo": "要確認"}
    assert Resident.objects.get(resident_no="200000000101").extra == {}


def test_flexible_formats_are_read(tmp_path):
    rows = example_rows()
    person = rows["persons.csv"][0]
    person.update(
        birth_date="S50.4.12",
        name_kana="すずき いちろう",
        phone_1="０９０（２２２２）３３３３",
        postal_code="1600022",
    )
    rows["assessments.csv"][0]["annual_amount"] = "212,000"

    result = package_import(path=build(tmp_path / "p.zip", rows, line_end="\n"), password=None)

    assert result.status == "imported", result.problems
    suzuki = Resident.objects.get(resident_no="200000000101")
    assert str(suzuki.birth_date) == "1975-04-12"
    assert suzuki.name_kana == "スズキ イチロウ"
    assert suzuki.postal_code == "160-0022"
    assert suzuki.phones.get(position=1).e164 == "+819022223333"
    assert Assessment.objects.get(notice_no="R25-100101").annual_amount == 212000
