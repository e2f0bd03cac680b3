"""The custody ledger complete: password deliveries and returns recorded on their entry
once, open items found by the filters, the ledger for the ward as xlsx and PDF, and the
audit chain's daily head kept in the ledger so a tail cut off later is found."""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
from io import BytesIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from saikoku.core.audit import audit_record
from saikoku.core.models import AuditEntry
from saikoku.privacy.models import CustodyLedgerEntry, CustodyMedium, QuantityUnit
from saikoku.privacy.services import custody_record
from support.personas import verified_client

pytestmark = pytest.mark.django_db
APPEND_ONLY = importlib.import_module("saikoku.core.migrations.0002_audit_append_only")


def package_handed_over(**extra) -> CustodyLedgerEntry:
    return custody_record(
        direction="handed_over",
        actor=None,
        handler="admin1",
        package_id="RESULTS-0001",
        content="区への引渡（交渉記録・収集電話番号）",
        files=[{"name": "contact_records.csv", "rows": 30, "sha256": "ab" * 32}],
        sha256="cd" * 32,
        password_required=True,
        **extra,
    )


def paper_received() -> CustodyLedgerEntry:
    return custody_record(
        direction="received",
        actor=None,
        handler="佐藤",
        package_id="",
        content="催告書の控え",
        files=[],
        sha256="",
        medium=CustodyMedium.PAPER,
        quantity=40,
        quantity_unit=QuantityUnit.SHEETS,
        counterpart="税務課 山田",
        return_or_destroy_on=dt.date(2025, 12, 5),
    )


def listed(client, **filters) -> set[int]:
    page = client.get(reverse("custody_ledger"), filters).content.decode()
    return {
        entry.pk
        for entry in CustodyLedgerEntry.objects.all()
        if f'data-custody-row="{entry.pk}"' in page
    }


def test_the_password_delivery_is_recorded_once_on_its_entry_and_audited(supervisor):
    client = verified_client(supervisor)
    package, paper = package_handed_over(), paper_received()
    assert listed(client, open="password") == {package.pk}
    done = {"at": "2025-11-06T09:15", "by": "鈴木"}
    response = client.post(reverse("custody_done", args=[package.pk, "password"]), done)
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.password_delivered_by == "鈴木"
    assert package.password_delivered_at.isoformat().startswith("2025-11-06T00:15")
    assert listed(client, open="password") == set()
    assert AuditEntry.objects.filter(action="custody_password_delivered").count() == 1
    # Written once: a second delivery, or one on paper that needs no password, changes nothing.
    client.post(reverse("custody_done", args=[package.pk, "password"]), {**done, "by": "別人"})
    client.post(reverse("custody_done", args=[paper.pk, "password"]), done)
    package.refresh_from_db()
    paper.refresh_from_db()
    assert package.password_delivered_by == "鈴木" and paper.password_delivered_at is None
    assert AuditEntry.objects.filter(action="custody_password_delivered").count() == 1


def test_a_return_is_recorded_on_the_entry_and_leaves_the_open_items(supervisor):
    client = verified_client(supervisor)
    paper = paper_received()
    assert listed(client, open="return") == {paper.pk}
    client.post(
        reverse("custody_done", args=[paper.pk, "closed"]), {"at": "2025-12-04T16:00", "by": "佐藤"}
    )
    paper.refresh_from_db()
    assert paper.closed_by == "佐藤" and paper.closed_at is not None
    assert listed(client, open="return") == set()
    assert AuditEntry.objects.filter(action="custody_closed").count() == 1


def test_the_filters_narrow_by_period_direction_medium_and_handler(supervisor):
    client = verified_client(supervisor)
    package = package_handed_over(at=dt.datetime(2025, 11, 3, 1, 0, tzinfo=dt.UTC))
    paper = paper_received()
    assert listed(client, medium="paper") == {paper.pk}
    assert listed(client, direction="handed_over") == {package.pk}
    assert listed(client, handler="佐藤") == {paper.pk}
    assert listed(client, start="2025-11-01", end="2025-11-03") == {package.pk}
    bad = client.get(reverse("custody_ledger"), {"start": "2025-11-05", "end": "2025-11-01"})
    assert bad.status_code == 400 and "開始以降" in bad.content.decode()


def test_the_ledger_downloads_as_xlsx_and_a_japanese_pdf_and_both_are_audited(supervisor, tmp_path):
    client = verified_client(supervisor)
    package_handed_over()
    paper_received()
    xlsx = client.get(reverse("custody_export", args=["xlsx"]), {"medium": "paper"})
    assert xlsx.status_code == 200
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "日時" and sheet["I1"].value == "パスワード送付日時"
    assert sheet.freeze_panes == "A2"
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["催告書の控え"]
    assert sheet["F2"].value == "40枚"
    pdf = client.get(reverse("custody_export", args=["pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "ledger.pdf"
    path.write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "管理簿" in text and "催告書の控え" in text and "RESULTS-0001" in text
    assert list(
        AuditEntry.objects.filter(action="custody_export").values_list("detail", flat=True)
    ) == [{"format": "xlsx", "rows": 1}, {"format": "pdf", "rows": 2}]


def test_only_who_keeps_the_ledger_opens_it(operator):
    client = verified_client(operator)
    assert client.get(reverse("custody_ledger")).status_code == 403
    assert client.get(reverse("custody_export", args=["xlsx"])).status_code == 403


def _fill(count: int) -> None:
    for n in range(count):
        audit_record(actor=None, action="search", detail={"n": n})


def test_a_tail_cut_off_after_the_daily_head_is_found_against_the_ledger(capsys):
    _fill(30)
    call_command("audit", "head", "--ledger")
    assert capsys.readouterr().out.startswith("seq=30 ")
    kept = CustodyLedgerEntry.objects.get(direction="audit_head")
    assert kept.package_id == "AUDIT-HEAD-30" and len(kept.sha256) == 64
    _fill(5)
    call_command("audit", "verify", "--ledger")
    assert capsys.readouterr().out.startswith("OK")
    # Someone removes the newest entries, the head's own among them.
    _drop_audit_entries_after(20)
    with pytest.raises(SystemExit) as stopped:
        call_command("audit", "verify", "--ledger")
    assert stopped.value.code == 1
    assert "tail_truncated" in capsys.readouterr().err


def test_verify_against_the_ledger_needs_a_kept_head():
    from django.core.management.base import CommandError

    _fill(3)
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--ledger")


def _drop_audit_entries_after(seq: int) -> None:
    # The trail's triggers refuse deletes; someone with the database owner's rights
    # can lift them, which is what the kept head is there for.
    with connection.cursor() as cursor:
        for sql in APPEND_ONLY.statements(connection.vendor, install=False):
            cursor.execute(sql)
        cursor.execute("DELETE FROM core_auditentry WHERE seq > %s", [seq])
        for sql in APPEND_ONLY.statements(connection.vendor, install=True):
            cursor.execute(sql)
