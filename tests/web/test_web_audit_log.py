"""The audit log page: every entry shown, paging that says where it is, details in
Japanese labels, and filters to follow one payer's or one user's trail."""

from __future__ import annotations

import re
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from saikoku.core.audit import audit_record
from saikoku.core.models import AuditEntry
from saikoku.web.audit_display import OBJECT_TYPES, object_label
from support.console_package import SATO, TAKAHASHI


def _log(n: int, actor=None) -> None:
    for i in range(n):
        audit_record(actor=actor, action="login_failed", detail={"username": f"guess{i}"})


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<td class="num mono">(\d+)</td>', html)]


def test_unfiltered_pages_show_every_entry_once_entry_one_included(client_for, auditor, payers):
    _log(60)
    client = client_for(auditor)  # logging in is itself an entry
    total = AuditEntry.objects.count()
    first = client.get(reverse("audit_log"))
    html = first.content.decode()
    assert f"1〜50件目 / {total}件" in html
    seen = _seqs(html)
    upto = first.context["querystring"]
    second = client.get(reverse("audit_log") + f"?{upto}&page=2").content.decode()
    seen += _seqs(second)
    # The viewings themselves were recorded meanwhile, but the pages keep to the log as
    # it was when the first page was shown.
    assert seen == list(range(total, 0, -1))
    assert f"51〜{total}件目 / {total}件" in second


def test_a_page_number_past_the_end_shows_the_last_page(client_for, auditor, payers):
    _log(60)
    response = client_for(auditor).get(reverse("audit_log"), {"page": 999})
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert 1 in _seqs(response.content.decode())


def test_a_large_log_says_where_the_page_is_with_thousands_separators(client_for, auditor, payers):
    _log(1260)
    client = client_for(auditor)
    total = AuditEntry.objects.count()
    html = client.get(reverse("audit_log"), {"page": 25}).content.decode()
    assert f"1,201〜1,250件目 / {total:,}件" in html


def test_details_read_as_japanese_labels_not_python_dicts(client_for, operator, auditor, payers):
    audit_record(
        actor=operator,
        action="payer_view",
        object_type="resident",
        object_id=TAKAHASHI,
        detail={"purpose": "inbound_call", "flagged": True},
    )
    audit_record(
        actor=operator,
        action="call_list_build",
        object_type="call_list",
        object_id="1",
        detail={"name": "早期", "filters": {"levies": ["NH"], "days_past_due_max": 60}},
    )
    html = client_for(auditor).get(reverse("audit_log")).content.decode()
    assert "目的</span> 受電対応（本人・家族からの電話）" in html
    assert "業務外の閲覧</span> はい" in html
    assert "住民 " + TAKAHASHI in html
    assert "税目: 国民健康保険料" in html and "納期限経過日数（以下）: 60" in html
    for raw in ("purpose=", "inbound_call", "flagged", "{'", "levies", "resident:"):
        assert raw not in re.sub(r"<select.*?</select>", "", html, flags=re.S), raw


def test_filter_by_payer_follows_one_payers_trail(client_for, operator, auditor, payers):
    client_for(operator).get(reverse("payer", args=[payers[TAKAHASHI]]))
    client_for(operator).get(reverse("payer", args=[payers[SATO]]))
    client_for(operator).get(reverse("search"), {"q": TAKAHASHI})
    audit_record(
        actor=operator,
        action="contact_record",
        object_type="contact_record",
        object_id="7",
        detail={"payer_id": payers[TAKAHASHI], "outcome": "busy"},
    )
    response = client_for(auditor).get(reverse("audit_log"), {"payer": TAKAHASHI})
    entries = list(response.context["page"].object_list)
    assert {e.action for e in entries} == {"payer_view", "search", "contact_record"}
    assert all(
        e.object_id == TAKAHASHI
        or e.detail.get("query") == TAKAHASHI
        or e.detail.get("payer_id") == payers[TAKAHASHI]
        for e in entries
    )
    assert "話中" in response.content.decode()


def test_filter_by_payer_accepts_full_width_digits_and_explains_a_wrong_number(
    client_for, auditor, payers
):
    client = client_for(auditor)
    wide = TAKAHASHI.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.get(reverse("audit_log"), {"payer": wide}).context["form"].is_valid()
    bad = client.get(reverse("audit_log"), {"payer": "12-34"})
    assert "住民番号は12桁の数字で入力してください。" in bad.content.decode()
    assert bad.context["page"].paginator.count == 0


def test_filters_by_user_action_and_period_combine(client_for, operator, auditor, payers):
    client_for(operator).get(reverse("search"), {"q": "たかはし"})
    response = client_for(auditor).get(
        reverse("audit_log"),
        {"user": "op1", "action": "search", "date_from": "2000-01-01", "date_to": "2999-12-31"},
    )
    entries = list(response.context["page"].object_list)
    assert entries and all(e.username == "op1" and e.action == "search" for e in entries)


def _views_of(resident_no: str, n: int, actor) -> None:
    for _i in range(n):
        audit_record(
            actor=actor,
            action="payer_view",
            object_type="resident",
            object_id=resident_no,
            detail={"purpose": "payer_page"},
        )


def test_the_audit_log_page_reads_a_fixed_number_of_queries(client_for, operator, auditor, payers):
    client = client_for(auditor)
    filters = {"payer": TAKAHASHI, "user": "op1"}
    client.get(reverse("audit_log"))  # the first request of a session writes it once
    _views_of(TAKAHASHI, 3, operator)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("audit_log"), filters).context["page"].paginator.count == 3
    _views_of(TAKAHASHI, 120, operator)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("audit_log"), filters).context["page"].paginator.count == 123
    # session, user, log head, user id, payer id, count, page; the viewing's own entry
    # (savepoint, head, insert, release, and PostgreSQL's advisory lock)
    expected = 11 + (connection.vendor == "postgresql")
    assert len(few) == len(many) == expected, [q["sql"][:80] for q in many.captured_queries]


def test_every_kind_of_target_the_code_audits_has_a_japanese_name():
    # Each object_type="…" written anywhere in the code is named on the audit log page.
    source = Path(__file__).resolve().parents[2] / "src" / "saikoku"
    written = {
        match
        for path in source.rglob("*.py")
        for match in re.findall(r'object_type="([a-z_]+)"', path.read_text("utf-8"))
    }
    assert len(written) > 20
    assert sorted(written - set(OBJECT_TYPES)) == []


def test_a_report_figure_target_reads_as_the_reports_page_names_it():
    assert object_label("report_figure", "collection:RT:current") == (
        "実績の件数 収入額の元になった収納: 特別区民税・都民税・森林環境税 現年度分"
    )
    assert object_label("report_figure", "calls_attempted").startswith("実績の件数 ")
    assert "calls_attempted" not in object_label("report_figure", "calls_attempted")
