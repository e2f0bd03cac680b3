"""The dashboard, the records behind a figure and the monthly report: who sees what,
the workbook's formulas, the PDF's headings, the background task."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from saikoku.core.dates import TOKYO
from saikoku.core.models import AuditEntry
from saikoku.people.models import Resident
from saikoku.reports.models import MonthlyReport
from saikoku.reports.monthly import monthly_pdf, monthly_report_data, monthly_workbook
from saikoku.reports.tasks import monthly_report_build
from support.personas import verified_client

pytestmark = pytest.mark.django_db
JUNE = {"start": "2025-06-01", "end": "2025-06-30"}


def test_dashboard_shows_every_channel_with_links(report_ward, supervisor):
    page = verified_client(supervisor).get(reverse("report_dashboard"), JUNE)
    assert page.status_code == 200
    html = page.content.decode()
    for channel in ("calls", "sms", "inbound", "backoffice"):
        assert f'data-channel="{channel}"' in html
    assert reverse("report_records", args=["calls_attempted"]) in html
    assert "<svg" in html and "style=" not in html and "<script>" not in html


def test_an_empty_period_is_shown_in_the_fields_and_the_search_box_stays_empty(
    report_ward, supervisor
):
    with time_machine.travel(dt.datetime(2025, 6, 20, 10, tzinfo=TOKYO), tick=False):
        page = verified_client(supervisor).get(reverse("report_dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    # The period this month so far is in the fields, not only in the heading.
    assert re.search(r'name="start"[^>]*value="2025-06-01"', html)
    assert re.search(r'name="end"[^>]*value="2025-06-20"', html)
    # The header search box holds no report parameters.
    assert re.search(r'<input id="q" name="q" type="search" value=""', html)
    # Levies by name, not by code.
    assert "特別区民税・都民税・森林環境税、軽自動車税（種別割）" in html and "RT, LV" not in html


def test_ward_staff_see_only_their_departments_levies(report_ward, ward_staff_tax, ward_staff_nhi):
    tax = verified_client(ward_staff_tax)
    page = tax.get(reverse("report_records", args=["calls_attempted"]), JUNE)
    assert page.status_code == 200
    names = set(re.findall(r'href="/payers/(\d+)/"', page.content.decode()))
    rt_payers = {
        str(pk) for pk in Resident.objects.filter(bills__levy="RT").values_list("pk", flat=True)
    }
    assert names and names <= rt_payers
    html = tax.get(reverse("report_dashboard"), JUNE).content.decode()
    assert 'data-levy="NH"' not in html and 'data-levy="RT"' in html
    # A levy of another department: nothing, and no payment list.
    assert (
        tax.get(
            reverse("report_collection_records", args=["NH", "current"]), {"on": "2025-06-30"}
        ).status_code
        == 404
    )
    nhi = verified_client(ward_staff_nhi)
    assert (
        nhi.get(
            reverse("report_collection_records", args=["NH", "current"]), {"on": "2025-06-30"}
        ).status_code
        == 200
    )
    assert AuditEntry.objects.filter(action="report_records_view").count() == 2


def test_operators_and_auditors_have_no_reports(report_ward, operator, auditor, ward_staff_tax):
    assert verified_client(operator).get(reverse("report_dashboard")).status_code == 403
    assert verified_client(auditor).get(reverse("report_dashboard")).status_code == 403
    assert verified_client(ward_staff_tax).get(reverse("report_monthly")).status_code == 403


def _recompute(ws, formula: str, values: dict) -> object:
    """Evaluates the report's formula forms: SUM(range), IF(x=0,"",ROUND(a/b*100,1))."""

    def cell(ref: str) -> float:
        v = values.get(ref, ws[ref].value)
        if isinstance(v, str) and v.startswith("="):
            v = values[ref] = _recompute(ws, v, values)
        return 0 if v in (None, "") else v

    body = formula[1:]
    if m := re.fullmatch(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", body):
        col, a, _c, b = m.groups()
        return sum(cell(f"{col}{r}") for r in range(int(a), int(b) + 1))
    if m := re.fullmatch(r'IF\(([A-Z]+\d+)=0,"",ROUND\(([A-Z]+\d+)/([A-Z]+\d+)\*100,1\)\)', body):
        bottom, top, _ = m.group(1), m.group(2), m.group(3)
        return "" if cell(bottom) == 0 else round(cell(top) / cell(bottom) * 100, 1)
    if m := re.fullmatch(r'IF\(([A-Z]+\d+)="","",([A-Z]+\d+)-([A-Z]+\d+)\)', body):
        first = cell(m.group(1))
        return "" if first == "" else round(first - cell(m.group(3)), 1)
    raise AssertionError(formula)


def test_the_workbook_has_formulas_that_hold(report_ward):
    data = monthly_report_data("2025-06")
    wb = load_workbook(BytesIO(monthly_workbook(data)))
    assert wb.sheetnames[:4] == ["概要", "日別", "担当者別", "収入率"]
    daily = wb["日別"]
    assert daily.freeze_panes == "A3" and daily.print_title_rows == "$2:$2"
    assert daily.page_setup.orientation == "landscape"
    total_row = daily.max_row
    assert daily.cell(total_row, 2).value == f"=SUM(B3:B{total_row - 1})"
    values: dict = {}
    assert _recompute(daily, daily.cell(total_row, 2).value, values) == sum(
        v[0] for _d, v in data.daily
    )
    col = wb["収入率"]
    for r in range(3, col.max_row + 1):
        formula = col.cell(r, 5).value
        assert formula.startswith("=IF(")
        charged, collected = (
            _recompute(col, f"=SUM(C{r}:C{r})", {}),
            _recompute(col, f"=SUM(D{r}:D{r})", {}),
        )
        expected = "" if charged == 0 else round(collected / charged * 100, 1)
        assert _recompute(col, formula, {}) == expected
    for line, r in zip(data.collection, range(3, col.max_row), strict=False):
        assert (col.cell(r, 3).value, col.cell(r, 4).value) == (line.charged, line.collected)
    summary = wb["概要"]
    rates = [c for c in summary["C"] if isinstance(c.value, str) and c.value.startswith("=IF(")]
    assert rates
    for c in rates:
        _recompute(summary, c.value, {})
    head = wb["監査証跡"]
    assert head["B4"].value == data.audit_head["hash"] and len(head["B4"].value) == 64


def test_the_pdf_renders_with_its_japanese_headings(report_ward, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(monthly_pdf(monthly_report_data("2025-06")))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for heading in (
        "業務報告書",
        "収入率",
        "接触の効果",
        "取扱責任者・取扱者一覧",
        "管理簿の集計",
        "月末時点の監査証跡の先頭",
    ):
        assert heading in text


def test_the_console_produces_the_report_in_the_background(report_ward, supervisor):
    client = verified_client(supervisor)
    response = client.post(reverse("report_monthly"), {"month": "2025-06"})
    run = MonthlyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "report_monthly_run", args=[run.pk]
    )
    polling = client.get(
        reverse("report_monthly_run", args=[run.pk]), headers={"HX-Request": "true"}
    )
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    assert monthly_report_build.call(run.pk) == "done"
    done = client.get(reverse("report_monthly_run", args=[run.pk])).content.decode()
    assert 'data-run-status="done"' in done and "hx-trigger" not in done
    xlsx = client.get(reverse("report_monthly_file", args=[run.pk, "xlsx"]))
    assert load_workbook(BytesIO(xlsx.content)).sheetnames[0] == "概要"
    assert client.get(reverse("report_monthly_file", args=[run.pk, "pdf"])).content[:4] == b"%PDF"
    assert AuditEntry.objects.filter(action="monthly_report_download").count() == 2


def test_a_bad_month_is_refused_in_japanese(supervisor):
    page = verified_client(supervisor).post(reverse("report_monthly"), {"month": "2025-13"})
    assert page.status_code == 400 and "2025-06 の形" in page.content.decode()
