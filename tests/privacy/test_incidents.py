"""The incident register (インシデント管理簿): an incident recorded with the payers it
affected, what was done appended to a timeline nobody can rewrite, the report to the
ward and the closing; who may read and who may record; every read and write audited;
the list's filters and the register as xlsx for the ward."""

from __future__ import annotations

import datetime as dt
import importlib
from io import BytesIO

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

import support.calls as calls
from saikoku.core.models import AuditEntry
from saikoku.people.models import Household, Resident
from saikoku.privacy.incident_register import ACTION_HEADERS, INCIDENT_HEADERS
from saikoku.privacy.incidents import (
    IncidentChangeRefused,
    PayersNotVisible,
    incident_action_add,
    incident_close,
    incident_create,
    incident_report,
)
from saikoku.privacy.models import Incident, IncidentAction, IncidentPayer
from support.personas import verified_client

pytestmark = pytest.mark.django_db
TIMELINE_GUARD = importlib.import_module("saikoku.privacy.migrations.0005_incident_register")
TOKYO = calls.TOKYO
FOUND = dt.datetime(2025, 11, 4, 9, 30, tzinfo=TOKYO)


@pytest.fixture
def payers(tmp_path) -> dict[str, int]:
    return calls.import_payers(tmp_path)


def new_incident(actor, **extra) -> Incident:
    values = {
        "title": "催告書の誤送付",
        "what": "別の世帯の催告書を同封して発送した。",
        "occurred_at": FOUND - dt.timedelta(days=1),
        "found_at": FOUND,
        "found_by_name": "佐藤",
        "kind": "misdelivery",
        "scope": "11月3日発送分のうち1通",
        "severity": "serious",
        "affected_count": 1,
        **extra,
    }
    return incident_create(actor=actor, **values)


def form(**extra) -> dict[str, str]:
    return {
        "title": "USBメモリの紛失",
        "what": "区から受領したUSBメモリが保管庫にない。",
        "kind": "loss",
        "severity": "critical",
        "occurred_at": "2025-11-04T08:00",
        "found_at": "2025-11-04T09:30",
        "found_by_name": "田中",
        "scope": "納付義務者2人分の交渉記録",
        "affected_count": "2",
        **extra,
    }


def actions(incident: Incident) -> list[str]:
    return list(incident.actions.order_by("at", "pk").values_list("kind", flat=True))


