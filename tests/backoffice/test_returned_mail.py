"""Returned mail: registration, duplicates, the address-investigation rule, the
eligibility rule, the import command's report, the day's PDF and its handoff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

import support.calls as calls
from saikoku.backoffice.models import ReturnedMail, Task, TaskKind
from saikoku.backoffice.selectors import payers_with_unresolved_returned_mail
from saikoku.outreach.eligibility import EXCLUSION_RULES, exclusions_for_payer
from saikoku.privacy.models import CustodyLedgerEntry
from support.personas import logged_in_client

pytestmark = pytest.mark.django_db


def post(client, code, key="1"):
    return client.post(reverse("returned_mail_register"), {"code": code, "reason": key})


def test_unknown_number_is_refused_at_once_with_a_message(payers, operator):
    response = post(logged_in_client(operator), "999999999999")
    page = response.content.decode()
    assert response.status_code == 400 and "data-refused" in page and "見つかりません" in page
    assert "returned_mail.js" in page  # the beep
    assert not ReturnedMail.objects.exists()


def test_a_second_return_opens_an_address_investigation_listing_the_returns(
    payers, operator, ward_staff_tax
):
    client = logged_in_client(operator)
    first = post(client, "R25-100001", "1")
    assert first.status_code == 200 and "登録しました" in first.content.decode()
    assert not Task.objects.filter(kind=TaskKind.ADDRESS_INVESTIGATION).exists()
    again = post(client, "R25-100001", "1").content.decode()
    assert "data-duplicate" in again  # the same envelope again today: flagged, no task
    assert not Task.objects.filter(kind=TaskKind.ADDRESS_INVESTIGATION).exists()
    post(client, calls.AOKI, "2")  # a second envelope, by resident number
    task = Task.objects.get(kind=TaskKind.ADDRESS_INVESTIGATION)
    assert (task.department, task.payer_id) == ("tax", payers[calls.AOKI])
    assert "2通" in task.summary and "宛所不明" in task.summary and "転居先不明" in task.summary
    assert task in set(Task.objects.filter(pk__in=[t.pk for t in _queue(ward_staff_tax)]))


def _queue(user):
    from saikoku.backoffice.selectors import task_queue

    return list(task_queue(user))


def test_the_threshold_is_a_setting(payers, operator, settings):
    settings.RETURNED_MAIL_INVESTIGATE_AFTER = 1
    post(logged_in_client(operator), "N25-100002", "3")
    assert Task.objects.get(kind=TaskKind.ADDRESS_INVESTIGATION).department == "nhi"


def test_unresolved_returned_mail_excludes_from_call_lists_until_resolved(
    payers, operator, ward_staff_tax
):
    aoki = payers[calls.AOKI]
    now = timezone.now()
    assert "returned_mail" in EXCLUSION_RULES
    assert "returned_mail" not in exclusions_for_payer(aoki, channel="outbound_call", now=now)
    post(logged_in_client(operator), calls.AOKI, "1")
    assert payers_with_unresolved_returned_mail([aoki, payers[calls.ISHII]]) == {aoki}
    assert "returned_mail" in exclusions_for_payer(aoki, channel="outbound_call", now=now)
    page = logged_in_client(ward_staff_tax).get(reverse("payer", args=[aoki])).content.decode()
    assert "data-payer-returned-mail" in page
    logged_in_client(operator).post(
        reverse("returned_mail_resolve", args=[ReturnedMail.objects.get().pk])
    )
    assert payers_with_unresolved_returned_mail(None) == set()


def test_import_reports_file_line_column_and_changes_nothing(payers, tmp_path):
    bad = tmp_path / "scan.csv"
    bad.write_text(
        "code,reason,returned_on\nR25-100001,1,2025-11-05\n000000000000,9,2025-11-05\n", "utf-8"
    )
    report = tmp_path / "report.csv"
    with pytest.raises(CommandError) as error:
        call_command("returned_mail", "import", str(bad), "--report", str(report))
    assert error.value.returncode == 1
    lines = report.read_text("utf-8").splitlines()
    assert any(line.startswith("error,scan.csv,3,code,unknown_number") for line in lines)
    assert any(line.startswith("error,scan.csv,3,reason,unknown_reason") for line in lines)
    assert not ReturnedMail.objects.exists()  # all or nothing


def test_import_reads_cp932_and_reimporting_changes_nothing(payers, tmp_path, capsys):
    good = tmp_path / "scan.csv"
    good.write_bytes(
        "code,reason,returned_on\nR25-100001,宛所不明,令和7年11月5日\nN25-100002,5,2025-11-05\n".encode(
            "cp932"
        )
    )
    call_command("returned_mail", "import", str(good))
    assert ReturnedMail.objects.count() == 2
    assert ReturnedMail.objects.get(code="R25-100001").returned_on == dt.date(2025, 11, 5)
    call_command("returned_mail", "import", str(good))
    assert ReturnedMail.objects.count() == 2
    assert "登録済み" in capsys.readouterr().out


def test_counts_pdf_and_handoff_written_in_the_custody_ledger(payers, operator, supervisor):
    post(logged_in_client(operator), "R25-100001", "4")
    post(logged_in_client(operator), "N25-100002", "4")
    day = timezone.localdate().isoformat()
    client = logged_in_client(supervisor)
    counts = client.get(reverse("returned_mail_days")).content.decode()
    assert counts.count("data-day-row") == 1
    pdf = client.get(reverse("returned_mail_day_pdf", args=[day]))
    assert pdf.content.startswith(b"%PDF-") and pdf["Content-Disposition"].startswith("attachment")
    client.post(reverse("returned_mail_hand_over", args=[day]), {"counterpart": "税務課 山田"})
    entry = CustodyLedgerEntry.objects.get(medium="paper")
    assert (entry.medium, entry.total_rows, entry.counterpart, entry.direction) == (
        "paper",
        2,
        "税務課 山田",
        "handed_over",
    )
    assert (
        logged_in_client(operator).post(reverse("returned_mail_hand_over", args=[day])).status_code
        == 403
    )
