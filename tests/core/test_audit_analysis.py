"""The audit analysis on a scripted day with known anomalies: it reports exactly those,
with exactly the entries behind them, through the command, the page and the downloads.

The day (Wednesday 2026-11-25, Tokyo) goes through the real views: a login at 09:30,
a supervisor opening 40 payers between 10:00 and 10:40, ward staff opening the
caution-flagged payer, an operator opening a payer outside their work (with a reason),
30 payers in the 14:00 hour (the threshold, not above it), a failed login, an account
reveal and a login at 23:10.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from saikoku.arrears.calendar import is_holiday
from saikoku.arrears.models import Account
from saikoku.core.audit_analysis import (
    KINDS,
    AnalysisRules,
    analyze,
    is_working_day,
    is_working_time,
)
from saikoku.core.models import AuditAnalysis, AuditEntry
from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.audit_ward import build_audit_ward, resident_no
from support.personas import PASSWORD, client_login, make_user, verified_client

TOKYO = ZoneInfo("Asia/Tokyo")
DAY = dt.date(2026, 11, 25)
RULES = AnalysisRules(
    hours_start=dt.time(8, 0),
    hours_end=dt.time(21, 0),
    saturday_is_working_day=True,
    payers_per_hour=30,
)


def at(hour: int, minute: int = 0, second: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TOKYO)


def new_seqs(step: Callable[[], object]) -> list[int]:
    """Runs a step and returns the seq of every audit entry it wrote."""
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    step()
    return list(
        AuditEntry.objects.filter(seq__gt=before).order_by("seq").values_list("seq", flat=True)
    )


def seqs_of(seqs: list[int], action: str) -> list[int]:
    return list(
        AuditEntry.objects.filter(seq__in=seqs, action=action).values_list("seq", flat=True)
    )


@pytest.fixture
def day_of_work(db, tmp_path):
    """Plays the day; returns the seq of the entries each anomaly must name."""
    with time_machine.travel(at(8, 30), tick=False):
        result = package_import(
            path=build_audit_ward(tmp_path / "ward.zip"), password=None, handler="test"
        )
        assert result.status == "imported", result.problems
    ids = dict(Resident.objects.values_list("resident_no", "id"))
    op = make_user("op1", "operator")
    sv = make_user("sv1", "supervisor")
    tax = make_user("tax1", "ward_staff", "tax")
    make_user("aud1", "auditor")
    expect: dict[str, list[list[int]]] = {kind: [] for kind in KINDS}

    with time_machine.travel(at(9, 30), tick=True):
        new_seqs(lambda: client_login(verified_client(None), op))

    many: list[int] = []
    for i in range(40):
        with time_machine.travel(at(10, i), tick=False):
            client = verified_client(sv)
            many += new_seqs(
                lambda i=i, client=client: client.get(f"/payers/{ids[resident_no(i + 5)]}/")
            )
    assert len(many) == 40
    expect["many_payers"].append(many)

    with time_machine.travel(at(11, 0), tick=False):
        caution = new_seqs(lambda: verified_client(tax).get(f"/payers/{ids[resident_no(0)]}/"))
    expect["caution_view"].append(seqs_of(caution, "payer_view"))

    with time_machine.travel(at(13, 0), tick=False):
        client = verified_client(op)
        url = f"/payers/{ids[resident_no(3)]}/"
        assert new_seqs(lambda: client.get(url)) == []  # the reason is asked first
        flagged = new_seqs(lambda: client.get(url, {"purpose": "mail_or_visit"}))
    expect["no_work"].append(flagged)

    for i in range(30):  # the threshold itself is no anomaly
        with time_machine.travel(at(14, i), tick=False):
            client = verified_client(sv)
            new_seqs(lambda i=i, client=client: client.get(f"/payers/{ids[resident_no(i + 5)]}/"))

    with time_machine.travel(at(15, 0), tick=False):
        failed = new_seqs(
            lambda: verified_client(None).post(
                "/login/", {"username": "op1", "password": PASSWORD + "x"}
            )
        )
    expect["failed_login"].append(seqs_of(failed, "login_failed"))

    account = Account.objects.get(payer_id=ids[resident_no(1)])
    with time_machine.travel(at(16, 0), tick=False):
        reveal = new_seqs(
            lambda: verified_client(tax).post(
                reverse("account_reveal", args=[ids[resident_no(1)], account.pk])
            )
        )
    expect["export_reveal"].append(seqs_of(reveal, "account_reveal"))

    with time_machine.travel(at(23, 10), tick=True):
        night = new_seqs(lambda: client_login(verified_client(None), op))
    assert seqs_of(night, "login")
    expect["off_hours"].append(night)
    return expect


def found(analysis) -> dict[str, list[list[int]]]:
    return {kind: [list(f.seqs) for f in analysis.findings[kind]] for kind in KINDS}


def test_the_day_reports_exactly_its_anomalies_with_their_entries(day_of_work):
    analysis = analyze(DAY, DAY, RULES)
    assert found(analysis) == day_of_work
    assert analysis.counts() == dict.fromkeys(KINDS, 1)
    many = analysis.findings["many_payers"][0]
    assert (many.who, many.note["payers"]) == ("sv1", 40)
    assert analysis.findings["off_hours"][0].who == "op1"
    assert analysis.findings["caution_view"][0].who == "tax1"


def test_the_thresholds_are_the_rules_given(day_of_work):
    lenient = AnalysisRules(
        hours_start=dt.time(8, 0),
        hours_end=dt.time(23, 30),
        saturday_is_working_day=True,
        payers_per_hour=40,
    )
    counts = analyze(DAY, DAY, lenient).counts()
    assert counts["off_hours"] == 0 and counts["many_payers"] == 0
    strict = AnalysisRules(
        hours_start=dt.time(8, 0),
        hours_end=dt.time(21, 0),
        saturday_is_working_day=True,
        payers_per_hour=29,
    )
    assert analyze(DAY, DAY, strict).counts()["many_payers"] == 2


def test_another_day_has_none_of_them(day_of_work):
    assert analyze(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1), RULES).total() == 0


def test_the_command_prints_text_and_json_and_stores_the_day(day_of_work):
    out = io.StringIO()
    call_command("audit", "analyze", "--from", DAY.isoformat(), "--to", DAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "勤務時間外のアクセス: 1" in text and "処理注意者の閲覧: 1" in text
    assert "[many_payers]" in text and "sv1" in text

    out = io.StringIO()
    call_command("audit", "analyze", "--from", DAY.isoformat(), "--json", stdout=out)
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    assert data["counts"] == dict.fromkeys(KINDS, 1)
    by_kind = {kind: [f["seqs"] for f in data["findings"] if f["kind"] == kind] for kind in KINDS}
    assert by_kind == day_of_work
    assert not AuditAnalysis.objects.exists()

    with time_machine.travel(at(0, 30, day=DAY + dt.timedelta(days=1)), tick=False):
        call_command("audit", "analyze", "--yesterday", stdout=io.StringIO())
    stored = AuditAnalysis.objects.get()
    assert stored.day == DAY and stored.counts == dict.fromkeys(KINDS, 1)
    run = AuditEntry.objects.filter(action="audit_analysis_run").order_by("seq")
    assert run.count() == 3 and run.last().detail["stored"] is True


def test_the_command_writes_xlsx_and_a_japanese_pdf(day_of_work, tmp_path):
    xlsx, pdf = tmp_path / "report.xlsx", tmp_path / "report.pdf"
    call_command(
        "audit", "analyze", "--from", DAY.isoformat(), "--out", str(xlsx), stdout=io.StringIO()
    )
    call_command(
        "audit", "analyze", "--from", DAY.isoformat(), "--out", str(pdf), stdout=io.StringIO()
    )
    sheet = load_workbook(xlsx)["内訳"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:3] == ["種別", "内容", "seq"]
    assert sheet.max_row - 1 == sum(len(s) for seqs in day_of_work.values() for s in seqs)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "監査ログの分析" in text and "処理注意者の閲覧" in text
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    assert list(tmp_path.glob("page*.png"))


def test_the_command_refuses_a_wrong_period(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("audit", "analyze", "--from", "2026-12-02", "--to", "2026-12-01")
    with pytest.raises(CommandError):
        call_command("audit", "analyze", "--from", "いつか")
    with pytest.raises(CommandError):
        call_command("audit", "analyze", "--from", "2026-12-01", "--out", str(tmp_path / "x.txt"))


def test_the_page_shows_each_kind_with_its_entries_and_is_audited(day_of_work):
    from django.contrib.auth import get_user_model

    auditor = get_user_model().objects.get(username="aud1")
    client = verified_client(auditor)
    query = {"date_from": DAY.isoformat(), "date_to": DAY.isoformat()}
    seqs = new_seqs(lambda: setattr(client, "answer", client.get(reverse("audit_analysis"), query)))
    answer = client.answer
    assert answer.status_code == 200
    html = answer.content.decode()
    for label in KINDS.values():
        assert str(label) in html
    viewer = reverse("audit_log")
    assert f'href="{viewer}?action=payer_view' in html
    entry = AuditEntry.objects.get(seq__in=seqs)
    assert entry.action == "audit_analysis_view" and entry.detail["counts"] == dict.fromkeys(
        KINDS, 1
    )

    download = reverse("audit_analysis_download", args=["xlsx"])
    seqs = new_seqs(lambda: setattr(client, "answer", client.get(download, query)))
    assert client.answer.status_code == 200
    book = load_workbook(io.BytesIO(client.answer.content))
    assert book["件数"].freeze_panes == "A2"
    exported = AuditEntry.objects.get(seq__in=seqs)
    assert exported.action == "audit_analysis_export" and exported.detail["format"] == "xlsx"

    pdf = client.get(reverse("audit_analysis_download", args=["pdf"]), query)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("audit_analysis_download", args=["csv"]), query).status_code == 404


def test_the_page_shows_a_stored_day_as_it_was_found(day_of_work):
    from django.contrib.auth import get_user_model

    with time_machine.travel(at(0, 30, day=DAY + dt.timedelta(days=1)), tick=False):
        call_command("audit", "analyze", "--yesterday", stdout=io.StringIO())
    admin = make_user("admin1", "ward_admin")
    client = verified_client(admin)
    html = client.get(reverse("audit_analysis"), {"date_from": DAY.isoformat()}).content.decode()
    assert "毎日の分析の結果" in html
    assert client.get(reverse("audit_analysis")).status_code == 200
    auditor = get_user_model().objects.get(username="aud1")
    assert (
        verified_client(auditor)
        .get(reverse("audit_analysis"), {"date_from": "2026-12-02", "date_to": "2026-01-01"})
        .status_code
        == 200
    )


@pytest.mark.parametrize("role", ["operator", "supervisor", "ward_staff"])
def test_only_ward_admin_and_auditor_see_the_analysis(db, role):
    client = verified_client(make_user("someone", role, "tax" if role == "ward_staff" else ""))
    assert client.get(reverse("audit_analysis")).status_code == 403
    assert client.get(reverse("audit_analysis_download", args=["pdf"])).status_code == 403


# --- the working-hours rule ----------------------------------------------------------

hours = st.times(min_value=dt.time(0, 0), max_value=dt.time(23, 58))
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))


def _rules(start: dt.time, end: dt.time, saturday: bool = True) -> AnalysisRules:
    return AnalysisRules(
        hours_start=start, hours_end=end, saturday_is_working_day=saturday, payers_per_hour=30
    )


@settings(max_examples=200, deadline=None)
@given(day=days, start=hours, length=st.integers(min_value=1, max_value=12 * 60))
def test_the_working_hours_start_inclusive_and_end_exclusive(day, start, length):
    begin = dt.datetime.combine(day, start, tzinfo=TOKYO)
    end_at = min(
        begin + dt.timedelta(minutes=length),
        dt.datetime.combine(day, dt.time(23, 59), tzinfo=TOKYO),
    )
    if end_at <= begin:
        return
    rules = _rules(start, end_at.time())
    tick = dt.timedelta(microseconds=1)
    working = is_working_day(day, rules)
    assert is_working_time(begin, rules) is working
    assert is_working_time(end_at - tick, rules) is working
    assert is_working_time(end_at, rules) is False
    assert is_working_time(begin - tick, rules) is False
    # The same moment written in UTC is judged the same (Tokyo time counts).
    assert is_working_time(begin.astimezone(dt.UTC), rules) is working


@settings(max_examples=200, deadline=None)
@given(day=days, moment=hours, saturday=st.booleans())
def test_closed_days_have_no_working_hours(day, moment, saturday):
    rules = _rules(dt.time(0, 0), dt.time(23, 59), saturday)
    when = dt.datetime.combine(day, moment, tzinfo=TOKYO)
    closed = day.weekday() == 6 or is_holiday(day) or (day.weekday() == 5 and not saturday)
    assert is_working_time(when, rules) is (not closed)
