"""The designated handlers (取扱責任者・取扱者): validity period, the ward_admin's pages,
the list on any day and its xlsx, every change in the history and the audit trail."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from saikoku.core.handlers import handler_change, handler_create, handler_disable, handlers_as_of
from saikoku.core.models import AuditEntry, HandlerChange, User
from support.personas import PASSWORD, make_user, verified_client

pytestmark = pytest.mark.django_db

TOKYO = dt.timezone(dt.timedelta(hours=9))
DAY1 = dt.datetime(2025, 4, 1, 10, 0, tzinfo=TOKYO)
DAY2 = dt.datetime(2025, 5, 1, 10, 0, tzinfo=TOKYO)
DAY3 = dt.datetime(2025, 6, 1, 10, 0, tzinfo=TOKYO)

NEW_HANDLER = {
    "username": "op-new",
    "password": "a long spring passphrase",
    "last_name": "山田",
    "first_name": "花子",
    "organisation": "contractor",
    "role": "operator",
    "department": "",
    "extension": "2101",
    "valid_from": "2025-04-01",
    "valid_until": "令和30年3月31日",
}


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [(dt.date(2099, 1, 1), None), (None, dt.date(2000, 1, 1))],
    ids=["not yet", "ended"],
)
def test_outside_the_validity_period_the_login_fails_like_a_wrong_password(valid_from, valid_until):
    make_user("op9", "operator", valid_from=valid_from, valid_until=valid_until)
    outside = Client().post(reverse("login"), {"username": "op9", "password": PASSWORD})
    wrong = Client().post(reverse("login"), {"username": "op9", "password": "not-the-password"})
    assert outside.status_code == wrong.status_code == 200
    message = "利用者IDまたはパスワードが正しくありません"
    assert message in outside.content.decode() and message in wrong.content.decode()


def test_a_session_does_not_outlive_the_validity_period(operator):
    client = verified_client(operator)
    operator.valid_until = dt.date(2000, 1, 1)
    operator.save(update_fields=["valid_until"])
    assert client.get(reverse("search")).status_code == 302


def test_inside_the_validity_period_the_login_goes_on_to_the_code():
    make_user("op8", "operator", valid_from=dt.date(2000, 1, 1), valid_until=dt.date(2099, 1, 1))
    response = Client().post(reverse("login"), {"username": "op8", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_verify")


def test_a_ward_admin_adds_a_handler_and_the_change_is_audited_and_in_the_history(ward_admin):
    client = verified_client(ward_admin)
    response = client.post(reverse("handler_new"), NEW_HANDLER)
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="op-new")
    assert (user.extension, user.valid_until) == ("2101", dt.date(2048, 3, 31))
    assert AuditEntry.objects.get(action="user_create").object_id == "op-new"
    change = HandlerChange.objects.get(user=user)
    assert change.kind == "added" and change.actor_name == "admin1"
    listing = client.get(reverse("handler_list")).content.decode()
    assert "op-new" in listing and "山田 花子" in listing


def test_the_new_handler_form_refuses_a_weak_password_and_a_mismatched_organisation(ward_admin):
    client = verified_client(ward_admin)
    data = {**NEW_HANDLER, "password": "password1234", "organisation": "ward"}
    page = client.post(reverse("handler_new"), data).content.decode()
    assert "このパスワードは一般的すぎます。" in page
    assert "取扱者の所属は受託事業者です。" in page
    assert not User.objects.filter(username="op-new").exists()


def test_a_ward_admin_edits_and_disables_a_handler_whose_sessions_end(ward_admin, operator):
    victim = verified_client(operator)
    client = verified_client(ward_admin)
    edit = {
        "last_name": "鈴木",
        "first_name": "一郎",
        "organisation": "contractor",
        "role": "operator",
        "department": "",
        "extension": "3300",
        "valid_from": "",
        "valid_until": "",
    }
    assert client.post(reverse("handler_edit", args=[operator.pk]), edit).status_code == 302
    operator.refresh_from_db()
    assert operator.extension == "3300"
    fields = AuditEntry.objects.get(action="user_change").detail["fields"]
    assert {"extension", "last_name", "first_name", "organisation"} <= set(fields)
    assert victim.get(reverse("search")).status_code == 200
    assert client.post(reverse("handler_disable", args=[operator.pk])).status_code == 302
    operator.refresh_from_db()
    assert not operator.is_active
    assert victim.get(reverse("search")).status_code == 302
    assert AuditEntry.objects.filter(action="user_disable", object_id="op1").exists()
    kinds = list(HandlerChange.objects.filter(user=operator).values_list("kind", flat=True))
    assert kinds[-2:] == ["changed", "removed"]


@pytest.mark.parametrize("persona", ["supervisor", "operator", "ward_staff_tax", "auditor"])
def test_only_a_ward_admin_opens_the_handler_pages(request, persona):
    client = verified_client(request.getfixturevalue(persona))
    assert client.get(reverse("handler_list")).status_code == 403
    assert client.get(reverse("handler_export")).status_code == 403


def _history(ward_admin) -> None:
    """Day 1: two handlers added. Day 2: one's extension changes. Day 3: the other is
    removed and a third added."""
    with time_machine.travel(DAY1, tick=False):
        values = {"organisation": "contractor", "role": "operator", "last_name": "青木"}
        first = handler_create(
            actor=ward_admin, values={**values, "username": "h1", "extension": "100"},
            password="a long spring passphrase",
        )  # fmt: skip
        second = handler_create(
            actor=ward_admin, values={**values, "username": "h2", "role": "supervisor"},
            password="a long spring passphrase",
        )  # fmt: skip
    with time_machine.travel(DAY2, tick=False):
        handler_change(actor=ward_admin, user=first, values={"extension": "200"})
    with time_machine.travel(DAY3, tick=False):
        handler_disable(actor=ward_admin, user=second)
        handler_create(
            actor=ward_admin, values={**values, "username": "h3", "extension": "=1+2"},
            password="a long spring passphrase",
        )  # fmt: skip


def _ours(rows) -> dict[str, str]:
    return {r.username: r.extension for r in rows if r.username.startswith("h")}


def test_the_list_on_a_past_day_is_what_it_was_then(ward_admin):
    _history(ward_admin)
    assert _ours(handlers_as_of(DAY1.date())) == {"h1": "100", "h2": ""}
    assert _ours(handlers_as_of(DAY2.date())) == {"h1": "200", "h2": ""}
    assert _ours(handlers_as_of(DAY3.date())) == {"h1": "200", "h3": "=1+2"}
    assert _ours(handlers_as_of(dt.date(2025, 3, 31))) == {}


def test_the_xlsx_holds_the_list_as_of_the_day_and_its_history(ward_admin):
    _history(ward_admin)
    client = verified_client(ward_admin)
    response = client.get(reverse("handler_export"), {"on": "2025-05-15"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    sheet = book["一覧"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["利用者ID", "氏名", "所属", "役割"] and "内線" in header
    assert sheet.freeze_panes == "A2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$1"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) >= {"h1", "h2"} and "h3" not in rows
    assert rows["h1"][5] == "200" and rows["h2"][3] == "取扱責任者"
    history = [row for row in book["変更履歴"].iter_rows(min_row=2, values_only=True)]
    ours = [(row[1], row[2]) for row in history if str(row[2]).startswith("h")]
    assert ours == [("追加", "h1"), ("追加", "h2"), ("変更", "h1")]
    assert AuditEntry.objects.filter(action="handler_list_export", object_id="2025-05-15").exists()


def test_a_formula_in_a_handler_field_is_text_in_the_xlsx(ward_admin):
    _history(ward_admin)
    response = verified_client(ward_admin).get(reverse("handler_export"), {"on": "2025-06-01"})
    sheet = load_workbook(BytesIO(response.content))["一覧"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "h3")
    assert row[5].value == "'=1+2" and row[5].data_type == "s"


def test_the_page_shows_the_list_and_changes_as_of_a_typed_date(ward_admin):
    _history(ward_admin)
    client = verified_client(ward_admin)
    page = client.get(reverse("handler_list"), {"on": "令和7年5月15日"}).content.decode()
    assert ">h1</a>" in page and ">h2</a>" in page and ">h3</a>" not in page
    assert "過去の日付の一覧です" in page
    bad = client.get(reverse("handler_list"), {"on": "2025-02-30"}).content.decode()
    assert "日付として読めません" in bad


def test_history_rows_cannot_be_rewritten(ward_admin, operator):
    change = HandlerChange.objects.filter(user=operator).first() or HandlerChange.objects.create(
        at=DAY1, user=operator, kind="added", snapshot={}
    )
    change.kind = "removed"
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()
