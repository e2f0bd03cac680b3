"""The one search box: each kind of input finds the right payer, only among those the
user may see, in a fixed number of queries, and every search is audited."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from saikoku.core.models import AuditEntry
from saikoku.interchange.services import package_import
from saikoku.people.selectors import SearchKind, classify_query, search_payers
from support.console_package import SATO, SUZUKI, TAKAHASHI, build_crowd_package


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("100000000001", SearchKind.RESIDENT_NO),
        ("１０００００００００01", SearchKind.RESIDENT_NO),
        ("R25-000001", SearchKind.NOTICE),
        ("r25-000001", SearchKind.NOTICE),
        ("090-1111-2222", SearchKind.PHONE),
        ("09011112222", SearchKind.PHONE),
        ("+81 90 1111 2222", SearchKind.PHONE),
        ("０９０－１１１１－２２２２", SearchKind.PHONE),
        ("1980-05-15", SearchKind.BIRTH_DATE),
        ("19800515", SearchKind.BIRTH_DATE),
        ("昭和55年5月15日", SearchKind.BIRTH_DATE),
        ("S55.5.15", SearchKind.BIRTH_DATE),
        ("たかはし", SearchKind.KANA),
        ("ﾀｶﾊｼ ﾊﾅｺ", SearchKind.KANA),
        ("タカハシ", SearchKind.KANA),
        ("高橋", SearchKind.NAME),
        ("髙橋 花子", SearchKind.NAME),
    ],
)
def test_the_box_understands_what_was_typed(query, kind):
    assert classify_query(query).kind == kind


def _bookkeeping(sql: str) -> bool:
    """Savepoints and PostgreSQL's audit-chain lock: not data queries."""
    return "SAVEPOINT" in sql or "pg_advisory_xact_lock" in sql


def test_an_empty_box_searches_nothing():
    assert classify_query("   ") is None


@pytest.mark.parametrize(
    "query",
    [
        "100000000001",
        "R25-000001",
        "090-1111-2222",
        "09011112222",
        "+81 90 1111 2222",
        "０９０－１１１１－２２２２",
        "03-3333-0001",
        "1980-05-15",
        "昭和55年5月15日",
        "S55.5.15",
        "高橋",
        "髙橋",
        "高橋 花子",
        "たかはし",
        "ﾀｶﾊｼ",
        "ハナコ",
    ],
)
def test_every_kind_of_query_finds_takahashi(client_for, operator, payers, query):
    response = client_for(operator).get(reverse("search"), {"q": query})
    assert response.status_code == 200
    rows = response.context["result"].rows
    assert [row.resident_no for row in rows] == [TAKAHASHI]
    assert "髙橋 花子" in response.content.decode()


def test_a_kana_prefix_lists_matches_that_start_with_it_first(operator, payers):
    result = search_payers(operator, "スズキ")
    assert [row.resident_no for row in result.rows] == [SUZUKI]


def test_the_search_never_lists_payers_of_another_department(
    ward_staff_tax, ward_staff_nhi, payers
):
    assert search_payers(ward_staff_tax, "サトウ").count == 0
    assert search_payers(ward_staff_nhi, "サトウ").count == 1


def test_a_notice_of_another_department_finds_nothing(ward_staff_tax, ward_staff_nhi, payers):
    # 鈴木 is visible to tax staff through his RT notice, but his NHI notice number must
    # not lead them to him: it would tell them he has one.
    assert search_payers(ward_staff_tax, "N25-000003").count == 0
    assert [r.resident_no for r in search_payers(ward_staff_nhi, "N25-000003").rows] == [SUZUKI]
    assert [r.resident_no for r in search_payers(ward_staff_tax, "R25-000003").rows] == [SUZUKI]


def test_auditor_and_users_without_role_find_nobody(auditor, outsider, payers):
    assert search_payers(auditor, "100000000001").count == 0
    assert search_payers(outsider, "100000000001").count == 0


def test_result_line_shows_levies_and_balance_of_the_users_levies(operator, ward_staff_tax, payers):
    (row,) = search_payers(operator, "100000000003").rows
    assert row.levies_owed == ("RT", "NH")
    assert row.total_balance == 80000 + 60000
    assert row.flags == ("plan",)
    (row,) = search_payers(ward_staff_tax, "100000000003").rows
    assert row.levies_owed == ("RT",)
    assert row.total_balance == 80000


def test_result_flags_name_each_condition(operator, payers):
    (takahashi,) = search_payers(operator, TAKAHASHI).rows
    assert takahashi.flags == ("caution",)
    (sato,) = search_payers(operator, SATO).rows
    assert sato.flags == ("public_notice",)
    (watanabe,) = search_payers(operator, "ワタナベ").rows
    assert set(watanabe.flags) == {"deceased", "measure"}


def test_result_page_shows_amount_in_yen_and_date_in_wareki(client_for, operator, payers):
    page = client_for(operator).get(reverse("search"), {"q": "スズキ"}).content.decode()
    assert "¥140,000" in page
    assert "昭和50年4月12日 (1975)" in page


def test_search_page_runs_a_fixed_number_of_queries(client_for, operator, payers):
    client = client_for(operator)
    client.get(reverse("search"), {"q": "東京"})  # warm the session
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("search"), {"q": "スズキ"})
    assert len(response.context["result"].rows) == 1
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("search"), {"q": "ロウ"})
    assert len(response.context["result"].rows) == 3
    # session + user, count, the page's one annotated query, audit append (read head,
    # insert); no session save (core.middleware.SlidingSessionMiddleware): the same
    # whatever the number of result lines.
    sql = [q["sql"] for q in three.captured_queries if not _bookkeeping(q["sql"])]
    assert len(sql) == 6, sql
    assert len(sql) == len([q for q in one.captured_queries if not _bookkeeping(q["sql"])])
    payer_queries = [s for s in sql if "people_resident" in s]
    assert len(payer_queries) == 2  # COUNT(*) for the pager and the page itself


def test_results_are_paged_by_fifty(client_for, operator, tmp_path):
    result = package_import(
        path=build_crowd_package(tmp_path / "crowd.zip", count=60), password=None
    )
    assert result.status == "imported", result.problems
    client = client_for(operator)
    first = client.get(reverse("search"), {"q": "ヤマダ"})
    assert len(first.context["result"].rows) == 50
    assert 'rel="next"' in first.content.decode()
    second = client.get(reverse("search"), {"q": "ヤマダ", "page": 2})
    assert len(second.context["result"].rows) == 10
    seen = {r.resident_no for r in first.context["result"].rows}
    assert seen.isdisjoint(r.resident_no for r in second.context["result"].rows)


def test_every_search_is_audited_with_kind_count_and_text(client_for, operator, payers):
    client_for(operator).get(reverse("search"), {"q": "たかはし"})
    entry = AuditEntry.objects.filter(action="search").latest("seq")
    assert entry.user == operator
    assert entry.detail["kind"] == "kana"
    assert entry.detail["results"] == 1
    assert entry.detail["query"] == "たかはし"
    assert entry.client_addr == "127.0.0.1"


def test_opening_the_search_page_without_a_query_is_not_a_search(client_for, operator, payers):
    client_for(operator).get(reverse("search"))
    assert not AuditEntry.objects.filter(action="search").exists()


def test_birth_date_search_matches_the_day_exactly(operator, payers):
    assert search_payers(operator, "1980-05-16").count == 0
    assert search_payers(operator, datetime.date(1980, 5, 15).isoformat()).count == 1
