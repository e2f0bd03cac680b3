"""`saikoku demo-package` and `saikoku demo --no-serve`."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
import pyzipper
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from saikoku.demo.services import demo_password
from saikoku.interchange.models import ImportedPackage
from saikoku.people.models import Resident


def test_demo_package_prints_id_rows_and_hash(tmp_path):
    out = StringIO()
    target = tmp_path / "ward.zip"
    call_command(
        "demo_package", str(target), "--scale", "0.005", "--today", "2026-11-27", stdout=out
    )
    text = out.getvalue()
    assert "20261127-demo1-x0.005" in text
    assert "persons.csv" in text and "bills.csv" in text
    assert hashlib.sha256(target.read_bytes()).hexdigest() in text


def test_demo_package_encrypts_with_the_password_file(tmp_path):
    secret = tmp_path / "password.txt"
    secret.write_text("correct horse\n", encoding="utf-8")
    target = tmp_path / "ward.zip"
    call_command(
        "demo_package", str(target), "--scale", "0.005", "--password-file", str(secret),
        "--encoding", "cp932", stdout=StringIO(),
    )  # fmt: skip
    assert b"correct horse" not in target.read_bytes()
    with pyzipper.AESZipFile(target) as archive:
        archive.setpassword(b"correct horse")
        assert b'"encoding": "cp932"' in archive.read("manifest.json")


def test_demo_package_refuses_a_bad_date(tmp_path):
    with pytest.raises(CommandError):
        call_command("demo_package", str(tmp_path / "x.zip"), "--today", "2026-02-30")


@pytest.mark.django_db
def test_demo_start_loads_data_and_creates_one_user_per_role(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("demo", "--scale", "0.01", "--seed", "3", "--no-serve", stdout=out)
    text = out.getvalue()
    assert (tmp_path / "demo" / "demo-3.zip").exists()
    assert ImportedPackage.objects.count() == 1
    assert Resident.objects.exists()
    assert "http://127.0.0.1:8000/" in text
    assert "利用者ID" in text and "ユーザー名" not in text  # the login page's word
    # Both figures: the payers the center works and the residents the package holds.
    payers = Resident.objects.filter(assessments__isnull=False).distinct().count()
    assert f"納付義務者 {payers:,} 人・住民 {Resident.objects.count():,} 人" in text
    assert payers < Resident.objects.count()
    users = {u.username: u for u in get_user_model().objects.all()}
    expected = {
        "admin": ("ward_admin", ""),
        "tax": ("ward_staff", "tax"),
        "nhi": ("ward_staff", "nhi"),
        "supervisor": ("supervisor", ""),
        "operator": ("operator", ""),
        "auditor": ("auditor", ""),
    }
    assert {name: (u.role, u.department) for name, u in users.items()} == expected
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(users[name].is_staff for name in expected if name != "admin")
    # The operator can take a simulated inbound call at once (docs/demo.md).
    assert users["operator"].extension == "201"
    for name in expected:
        assert demo_password(name) in text
        assert authenticate(username=name, password=demo_password(name)) == users[name]


@pytest.mark.django_db
def test_second_demo_start_skips_generation_and_keeps_users(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", "--scale", "0.005", "--no-serve", stdout=StringIO())
    operator = get_user_model().objects.get(username="operator")
    operator.set_password("changed-by-the-operator")
    operator.save()
    package = tmp_path / "demo" / "demo-1.zip"
    package.unlink()

    out = StringIO()
    call_command("demo", "--scale", "0.005", "--no-serve", stdout=out)

    assert "取込済み" in out.getvalue()
    assert not package.exists()  # nothing generated the second time
    assert ImportedPackage.objects.count() == 1
    assert get_user_model().objects.count() == 6
    assert authenticate(username="operator", password="changed-by-the-operator")


@pytest.mark.django_db
def test_demo_start_gives_the_operator_a_call_list_once(settings, tmp_path):
    from saikoku.outreach.models import CallList, CallListEntry

    settings.DATA_DIR = tmp_path
    call_command("demo", "--scale", "0.01", "--no-serve", stdout=StringIO())
    call_command("demo", "--scale", "0.01", "--no-serve", stdout=StringIO())

    call_list = CallList.objects.get()
    assigned = CallListEntry.objects.filter(call_list=call_list, assigned_to__username="operator")
    assert assigned.exists()
    assert not assigned.exclude(status="pending").exists()
    assert not assigned.filter(payer__caution=True).exists()


@pytest.mark.django_db
def test_demo_start_gives_each_departments_staff_a_few_escalations_once(settings, tmp_path):
    from saikoku.backoffice.models import Task, TaskKind
    from saikoku.backoffice.selectors import task_queue
    from saikoku.outreach.models import CallListEntry, ContactRecord

    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("demo", "--scale", "0.01", "--no-serve", stdout=out)
    call_command("demo", "--scale", "0.01", "--no-serve", stdout=StringIO())

    users = get_user_model().objects
    for name, department in (("tax", "tax"), ("nhi", "nhi")):
        queue = list(task_queue(users.get(username=name)))
        assert 1 <= len(queue) <= 3, name
        assert {t.department for t in queue} == {department}
        assert all(t.kind == TaskKind.ESCALATION and t.contact_record_id for t in queue)
    assert "税務課への引継ぎ（タスク）を 3 件作成しました。" in out.getvalue()
    # Recorded as the operator's inbound calls, through the call screen's service,
    # about payers on no call list (the operator's demo list is left as it was).
    records = ContactRecord.objects.filter(pk__in=Task.objects.values("contact_record"))
    assert {r.channel for r in records} == {"inbound_call"}
    assert not CallListEntry.objects.filter(payer__in=records.values("payer")).exists()


@pytest.mark.django_db
def test_demo_start_widens_the_contact_hours_unless_a_person_changed_them(settings, tmp_path):
    import datetime as dt

    from saikoku.outreach.models import ContactSettings
    from saikoku.outreach.rules import next_open_at
    from saikoku.web.selectors import contact_hours_widened

    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("demo", "--scale", "0.005", "--no-serve", stdout=out)
    assert "連絡可能時間を毎日 0:00〜24:00" in out.getvalue()
    row = ContactSettings.current()
    assert contact_hours_widened(row)
    # A Sunday at 3 a.m. and New Year's Day at 23:30 are open for contact in the demo.
    tokyo = dt.timezone(dt.timedelta(hours=9))
    for at in (
        dt.datetime(2026, 3, 1, 3, 0, tzinfo=tokyo),
        dt.datetime(2026, 1, 1, 23, 30, tzinfo=tokyo),
    ):
        assert next_open_at(at, row) == at

    row.weekday_start = dt.time(9, 0)
    row.updated_by = get_user_model().objects.get(username="admin")
    row.save()
    out = StringIO()
    call_command("demo", "--scale", "0.005", "--no-serve", stdout=out)
    assert "連絡可能時間" not in out.getvalue()
    assert ContactSettings.current().weekday_start == dt.time(9, 0)
