"""Stored XSS: payloads in every text a user or an import can enter come out escaped on
every page of the URL matrix that shows them, for every persona.

The payloads enter the way production data does: a ward package through the real
import (names, addresses, the caution note, plan and measure notes, the ward's
history), the call screen's service (a contact record's note, which also becomes a
task's summary), the ward's task result, a handler's name, a call list's name."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse

import support.calls as calls
from saikoku.arrears.models import Account
from saikoku.backoffice.models import Task
from saikoku.backoffice.services import task_close
from saikoku.core.handlers import handler_create
from saikoku.interchange.services import package_import
from saikoku.outreach.lists.services import call_list_build
from saikoku.outreach.models import CallListEntry, ContactRecord
from saikoku.people.models import Resident
from support.inline_code import inline_code
from support.packages import assessment_row, bill_row, ward_package
from support.personas import make_user, verified_client
from test_guards import PATTERNS

pytestmark = [pytest.mark.django_db, pytest.mark.attack("stored XSS")]

PAYER = "300000000001"


def payload(field: str) -> str:
    """Breaks out of text, of an attribute and of a template, and names its field."""
    return f'<script>alert("{field}")</script>"><img src=x onerror=alert(1)>{{{{7*7}}}}'


FIELDS = {
    "name": "persons.csv name",
    "address": "persons.csv address",
    "caution_note": "persons.csv caution_note",
    "plan_note": "plans.csv note",
    "measure_note": "measures.csv note",
    "history_summary": "history.csv summary",
    "contact_note": "contact record note (and the task summary)",
    "task_result": "task result",
    "handler_name": "handler name",
    "list_name": "call list name",
}


def _package(path):
    person = {
        "resident_no": PAYER, "household_no": "9300001", "is_householder": "1",
        "name": payload("name"), "name_kana": "エックス エスエス", "birth_date": "1970-01-01",
        "address": payload("address"), "phone_1": "090-3000-0001", "caution": "1",
        "caution_note": payload("caution_note"),
    }  # fmt: skip
    rows = {
        "persons.csv": [person],
        "assessments.csv": [
            assessment_row("RT", 2025, "R25-300001", PAYER, 60000, notice_issued_on="2025-06-10"),
            assessment_row(
                "NH",
                2025,
                "N25-300001",
                PAYER,
                30000,
                notice_issued_on="2025-06-15",
                insured_count=1,
            ),
        ],
        "bills.csv": [
            bill_row("RT", 2025, "R25-300001", 2, 60000, "2025-09-30", 0),
            bill_row("NH", 2025, "N25-300001", 1, 30000, "2025-10-31", 0),
        ],
        "plans.csv": [
            {
                "plan_id": "PLX1",
                "payer_resident_no": PAYER,
                "agreed_on": "2025-10-01",
                "status": "active",
                "monthly_amount": 5000,
                "next_due_on": "2025-12-25",
                "note": payload("plan_note"),
            },
        ],
        "measures.csv": [
            {
                "measure_id": "MX1",
                "payer_resident_no": PAYER,
                "kind": "collection_deferment",
                "start_on": "2025-03-15",
                "note": payload("measure_note"),
            },
        ],
        "history.csv": [
            {
                "record_id": "WX1",
                "payer_resident_no": PAYER,
                "at": "2025-07-25 14:10",
                "channel": "phone",
                "summary": payload("history_summary"),
            },
        ],
        "accounts.csv": [
            {
                "payer_resident_no": PAYER,
                "levy": "RT",
                "bank_code": "0009",
                "branch_code": "100",
                "account_type": "普通",
                "account_no": "1234567",
                "holder_kana": "ｴｯｸｽ",
                "start_on": "2025-04-01",
            },
        ],
    }
    return ward_package(path, rows, package_id="XSS-TEST-0001")


@pytest.fixture
def world(tmp_path, operators_work_every_payer):
    result = package_import(path=_package(tmp_path / "xss.zip"), password=None, handler="test")
    assert result.status == "imported", result.problems
    payer = Resident.objects.get(resident_no=PAYER)
    people = {
        "operator": make_user("op1", "operator"),
        "supervisor": make_user("sv1", "supervisor"),
        "ward_staff_tax": make_user("tax1", "ward_staff", "tax"),
        "ward_staff_nhi": make_user("nhi1", "ward_staff", "nhi"),
        "ward_admin": make_user("admin1", "ward_admin"),
        "auditor": make_user("aud1", "auditor"),
    }
    calls.record_contact(
        actor=people["operator"], payer_id=payer.pk, outcome="hardship",
        identity_verified=True, note=payload("contact_note"),
    )  # fmt: skip
    tasks = list(Task.objects.order_by("pk"))
    assert tasks, "a hardship contact gives the ward a task"
    task_close(
        actor=people["ward_staff_tax"]
        if tasks[0].department == "tax"
        else people["ward_staff_nhi"],
        task=tasks[0],
        result=payload("task_result"),
    )
    handler = handler_create(
        actor=people["ward_admin"],
        values={
            "username": "xss-handler", "last_name": payload("handler_name"),
            "first_name": "太郎", "organisation": "contractor", "role": "operator",
            "department": "", "extension": "1234", "valid_from": None, "valid_until": None,
        },
        password="a long enough passphrase for the test",
    )  # fmt: skip
    call_list = call_list_build(
        actor=people["supervisor"],
        name=payload("list_name")[:100],
        filters={},
        now=calls.NOW + dt.timedelta(days=1),
    )
    ids = {
        "resident_id": payer.pk,
        "user_id": handler.pk,
        "list_id": call_list.pk,
        "task_id": tasks[0].pk,
        "record_id": ContactRecord.objects.values_list("pk", flat=True).first() or 1,
        "account_id": Account.objects.values_list("pk", flat=True).first() or 1,
        "entry_id": CallListEntry.objects.values_list("pk", flat=True).first() or 1,
    }
    return people, ids


def _urls(ids: dict[str, int]) -> list[str]:
    urls = []
    for name, pattern in PATTERNS:
        if name in ("logout", "session_keepalive", "results_download", "account_session_end"):
            continue
        kwargs = {arg: ids[arg] for arg in pattern.pattern.converters if arg in ids}
        if len(kwargs) != len(pattern.pattern.converters):
            continue
        urls.append(reverse(name, kwargs=kwargs))
    # The pages that list what was searched or filtered for.
    urls += [
        reverse("search") + "?q=" + PAYER,
        reverse("search") + "?q=" + "alert",
        reverse("audit_log") + "?payer=" + PAYER,
        reverse("task_queue") + "?status=closed",
        reverse("call_list_index"),
    ]
    return urls


def _escaped(field: str) -> str:
    return html.escape(f'<script>alert("{field}")</script>', quote=True)


PERSONAS = (
    "operator",
    "supervisor",
    "ward_staff_tax",
    "ward_staff_nhi",
    "ward_admin",
    "auditor",
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_payload_comes_out_as_code_on_any_page(world, persona):
    people, ids = world
    client = verified_client(people[persona], raise_request_exception=False)
    shown: set[str] = set()
    for url in _urls(ids):
        response = client.get(url)
        assert response.status_code != 500, url
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        assert inline_code(page) == [], (persona, url)
        assert "<script>alert(" not in page, (persona, url)
        shown |= {field for field in FIELDS if _escaped(field) in page.replace("&#x27;", "'")}
    # The matrix reached pages that really show the payloads (not only refusals).
    assert shown, persona


def test_every_field_is_shown_escaped_somewhere(world):
    """Together, the personas' pages show every entered text, escaped."""
    people, ids = world
    shown: set[str] = set()
    for persona in PERSONAS:
        client = verified_client(people[persona], raise_request_exception=False)
        for url in _urls(ids):
            response = client.get(url)
            if "text/html" in response.get("Content-Type", ""):
                page = response.content.decode()
                shown |= {field for field in FIELDS if _escaped(field) in page}
    print("fields shown escaped:", sorted(shown))
    # Plan and measure notes are stored but shown by no page today; when a page shows
    # them, the first test checks it like every other.
    assert set(FIELDS) - shown <= {"plan_note", "measure_note"}, sorted(set(FIELDS) - shown)


def test_a_payload_in_the_search_box_comes_back_escaped(world):
    people, _ids = world
    client = verified_client(people["operator"])
    page = client.get(reverse("search"), {"q": payload("query")}).content.decode()
    assert inline_code(page) == []
    assert _escaped("query") in page


def test_a_payload_cannot_log_in_either(world):
    page = Client().post(reverse("login"), {"username": payload("login"), "password": "x"})
    assert inline_code(page.content.decode()) == []