def test_a_supervisor_records_an_incident_with_its_payers_and_it_is_audited(supervisor, payers):
    client = verified_client(supervisor)
    response = client.post(
        reverse("incident_new"), form(payers=f"{calls.AOKI}\n{calls.ISHII}, {calls.AOKI}")
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident_detail", args=[incident.pk])
    assert incident.status == "open" and incident.found_by_name == "田中"
    assert incident.found_at == dt.datetime(2025, 11, 4, 9, 30, tzinfo=TOKYO)
    linked = IncidentPayer.objects.filter(incident=incident).values_list("payer_id", flat=True)
    assert set(linked) == {payers[calls.AOKI], payers[calls.ISHII]}
    assert actions(incident) == ["created"]
    entry = AuditEntry.objects.get(action="incident_create")
    assert entry.object_id == str(incident.pk) and entry.username == "sv1"
    assert sorted(entry.detail["residents"]) == [calls.AOKI, calls.ISHII]

    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "青木 一郎" in page and "石井 二郎" in page
    assert reverse("payer", args=[payers[calls.AOKI]]) in page
    assert "区へ未報告です" in page


def test_a_user_may_be_named_as_finder_and_the_name_follows(supervisor, operator):
    operator.last_name, operator.first_name = "大野", "次郎"
    operator.save()
    client = verified_client(supervisor)
    client.post(reverse("incident_new"), form(found_by_name="", found_by_user="op1"))
    incident = Incident.objects.get()
    assert incident.found_by_user == operator and incident.found_by_name == "大野 次郎"


def test_bad_input_is_refused_in_japanese_and_nothing_typed_is_lost(supervisor, payers):
    client = verified_client(supervisor)
    response = client.post(
        reverse("incident_new"),
        form(found_at="2025-11-03T09:30", found_by_name="", payers=calls.AOKI, affected_count="0"),
    )
    html = response.content.decode()
    assert response.status_code == 400 and not Incident.objects.exists()
    assert "発見日時は発生日時以降にしてください。" in html
    assert "発見者を選ぶか、氏名を入力してください。" in html
    assert "影響を受けた人数は対象者の住民番号の数（1人）以上にしてください。" in html
    assert "USBメモリの紛失" in html and "区から受領したUSBメモリが保管庫にない。" in html
    future = client.post(reverse("incident_new"), form(found_at="2999-01-01T00:00"))
    assert "未来の日時は記録できません。" in future.content.decode()


def test_a_resident_the_user_may_not_open_cannot_be_linked(supervisor, payers):
    household = Household.objects.create(household_no="9199999")
    stranger = Resident.objects.create(
        resident_no="299999999999",
        household=household,
        name="非納付 太郎",
        name_kana="ヒノウフ タロウ",
        birth_date=dt.date(1980, 1, 1),
        address="東京都新宿区",
    )
    client = verified_client(supervisor)
    response = client.post(
        reverse("incident_new"),
        form(payers=f"{calls.AOKI} {stranger.resident_no} 123", affected_count="3"),
    )
    html = response.content.decode()
    assert response.status_code == 400 and not Incident.objects.exists()
    assert "見つからないか、閲覧できない住民番号です: 299999999999、123" in html
    incident = new_incident(supervisor)
    with pytest.raises(PayersNotVisible):
        new_incident(supervisor, payer_numbers=[stranger.resident_no])
    added = client.post(
        reverse("incident_payers", args=[incident.pk]), {"payers": stranger.resident_no}
    )
    assert added.status_code == 400 and "閲覧できない住民番号" in added.content.decode()
    assert not IncidentPayer.objects.exists()


def test_more_payers_raise_the_count_of_people_affected(supervisor, payers):
    incident = new_incident(supervisor, payer_numbers=[calls.AOKI])
    client = verified_client(supervisor)
    response = client.post(
        reverse("incident_payers", args=[incident.pk]),
        {"payers": f"{calls.AOKI}\n{calls.UEDA}\n{calls.ETO}"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.affected_count == 3
    assert IncidentPayer.objects.filter(incident=incident).count() == 3
    assert actions(incident) == ["created", "payers"]
    assert AuditEntry.objects.get(action="incident_payers_add").detail["residents"] == [
        calls.UEDA,
        calls.ETO,
    ]


def test_actions_are_appended_never_changed_or_deleted(supervisor):
    incident = new_incident(supervisor)
    client = verified_client(supervisor)
    response = client.post(
        reverse("incident_action", args=[incident.pk]),
        {"at": "2025-11-04T10:00", "by": "佐藤", "text": "誤送付先に電話し、回収を依頼した。"},
    )
    assert response.status_code == 302
    action = IncidentAction.objects.get(kind="action")
    assert action.done_by == "佐藤" and action.recorded_by == supervisor
    assert AuditEntry.objects.get(action="incident_action").object_id == str(incident.pk)
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "誤送付先に電話し、回収を依頼した。" in page

    action.text = "書き換え"
    with pytest.raises(ValueError):
        action.save()
    with pytest.raises(ValueError):
        action.delete()
    with pytest.raises(ValueError):
        IncidentAction.objects.filter(pk=action.pk).update(text="書き換え")
    with pytest.raises(ValueError):
        IncidentAction.objects.all().delete()
    with pytest.raises(ValueError):
        incident.delete()
    # Past the model, the database itself refuses (the triggers of migration 0005).
    table = IncidentAction._meta.db_table
    for sql in (f"UPDATE {table} SET text = 'x'", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert IncidentAction.objects.get(pk=action.pk).text == "誤送付先に電話し、回収を依頼した。"


def test_the_timeline_guard_can_be_lifted_and_restored_as_the_flush_needs(supervisor):
    new_incident(supervisor)
    with connection.cursor() as cursor:
        for sql in TIMELINE_GUARD.statements(connection.vendor, install=False):
            cursor.execute(sql)
        cursor.execute(f"UPDATE {IncidentAction._meta.db_table} SET done_by = 'x'")  # noqa: S608
        for sql in TIMELINE_GUARD.statements(connection.vendor, install=True):
            cursor.execute(sql)
    assert IncidentAction.objects.get().done_by == "x"
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {IncidentAction._meta.db_table} SET done_by = 'y'")  # noqa: S608


def test_reporting_to_the_ward_keeps_the_first_report_and_times_it(supervisor):
    incident = new_incident(supervisor)
    client = verified_client(supervisor)
    first = {"at": "2025-11-04T10:15", "by": "鈴木", "to": "税務課 山田", "note": "電話で第一報"}
    assert client.post(reverse("incident_report", args=[incident.pk]), first).status_code == 302
    later = {"at": "2025-11-05T17:00", "by": "鈴木", "to": "税務課 山田", "note": "書面で報告"}
    client.post(reverse("incident_report", args=[incident.pk]), later)
    incident.refresh_from_db()
    assert incident.status == "reported" and incident.reported_to == "税務課 山田"
    assert incident.reported_at == dt.datetime(2025, 11, 4, 10, 15, tzinfo=TOKYO)
    assert incident.report_minutes == 45
    assert actions(incident) == ["created", "reported", "reported"]
    assert AuditEntry.objects.filter(action="incident_report").count() == 2
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert 'data-report-minutes="45"' in page and "書面で報告" in page
    early = client.post(
        reverse("incident_report", args=[incident.pk]), {**first, "at": "2025-11-04T09:00"}
    )
    assert early.status_code == 400
    assert "発見日時（2025-11-04 09:30）より前の日時は記録できません。" in early.content.decode()


def test_an_incident_closes_only_after_its_report_and_then_takes_nothing_more(supervisor):
    incident = new_incident(supervisor)
    client = verified_client(supervisor)
    close = {"at": "2025-11-20T15:00", "by": "区 山田", "summary": "回収済み。封入手順を改めた。"}
    refused = client.post(reverse("incident_close", args=[incident.pk]), close, follow=True)
    assert "区へ報告してから終結してください。" in refused.content.decode()
    with pytest.raises(IncidentChangeRefused):
        incident_close(incident_id=incident.pk, actor=supervisor, at=FOUND, by="x", summary="x")
    incident_report(
        incident_id=incident.pk, actor=supervisor, at=FOUND, by="鈴木", to="税務課 山田"
    )
    assert client.post(reverse("incident_close", args=[incident.pk]), close).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closing_summary.startswith("回収済み")
    assert AuditEntry.objects.filter(action="incident_close").count() == 1
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert "data-action-form" not in page and "data-report-form" not in page
    with pytest.raises(IncidentChangeRefused):
        incident_action_add(
            incident_id=incident.pk, actor=supervisor, at=FOUND, by="x", text="後から"
        )
    late = client.post(
        reverse("incident_action", args=[incident.pk]),
        {"at": "2025-11-21T10:00", "by": "x", "text": "後から"},
        follow=True,
    )
    assert "終結したインシデントには記録できません。" in late.content.decode()
    assert actions(incident) == ["created", "reported", "closed"]


@pytest.mark.parametrize("persona", ["operator", "ward_staff_tax", "ward_staff_nhi", "outsider"])
def test_operators_and_ward_staff_have_no_register(request, persona, supervisor):
    incident = new_incident(supervisor)
    client = verified_client(request.getfixturevalue(persona))
    for url in (
        reverse("incident_list"),
        reverse("incident_export"),
        reverse("incident_new"),
        reverse("incident_detail", args=[incident.pk]),
    ):
        assert client.get(url).status_code == 403, url
    post = client.post(reverse("incident_action", args=[incident.pk]), {"text": "x"})
    assert post.status_code == 403
    assert "インシデント管理簿" not in client.get(reverse("home"), follow=True).content.decode()


def test_the_auditor_reads_the_register_counts_payers_without_names_and_records_nothing(
    auditor, ward_admin, payers
):
    incident = new_incident(ward_admin, payer_numbers=[calls.AOKI, calls.ISHII], affected_count=5)
    client = verified_client(auditor)
    listing = client.get(reverse("incident_list")).content.decode()
    assert f'data-incident-row="{incident.pk}"' in listing
    assert "data-incident-new" not in listing
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    assert 'data-hidden-payers="2"' in page
    assert "青木" not in page and calls.AOKI not in page
    assert "data-action-form" not in page
    assert client.get(reverse("incident_new")).status_code == 403
    assert client.post(reverse("incident_report", args=[incident.pk]), {}).status_code == 403
    view = AuditEntry.objects.get(action="incident_view", username=auditor.username)
    assert view.detail == {"residents": 0, "hidden": 2}
    assert not AuditEntry.objects.filter(action="payer_view", username=auditor.username).exists()


def test_naming_payers_on_the_page_is_in_each_payers_audit_trail(ward_admin, payers):
    incident = new_incident(ward_admin, payer_numbers=[calls.AOKI])
    verified_client(ward_admin).get(reverse("incident_detail", args=[incident.pk]))
    opened = AuditEntry.objects.get(action="payer_view", object_id=calls.AOKI)
    assert opened.detail == {"purpose": "incident", "incident": incident.pk}
    assert AuditEntry.objects.filter(action="incident_view").count() == 1


def listed(client, **filters) -> set[int]:
    page = client.get(reverse("incident_list"), filters).content.decode()
    return {i.pk for i in Incident.objects.all() if f'data-incident-row="{i.pk}"' in page}


def test_the_filters_narrow_by_status_kind_period_and_open_only(supervisor):
    misdelivered = new_incident(supervisor)
    lost = new_incident(
        supervisor,
        kind="loss",
        occurred_at=FOUND - dt.timedelta(days=30),
        found_at=FOUND - dt.timedelta(days=20),
    )
    incident_report(incident_id=lost.pk, actor=supervisor, at=FOUND, by="a", to="b")
    incident_close(incident_id=lost.pk, actor=supervisor, at=FOUND, by="a", summary="c")
    client = verified_client(supervisor)
    assert listed(client) == {misdelivered.pk, lost.pk}
    assert listed(client, kind="loss") == {lost.pk}
    assert listed(client, status="open") == {misdelivered.pk}
    assert listed(client, open_only="on") == {misdelivered.pk}
    assert listed(client, start="令和7年11月1日", end="2025-11-30") == {misdelivered.pk}
    bad = client.get(reverse("incident_list"), {"start": "2025-11-05", "end": "2025-11-01"})
    assert bad.status_code == 400 and "開始以降" in bad.content.decode()
    read = [e.detail for e in AuditEntry.objects.filter(action="incident_list")]
    assert {"filters": {"kind": "loss"}, "page": 1} in read


def test_the_list_is_paged(supervisor):
    for n in range(52):
        new_incident(supervisor, title=f"件名{n}")
    client = verified_client(supervisor)
    first = client.get(reverse("incident_list"), {"open_only": "on"}).content.decode()
    assert first.count("data-incident-row=") == 50 and 'rel="next"' in first
    assert "open_only=on&amp;page=2" in first
    second = client.get(reverse("incident_list"), {"open_only": "on", "page": "2"})
    assert second.content.decode().count("data-incident-row=") == 2


def test_the_register_downloads_as_xlsx_with_japanese_headers_and_is_audited(supervisor, payers):
    incident = new_incident(supervisor, payer_numbers=[calls.AOKI])
    incident_action_add(
        incident_id=incident.pk, actor=supervisor, at=FOUND, by="佐藤", text="回収を依頼"
    )
    new_incident(supervisor, kind="loss")
    client = verified_client(supervisor)
    response = client.get(reverse("incident_export"), {"kind": "misdelivery"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="incidents-')
    book = load_workbook(BytesIO(response.content))
    register, timeline = book.worksheets
    assert [c.value for c in register[1]] == [str(h) for h in INCIDENT_HEADERS]
    assert register["A1"].value == "番号" and register["B1"].value == "件名"
    assert register.max_row == 2
    row = [c.value for c in register[2]]
    assert row[0] == incident.number and row[2] == "誤送付（郵便・SMS等）" and row[11] == "1"
    # Affected payers are counted, not named.
    assert all(calls.AOKI not in str(v) and "青木" not in str(v) for v in row)
    assert [c.value for c in timeline[1]] == [str(h) for h in ACTION_HEADERS]
    assert [r[4] for r in timeline.iter_rows(min_row=2, values_only=True)][-1] == "回収を依頼"
    entry = AuditEntry.objects.get(action="incident_export")
    assert entry.detail == {"format": "xlsx", "rows": 1}


def test_the_header_search_box_holds_no_list_filters(supervisor):
    # The filters go into the page's own links; the header's payer search stays empty.
    page = verified_client(supervisor).get(reverse("incident_list"), {"status": "open"})
    html = page.content.decode()
    assert '<input id="q" name="q" type="search" value=""' in html
    assert "status=open" in html
