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
