"""Fixtures of the SMS tests: the small SMS ward (support/sms_package.py) loaded
through the real import, and an approved template written and approved as people do."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from saikoku.sms.templates import sms_template_approve, sms_template_save
from support.sms_package import NOW, PAYERS, build_sms_package, resident_no

JA_BODY = (
    "{department}からのお知らせです。納期限を過ぎたお支払いがあります。"
    "{callback_number}（{office_hours}）へお電話ください。"
)
ZH_BODY = "这是{department}的通知。请致电{callback_number}（{office_hours}）。"


@pytest.fixture(scope="session")
def sms_package_path(tmp_path_factory):
    return build_sms_package(tmp_path_factory.mktemp("sms") / "sms.zip")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def sms_payers(db, sms_package_path, clock) -> dict[str, int]:
    result = package_import(path=sms_package_path, password=None, handler="test")
    assert result.status == "imported", result.problems
    by_no = dict(Resident.objects.values_list("resident_no", "id"))
    return {name: by_no[resident_no(name)] for name in PAYERS}


@pytest.fixture
def approved_template(supervisor, ward_admin):
    template = sms_template_save(
        actor=supervisor,
        name="督促後のお知らせ",
        department="tax",
        texts={"ja": JA_BODY, "zh": ZH_BODY},
    )
    return sms_template_approve(actor=ward_admin, template=template, version=template.version)


@pytest.fixture
def supervisor2(db):
    from support.personas import make_user

    return make_user("sv2", "supervisor")


@pytest.fixture
def database_url(transactional_db, tmp_path) -> str:
    """The test database on PostgreSQL (the workers see what is committed); on SQLite,
    whose test database lives in memory, a database file of this test's own."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        return (
            f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}"
        )
    return f"sqlite:///{tmp_path / 'workers.sqlite3'}"
