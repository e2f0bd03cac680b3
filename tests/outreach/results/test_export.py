"""Results back to the ward: the encrypted center-to-ward package, its CSV content, the
custody ledger, the password shown once and kept nowhere, the command and the download."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
import os
import time
import zipfile
from zoneinfo import ZoneInfo

import pytest
import pyzipper
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.test import Client

from saikoku.core.models import AuditEntry
from saikoku.outreach.results.services import results_export
from saikoku.people.models import Phone
from saikoku.privacy import keys
from saikoku.privacy.models import CustodyLedgerEntry
from support.calls import record_contact
from support.personas import verified_client
from support.results_package import (
    NAKAMURA,
    NAKAMURA_MOBILE,
    YAMAMOTO,
    YAMAMOTO_LANDLINE,
    YAMAMOTO_MOBILE,
)

TOKYO = ZoneInfo("Asia/Tokyo")
FORMULA_NOTE = '=HYPERLINK("http://example.invalid/","詳細")'
CENTER_PHONE = "+818099998888"


@pytest.fixture
def contacts(payers, operator):
    """Three calls as the call screen records them, and a number the center collected."""
    phones = dict(Phone.objects.values_list("e164", "pk"))
    first = record_contact(
        actor=operator,
        payer_id=payers[YAMAMOTO],
        outcome="promise_to_pay",
        now=datetime.datetime(2025, 11, 10, 10, 0, tzinfo=TOKYO),
        identity_verified=True,
        party="self",
        phone_id=phones[YAMAMOTO_MOBILE],
        promise_on=datetime.date(2025, 11, 20),
        promise_amount=30000,
        note=FORMULA_NOTE,
    )
    second = record_contact(
        actor=operator,
        payer_id=payers[NAKAMURA],
        outcome="no_answer",
        now=datetime.datetime(2025, 11, 10, 11, 0, tzinfo=TOKYO),
        phone_id=phones[NAKAMURA_MOBILE],
    )
    third = record_contact(
        actor=operator,
        payer_id=payers[YAMAMOTO],
        outcome="contacted_payer",
        now=datetime.datetime(2025, 11, 12, 15, 30, tzinfo=TOKYO),
        identity_verified=True,
        party="self",
        phone_id=phones[YAMAMOTO_LANDLINE],
        note="+ 勤務先は平日18時以降",
    )
    # A number the payer gave on the phone, as the call screen stores it.
    Phone.objects.create(
        resident_id=payers[NAKAMURA],
        raw="080-9999-8888",
        e164=CENTER_PHONE,
        digits="08099998888",
        kind="mobile",
        source="center",
    )
    return [first, second, third]


def read_package(path, password: str) -> dict[str, bytes]:
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(password.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_package_opens_only_with_its_password(contacts, ward_admin, tmp_path):
    result = results_export(actor=ward_admin, path=tmp_path / "out.zip")
    assert len(result.password) >= 16
    with zipfile.ZipFile(result.path) as plain, pytest.raises(RuntimeError):
        plain.read("manifest.json")  # encrypted: nothing reads without the password
    with pytest.raises(RuntimeError):
        read_package(result.path, "not-the-password")
    members = read_package(result.path, result.password)
    manifest = json.loads(members["manifest.json"])
    assert manifest["direction"] == "center-to-ward"
    assert manifest["encoding"] == "utf-8"
    assert manifest["package_id"] == result.package_id
    for name in ("contact_records.csv", "collected_phones.csv"):
        assert manifest["files"][name]["sha256"] == hashlib.sha256(members[name]).hexdigest()
    assert manifest["files"]["contact_records.csv"]["rows"] == 3


def test_every_export_has_a_new_password(contacts, ward_admin, tmp_path):
    one = results_export(actor=ward_admin, path=tmp_path / "1.zip")
    two = results_export(actor=ward_admin, path=tmp_path / "2.zip")
    assert one.password != two.password
    assert one.package_id != two.package_id


def test_contact_records_csv_holds_the_records_with_formulas_neutralised(
    contacts, ward_admin, tmp_path
):
    result = results_export(actor=ward_admin, path=tmp_path / "out.zip")
    rows = csv_rows(read_package(result.path, result.password)["contact_records.csv"])
    assert [r["payer_resident_no"] for r in rows] == [YAMAMOTO, NAKAMURA, YAMAMOTO]
    promise = rows[0]
    assert promise == {
        "record_id": f"C{contacts[0].pk:08d}",
        "payer_resident_no": YAMAMOTO,
        "at": "2025-11-10T10:00:00+09:00",
        "channel": "outbound_call",
        "operator_id": "op1",
        "party": "self",
        "outcome": "promise_to_pay",
        "promise_on": "2025-11-20",
        "promise_amount": "30000",
        "note": "'" + FORMULA_NOTE,
    }
    assert rows[1]["party"] == "none"
    assert rows[1]["outcome"] == "no_answer"
    assert rows[1]["promise_on"] == rows[1]["promise_amount"] == ""
    assert rows[2]["note"] == "'+ 勤務先は平日18時以降"
    assert result.counts == {"contact_records.csv": 3, "collected_phones.csv": 3}


def test_collected_phones_are_the_centers_and_those_the_payer_confirmed(
    contacts, ward_admin, tmp_path
):
    result = results_export(actor=ward_admin, path=tmp_path / "out.zip")
    rows = csv_rows(read_package(result.path, result.password)["collected_phones.csv"])
    assert rows == [
        {
            "payer_resident_no": YAMAMOTO,
            "phone": YAMAMOTO_MOBILE,
            "kind": "mobile",
            "source": "ward",
            "confirmed_at": "2025-11-10T10:00:00+09:00",
        },
        {
            "payer_resident_no": YAMAMOTO,
            "phone": YAMAMOTO_LANDLINE,
            "kind": "landline",
            "source": "ward",
            "confirmed_at": "2025-11-12T15:30:00+09:00",
        },
        {
            "payer_resident_no": NAKAMURA,
            "phone": CENTER_PHONE,
            "kind": "mobile",
            "source": "center",
            "confirmed_at": "",
        },
    ]


def test_since_keeps_only_what_happened_from_that_day(contacts, ward_admin, tmp_path):
    result = results_export(
        actor=ward_admin, path=tmp_path / "out.zip", since=datetime.date(2025, 11, 11)
    )
    members = read_package(result.path, result.password)
    assert json.loads(members["manifest.json"])["kind"] == "delta"
    records = csv_rows(members["contact_records.csv"])
    assert [r["record_id"] for r in records] == [f"C{contacts[2].pk:08d}"]
    phones = csv_rows(members["collected_phones.csv"])
    assert [p["phone"] for p in phones] == [YAMAMOTO_LANDLINE, CENTER_PHONE]


def test_the_handoff_is_in_the_custody_ledger_and_the_audit_trail(contacts, ward_admin, tmp_path):
    result = results_export(actor=ward_admin, path=tmp_path / "out.zip")
    entry = CustodyLedgerEntry.objects.get(direction="handed_over")
    assert entry.package_id == result.package_id
    assert entry.user == ward_admin
    assert entry.handler == "admin1"
    assert entry.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert entry.total_rows == 6
    # Its password travels apart: the entry stays open until that is recorded.
    assert entry.password_required and entry.password_delivered_at is None
    members = read_package(result.path, result.password)
    assert entry.files == [
        {"name": name, "rows": 3, "sha256": hashlib.sha256(members[name]).hexdigest()}
        for name in ("collected_phones.csv", "contact_records.csv")
    ]
    audit = AuditEntry.objects.get(action="export")
    assert audit.object_id == result.package_id
    assert audit.detail["counts"] == {"contact_records.csv": 3, "collected_phones.csv": 3}


def test_the_password_is_stored_and_logged_nowhere(contacts, ward_admin, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    result = results_export(actor=ward_admin, path=tmp_path / "out.zip")
    assert result.password not in repr(result)
    assert result.password not in caplog.text
    for model in apps.get_models():
        dump = serializers.serialize("json", model._default_manager.all())
        assert result.password not in dump, model.__name__


def test_the_command_prints_the_password_once_with_a_warning(contacts, tmp_path):
    out = io.StringIO()
    call_command("export_results", str(tmp_path / "out.zip"), "--handler", "山田", stdout=out)
    text = out.getvalue()
    [password_line] = [line for line in text.splitlines() if line.startswith("パスワード: ")]
    password = password_line.removeprefix("パスワード: ")
    assert text.count(password) == 1
    assert "別の経路で区に伝えてください" in text
    assert "contact_records.csv: 3件" in text
    members = read_package(tmp_path / "out.zip", password)
    assert len(csv_rows(members["contact_records.csv"])) == 3
    entry = CustodyLedgerEntry.objects.get(direction="handed_over")
    assert (entry.user, entry.handler) == (None, "山田")


def test_the_command_refuses_to_overwrite_and_bad_dates(contacts, tmp_path):
    from django.core.management.base import CommandError

    existing = tmp_path / "out.zip"
    existing.write_bytes(b"keep")
    with pytest.raises(CommandError):
        call_command("export_results", str(existing), stdout=io.StringIO())
    assert existing.read_bytes() == b"keep"
    with pytest.raises(CommandError):
        call_command(
            "export_results", str(tmp_path / "x.zip"), "--since", "2025-02-30", stdout=io.StringIO()
        )
    assert not CustodyLedgerEntry.objects.filter(direction="handed_over").exists()


# The download page -------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def logged_in(user) -> Client:
    client = Client()
    verified_client(user, client)
    return client


def post_export(client: Client, **data):
    response = client.post("/exports/results/", data)
    assert response.status_code == 200
    result = response.context["result"]
    token = response.context["token"]
    return response, result, f"/exports/results/download/{token}/"


@pytest.mark.parametrize(
    "persona", ["operator", "supervisor", "ward_staff_tax", "ward_staff_nhi", "auditor", "outsider"]
)
def test_only_the_ward_administrator_may_export(persona, request, data_dir):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get("/exports/results/").status_code == 403
    assert client.post("/exports/results/").status_code == 403
    assert not CustodyLedgerEntry.objects.filter(direction="handed_over").exists()


def test_anonymous_visitors_are_sent_to_the_login_page(db, data_dir):
    response = Client().get("/exports/results/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_page_offers_a_button_and_the_menu_links_to_it(ward_admin, data_dir):
    response = logged_in(ward_admin).get("/exports/results/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "パッケージを作成" in page
    assert 'href="/exports/results/"' in page  # the side navigation
    assert 'href="/exports/results/"' not in logged_in_page_of_operator()


def logged_in_page_of_operator() -> str:
    user = get_user_model().objects.create_user(username="op9", password="x", role="operator")
    return logged_in(user).get("/").content.decode()


def test_the_password_is_shown_once_and_the_file_downloads_once(contacts, ward_admin, data_dir):
    client = logged_in(ward_admin)
    response, result, link = post_export(client)
    assert result.password in response.content.decode()
    assert "別の経路で区に伝えてください" in response.content.decode()
    assert client.get("/exports/results/").content.decode().count(result.password) == 0
    # While it waits, the package is encrypted with the data key: not even a ZIP.
    [waiting] = list((data_dir / "exports").iterdir())
    assert waiting.read_bytes().startswith(keys.BYTES_MAGIC)
    assert b"PK\x03\x04" not in waiting.read_bytes()
    download = client.get(link)
    assert download.status_code == 200
    assert f'filename="{result.package_id}.zip"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    archive = tmp = data_dir / "check.zip"
    tmp.write_bytes(body)
    assert len(csv_rows(read_package(archive, result.password)["contact_records.csv"])) == 3
    assert client.get(link).status_code == 404  # one time only
    assert not list((data_dir / "exports").iterdir())  # nothing kept on disk
    steps = [e.detail.get("step", "build") for e in AuditEntry.objects.filter(action="export")]
    assert steps == ["build", "download"]
    for entry in AuditEntry.objects.all():
        assert result.password not in json.dumps(entry.detail, ensure_ascii=False)


def test_the_link_works_only_for_the_user_who_made_it(contacts, ward_admin, data_dir):
    _response, _result, link = post_export(logged_in(ward_admin))
    other = get_user_model().objects.create_user(username="admin2", password="x", role="ward_admin")
    assert logged_in(other).get(link).status_code == 404
    assert logged_in(ward_admin).get(link).status_code == 200


def test_an_unfetched_package_is_deleted_after_an_hour(contacts, ward_admin, data_dir):
    client = logged_in(ward_admin)
    _response, _result, link = post_export(client)
    [waiting] = list((data_dir / "exports").iterdir())
    an_hour_ago = time.time() - 3601
    os.utime(waiting, (an_hour_ago, an_hour_ago))
    assert client.get(link).status_code == 404
    assert not waiting.exists()


def test_a_bad_since_date_is_explained_and_nothing_is_written(ward_admin, data_dir):
    response = logged_in(ward_admin).post("/exports/results/", {"since": "2025-02-30"})
    assert response.status_code == 200
    assert "日付として読めません" in response.content.decode()
    assert not CustodyLedgerEntry.objects.filter(direction="handed_over").exists()
