"""The synthetic ward package: shaped like the ward's export, reproducible, importable."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import jpholiday
import pytest
import pyzipper
import time_machine

from saikoku.core.phones import parse_phone
from saikoku.demo.generator import generate_package
from saikoku.interchange.services import package_import

TODAY = date(2026, 11, 27)
SCALE = 0.05


def read_package(path, *, password: str | None = None) -> tuple[dict, dict[str, list[dict]]]:
    with pyzipper.AESZipFile(path) as archive:
        if password:
            archive.setpassword(password.encode())
        manifest = json.loads(archive.read("manifest.json"))
        encoding = manifest["encoding"]
        tables = {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode(encoding))))
            for name in manifest["files"]
        }
    return manifest, tables


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "ward.zip"
    summary = generate_package(path, scale=SCALE, seed=7, today=TODAY)
    manifest, tables = read_package(path)
    return summary, manifest, tables


def bill_key(row: dict) -> tuple:
    return (row["levy"], row["fiscal_year"], row["notice_no"], row["period"])


def test_same_seed_gives_the_same_package_and_another_seed_another(tmp_path):
    # The ZIP entries carry the time of writing; with the clock held still, the only
    # inputs left are the arguments.
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False):
        first = generate_package(tmp_path / "a.zip", scale=0.01, seed=3, today=TODAY)
        again = generate_package(tmp_path / "b.zip", scale=0.01, seed=3, today=TODAY)
        other = generate_package(tmp_path / "c.zip", scale=0.01, seed=4, today=TODAY)
    assert first.sha256 == again.sha256
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert other.sha256 != first.sha256
    files_a = read_package(tmp_path / "a.zip")[0]["files"]
    files_c = read_package(tmp_path / "c.zip")[0]["files"]
    assert files_a["persons.csv"]["sha256"] != files_c["persons.csv"]["sha256"]


def test_manifest_lists_every_file_with_its_rows_and_hash(package, tmp_path):
    summary, manifest, tables = package
    assert manifest["format"] == "ward-package"
    assert manifest["direction"] == "ward-to-center"
    assert manifest["kind"] == "full"
    assert manifest["encoding"] == "utf-8"
    assert manifest["extracted_at"] == "2026-11-27T06:00:00+09:00"
    assert manifest["package_id"] == summary.package_id
    with zipfile.ZipFile(summary.path) as archive:
        assert sorted(archive.namelist()) == sorted([*manifest["files"], "manifest.json"])
        for name, entry in manifest["files"].items():
            data = archive.read(name)
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert entry["rows"] == len(tables[name]) == summary.rows[name]
    assert hashlib.sha256(summary.path.read_bytes()).hexdigest() == summary.sha256
    assert set(manifest["files"]) == {
        "persons.csv", "assessments.csv", "bills.csv", "payments.csv",
        "plans.csv", "measures.csv", "history.csv", "accounts.csv",
    }  # fmt: skip


def test_payers_per_levy_follow_the_ward_scale(package):
    _summary, _manifest, tables = package
    payers = defaultdict(set)
    for row in tables["assessments.csv"]:
        payers[row["levy"]].add(row["payer_resident_no"])
    assert len(payers["RT"]) == round(15_000 * SCALE)
    assert len(payers["LV"]) == round(1_500 * SCALE)
    assert len(payers["NH"]) == round(29_000 * SCALE)
    distinct = set().union(*payers.values())
    assert 0.93 * 45_500 * SCALE <= len(distinct) <= 45_500 * SCALE
    # Many light-vehicle owners owe resident tax as well.
    assert len(payers["LV"] & payers["RT"]) >= 0.3 * len(payers["LV"])
    persons = tables["persons.csv"]
    assert 70_000 * SCALE <= len(persons) <= 90_000 * SCALE
    householders = {p["resident_no"] for p in persons if p["is_householder"] == "1"}
    assert payers["NH"] <= householders  # NHI is owed by the head of the household


def test_register_holds_flags_foreigners_and_variant_kanji(package):
    persons = package[2]["persons.csv"]
    assert any(p["caution"] == "1" and p["caution_note"] for p in persons)
    assert all(p["caution_note"] == "" for p in persons if p["caution"] != "1")
    assert any(p["public_notice"] == "1" for p in persons)
    assert any(p["not_resident"] == "1" for p in persons)
    assert any(p["deceased_on"] for p in persons)
    nationalities = Counter(p["nationality"] for p in persons)
    assert nationalities["日本"] > 0.8 * len(persons)
    assert len(nationalities) >= 5
    names = "".join(p["name"] for p in persons)
    assert any(variant in names for variant in "髙﨑邊邉齋齊濵德")
    assert len({p["name"] for p in persons}) > 0.7 * len(persons)
    for person in persons:
        assert re.fullmatch(r"\d{12}", person["resident_no"])
        assert re.fullmatch(r"\d{7}", person["household_no"])
        assert re.fullmatch(r"(160|161|162|169)-?\d{4}", person["postal_code"])
        assert "新宿区" in person["address"]
        assert person["name_kana"]
        born = date.fromisoformat(person["birth_date"])
        assert born < TODAY
        if person["is_householder"] == "1":
            assert (TODAY - born).days >= 20 * 365


def test_phones_come_in_every_common_form_and_some_are_invalid(package):
    persons = package[2]["persons.csv"]
    phones = [p[f"phone_{i}"] for p in persons for i in (1, 2, 3) if p[f"phone_{i}"]]
    forms = {
        "hyphens": r"0\d{1,3}-\d{4}-\d{4}",
        "digits": r"0\d{9,10}",
        "parentheses": r".*\(.*\).*",
        "full-width": r".*[０-９].*",
        "+81": r"\+81.*",
    }
    for form, pattern in forms.items():
        assert any(re.fullmatch(pattern, phone) for phone in phones), form
    parsed = [parse_phone(phone) for phone in phones]
    invalid = [info for info in parsed if not info.is_valid]
    assert 0.005 * len(phones) < len(invalid) < 0.06 * len(phones)
    kinds = Counter(info.kind for info in parsed if info.is_valid)
    assert kinds["mobile"] > kinds["landline"] > 0
    with_phone = sum(1 for p in persons if p["phone_1"])
    assert 0.3 * len(persons) < with_phone < len(persons)  # some have none


def test_due_dates_never_fall_on_a_closed_day(package):
    bills = package[2]["bills.csv"]
    for bill in bills:
        due = date.fromisoformat(bill["due_date"])
        assert due.weekday() < 5, bill
        assert not jpholiday.is_holiday(due), bill
        assert not ((due.month, due.day) >= (12, 29) or (due.month, due.day) <= (1, 3)), bill
    periods = defaultdict(set)
    for bill in bills:
        periods[bill["levy"]].add(int(bill["period"]))
    assert periods["RT"] == {1, 2, 3, 4}
    assert periods["LV"] == {1}
    assert periods["NH"] == set(range(1, 11))


def test_notices_split_into_periods_like_real_notices(package):
    tables = package[2]
    bills_by_notice = defaultdict(list)
    for bill in tables["bills.csv"]:
        bills_by_notice[(bill["levy"], bill["fiscal_year"], bill["notice_no"])].append(bill)
    short_notices = 0
    for notice in tables["assessments.csv"]:
        levy, fy = notice["levy"], int(notice["fiscal_year"])
        assert re.fullmatch(rf"{levy[0]}{fy % 100:02d}-\d{{6}}", notice["notice_no"])
        assert fy >= fiscal_year(TODAY) - 4
        assert date.fromisoformat(notice["notice_issued_on"]) < TODAY
        bills = bills_by_notice[(levy, notice["fiscal_year"], notice["notice_no"])]
        amounts = [int(b["amount"]) for b in sorted(bills, key=lambda b: int(b["period"]))]
        assert sum(amounts) == int(notice["annual_amount"])
        if levy == "LV":
            assert amounts[0] in {3900, 6900, 10800, 12900}
            assert notice["vehicle_plate"] and notice["vehicle_kind"]
        else:
            unit = 1000 if levy == "RT" else 100
            assert all(a % unit == 0 for a in amounts[1:])
            assert amounts[0] >= amounts[-1]  # the remainder goes to the first period
        if levy == "NH":
            assert int(notice["insured_count"]) >= 1
        if levy != "LV" and len(bills) < {"RT": 4, "NH": 10}[levy]:
            short_notices += 1
    assert short_notices > 0  # mid-year notices with fewer periods


def test_payments_add_up_to_each_bills_paid_amount(package):
    tables = package[2]
    paid = defaultdict(int)
    for payment in tables["payments.csv"]:
        paid[bill_key(payment)] += int(payment["amount"])
        assert date.fromisoformat(payment["paid_on"]) < TODAY
        if payment["recorded_on"]:
            assert payment["paid_on"] <= payment["recorded_on"] < TODAY.isoformat()
    bills = {bill_key(b): b for b in tables["bills.csv"]}
    assert set(paid) <= set(bills)
    for key, bill in bills.items():
        assert paid.get(key, 0) == int(bill["paid_amount"]) <= int(bill["amount"])
    methods = Counter(p["method"] for p in tables["payments.csv"])
    assert {"conbini", "bank", "counter", "debit"} <= set(methods)
    partial = [b for b in bills.values() if 0 < int(b["paid_amount"]) < int(b["amount"])]
    assert partial


def test_arrears_range_from_just_overdue_to_years_old(package):
    tables = package[2]
    newest_overdue: dict[str, int] = {}
    oldest_overdue: dict[str, int] = {}
    payer_of = {
        (a["levy"], a["fiscal_year"], a["notice_no"]): a["payer_resident_no"]
        for a in tables["assessments.csv"]
    }
    for bill in tables["bills.csv"]:
        due = date.fromisoformat(bill["due_date"])
        unpaid = int(bill["paid_amount"]) < int(bill["amount"])
        if bill["demand_sent_on"]:
            # 督促状: within 20 days of the due date (地方税法第329条).
            assert 14 <= (date.fromisoformat(bill["demand_sent_on"]) - due).days <= 20
        elif unpaid and due < TODAY - timedelta(days=25):
            pytest.fail(f"an unpaid bill past due has no demand notice: {bill}")
        if due >= TODAY:
            assert bill["demand_sent_on"] == ""
        if unpaid and due < TODAY:
            payer = payer_of[(bill["levy"], bill["fiscal_year"], bill["notice_no"])]
            days = (TODAY - due).days
            newest_overdue[payer] = min(days, newest_overdue.get(payer, days))
            oldest_overdue[payer] = max(days, oldest_overdue.get(payer, days))
    payers = {a["payer_resident_no"] for a in tables["assessments.csv"]}
    assert len(newest_overdue) >= 0.9 * len(payers)  # the ward sends delinquents
    early = sum(1 for days in newest_overdue.values() if days <= 31)
    assert early >= 0.3 * len(newest_overdue)
    assert sum(1 for days in oldest_overdue.values() if days > 365) >= 0.05 * len(payers)
    assert any(days > 365 for days in newest_overdue.values())  # only older years owed


def test_case_records_cover_a_few_percent_of_payers(package):
    tables = package[2]
    payers = {a["payer_resident_no"] for a in tables["assessments.csv"]}
    for name, low, high in (
        ("plans.csv", 0.01, 0.06),
        ("measures.csv", 0.005, 0.05),
        ("accounts.csv", 0.05, 0.2),
    ):
        share = len({r["payer_resident_no"] for r in tables[name]}) / len(payers)
        assert low <= share <= high, name
    with_history = {r["payer_resident_no"] for r in tables["history.csv"]}
    assert 0.05 <= len(with_history) / len(payers) <= 0.15
    assert {r["status"] for r in tables["plans.csv"]} >= {"active", "completed", "broken"}
    for account in tables["accounts.csv"]:
        assert re.fullmatch(r"\d{4}", account["bank_code"])
        assert re.fullmatch(r"\d{3}", account["branch_code"])
        assert re.fullmatch(r"\d{7}", account["account_no"])
        assert re.fullmatch(r"[ｦ-ﾟ ]+", account["holder_kana"])  # half-width kana
    assert all(r["summary"] for r in tables["history.csv"])


def test_extraction_early_in_the_fiscal_year_sends_last_years_notices(tmp_path):
    today = date(2026, 4, 20)
    summary = generate_package(tmp_path / "april.zip", scale=0.01, seed=2, today=today)
    tables = read_package(summary.path)[1]
    years = {int(a["fiscal_year"]) for a in tables["assessments.csv"]}
    assert max(years) == 2025
    assert min(years) >= 2021
    assert all(date.fromisoformat(a["notice_issued_on"]) < today for a in tables["assessments.csv"])


def test_cp932_package_carries_only_what_cp932_can(tmp_path):
    summary = generate_package(tmp_path / "sjis.zip", scale=0.03, seed=7, encoding="cp932")
    manifest, tables = read_package(summary.path)  # decodes every file as CP932
    assert manifest["encoding"] == "cp932"
    names = "".join(p["name"] for p in tables["persons.csv"])
    assert "𠮷" not in names
    assert not re.search("[\U000e0100-\U000e01ef]", names)
    assert any(variant in names for variant in "髙﨑邊邉齋齊濵德")


def test_password_encrypts_the_package(tmp_path):
    summary = generate_package(tmp_path / "locked.zip", scale=0.005, password="s3cret-pass")
    with pyzipper.AESZipFile(summary.path) as archive, pytest.raises(RuntimeError):
        archive.read("manifest.json")  # no password, no contents
    manifest, tables = read_package(summary.path, password="s3cret-pass")
    assert manifest["files"]["persons.csv"]["rows"] == len(tables["persons.csv"])


@pytest.mark.django_db
def test_package_imports_with_only_phone_warnings(tmp_path):
    summary = generate_package(tmp_path / "in.zip", scale=0.02, seed=11, today=TODAY)
    result = package_import(path=summary.path, password=None, actor=None, handler="demo")
    assert result.status == "imported", result.errors[:5]
    assert {p.code for p in result.problems} <= {"invalid_phone"}
    assert result.counts["persons.csv"]["created"] == summary.rows["persons.csv"]
    assert result.counts["bills.csv"]["created"] == summary.rows["bills.csv"]


@pytest.mark.django_db
def test_cp932_package_imports_too(tmp_path):
    summary = generate_package(tmp_path / "sjis.zip", scale=0.01, seed=5, encoding="cp932")
    result = package_import(path=summary.path, password=None, actor=None, handler="demo")
    assert result.status == "imported", result.errors[:5]


def fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1
