"""The monthly report to the ward (業務報告書): the month's activity per channel, per
day and per operator, the collection rate, the effect of each channel, the amounts
paid after contact, the handler list, the custody ledger's summary and the audit
chain's head at the month's end; as an xlsx workbook (totals and rates are formulas,
so the ward's edits recompute) and as a PDF (WeasyPrint, Noto CJK).

`monthly_report_data` computes, `monthly_workbook` / `monthly_pdf` only lay out, so
the two files always show the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from saikoku.core.audit import GENESIS_HASH
from saikoku.core.dates import TOKYO, format_wareki
from saikoku.core.handler_export import LIST_HEADERS, handler_rows
from saikoku.core.models import AuditEntry
from saikoku.privacy.models import CustodyDirection, CustodyLedgerEntry, CustodyMedium
from saikoku.reports.collection import CARRIED, CollectionLine, collection_rates
from saikoku.reports.effect import (
    EFFECT_CHANNELS,
    EffectRow,
    channel_effect,
    paid_after_contact_by_month,
)
from saikoku.reports.figures import (
    CHANNELS,
    FIGURES,
    RATIOS,
    figure_by_operator,
    figure_series,
    figure_value,
)
from saikoku.reports.scope import ALL_LEVIES, Scope, month_bounds

__all__ = [
    "DAILY_COLUMNS",
    "MonthlyData",
    "audit_head_at",
    "monthly_pdf",
    "monthly_report_data",
    "monthly_report_files",
    "monthly_report_write",
    "monthly_workbook",
]

Progress = Callable[[int, str], None]
# The daily sheet's figures; a rate column follows each pair named in DAILY_RATES.
DAILY_COLUMNS = (
    "calls_attempted",
    "calls_right_party",
    "promises_made",
    "sms_sent",
    "sms_delivered",
    "inbound_calls",
    "inbound_answered",
    "inbound_abandoned",
    "tasks_created",
    "tasks_done",
)
OPERATOR_COLUMNS = (
    "calls_attempted",
    "calls_right_party",
    "promises_made",
    "inbound_answered",
    "tasks_done",
)


@dataclass
class MonthlyData:
    month: str
    start: dt.date
    end: dt.date
    created_at: dt.datetime
    figures: list[tuple[str, str, str, Any, str]] = field(
        default_factory=list
    )  # channel, key, label, value, unit
    daily: list[tuple[dt.date, list[int]]] = field(default_factory=list)
    operators: list[tuple[str, list[int]]] = field(default_factory=list)
    collection: list[CollectionLine] = field(default_factory=list)
    effect: list[EffectRow] = field(default_factory=list)
    paid_after_contact: int = 0
    handler_rows: list[list[str]] = field(default_factory=list)
    custody: list[tuple[str, str, int, int]] = field(
        default_factory=list
    )  # direction, medium, entries, rows
    audit_head: dict[str, Any] = field(default_factory=dict)


def _none(_p: int, _s: str) -> None:
    return None


def audit_head_at(moment: dt.datetime) -> dict[str, Any]:
    """The chain's head as it stood at the moment: the last entry before it, and how
    many entries the chain then held (what `saikoku audit verify --head-file` takes)."""
    last = (
        AuditEntry.objects.filter(at__lt=moment)
        .order_by("-seq")
        .values_list("seq", "hash", "at")
        .first()
    )
    if last is None:
        return {"seq": 0, "hash": GENESIS_HASH, "at": None, "count": 0}
    count = AuditEntry.objects.filter(seq__lte=last[0]).count()
    return {
        "seq": last[0],
        "hash": last[1],
        "at": timezone.localtime(last[2]).isoformat(),
        "count": count,
    }


def monthly_report_data(month: str, *, progress: Progress = _none) -> MonthlyData:
    start, end = month_bounds(month)
    scope = Scope(start=start, end=end, levies=ALL_LEVIES)
    data = MonthlyData(month=month, start=start, end=end, created_at=timezone.now())
    progress(5, _("活動の集計"))
    for key, fig in FIGURES.items():
        data.figures.append((fig.channel, key, str(fig.label), figure_value(key, scope), fig.unit))
    for key, ratio in RATIOS.items():
        data.figures.append(
            (ratio.channel, key, str(ratio.label), figure_value(key, scope), "percent")
        )
    order = list(CHANNELS)
    data.figures.sort(key=lambda row: order.index(row[0]))
    progress(25, _("日別の集計"))
    series = [figure_series(key, scope, by="day") for key in DAILY_COLUMNS]
    data.daily = [(day, [int(s.get(day, 0)) for s in series]) for day in scope.days()]
    progress(40, _("担当者別の集計"))
    by_user = {key: figure_by_operator(key, scope) for key in OPERATOR_COLUMNS}
    users = sorted({u for values in by_user.values() for u in values})
    names = dict(get_user_model().objects.filter(pk__in=users).values_list("pk", "username"))
    data.operators = [
        (names.get(u, str(u)), [int(by_user[key].get(u, 0)) for key in OPERATOR_COLUMNS])
        for u in users
    ]
    progress(50, _("収入率"))
    data.collection = collection_rates(on=end, levies=ALL_LEVIES)
    progress(60, _("接触の効果"))
    data.effect = channel_effect(scope)
    data.paid_after_contact = sum(
        paid_after_contact_by_month(start=start, end=end, levies=ALL_LEVIES).values()
    )
    progress(75, _("取扱者一覧・管理簿・監査証跡"))
    data.handler_rows = handler_rows(end)
    first, after = scope.moments()
    custody = (
        CustodyLedgerEntry.objects.filter(at__gte=first, at__lt=after)
        .values("direction", "medium")
        .annotate(entries=Count("pk"), rows=Sum("total_rows"))
        .values_list("direction", "medium", "entries", "rows")
        .order_by("direction", "medium")
    )
    data.custody = [
        (str(CustodyDirection(d).label), str(CustodyMedium(m).label), n, rows or 0)
        for d, m, n, rows in custody
    ]
    data.audit_head = audit_head_at(after)
    return data


# --- xlsx ---------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_BOLD = Font(bold=True)


def _setup(ws: Worksheet, title: str, header_row: int, widths: list[int]) -> None:
    for cell in ws[header_row]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "&P / &N"


def _rate(numerator: str, denominator: str) -> str:
    """A rate in percent, one decimal, blank over zero: the ward may edit its parts."""
    return f'=IF({denominator}=0,"",ROUND({numerator}/{denominator}*100,1))'


def _title(ws: Worksheet, text: str) -> None:
    ws.append([text])
    ws["A1"].font = Font(bold=True, size=13)


def monthly_workbook(data: MonthlyData) -> bytes:
    title = _("業務報告書（%(month)s）") % {"month": _month_label(data.start)}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("概要")
    _title(ws, title)
    ws.append([_("経路"), _("項目"), _("値"), _("単位")])
    rows: dict[str, int] = {}
    pending_rates = []
    for channel, key, label, value, unit in data.figures:
        ws.append([str(CHANNELS[channel]), label, None, _unit_label(unit)])
        rows[key] = ws.max_row
        if key in RATIOS:
            pending_rates.append(key)
        else:
            ws.cell(ws.max_row, 3, value)
    for key in pending_rates:
        ratio = RATIOS[key]
        ws.cell(rows[key], 3, _rate(f"C{rows[ratio.numerator]}", f"C{rows[ratio.denominator]}"))
    ws.append([])
    ws.append([_("約束・接触後30日以内の収納額"), "", data.paid_after_contact, _("円")])
    _setup(ws, title, 2, [12, 36, 16, 8])

    daily = wb.create_sheet(_("日別"))
    _title(daily, title)
    headers = [_("日付")] + [str(FIGURES[k].label) for k in DAILY_COLUMNS] + [_("本人接触率（%）")]
    daily.append(headers)
    first = daily.max_row + 1
    for day, values in data.daily:
        r = daily.max_row + 1
        daily.append([day, *values, _rate(f"C{r}", f"B{r}")])
        daily.cell(r, 1).number_format = "yyyy-mm-dd"
    last = daily.max_row
    total = last + 1
    daily.append(
        [_("合計")]
        + [
            f"=SUM({get_column_letter(c)}{first}:{get_column_letter(c)}{last})"
            for c in range(2, len(DAILY_COLUMNS) + 2)
        ]
        + [_rate(f"C{total}", f"B{total}")]
    )
    for cell in daily[total]:
        cell.font = _BOLD
    _setup(daily, title, 2, [12] + [10] * (len(DAILY_COLUMNS) + 1))

    ops = wb.create_sheet(_("担当者別"))
    _title(ops, title)
    ops.append(
        [_("利用者ID")] + [str(FIGURES[k].label) for k in OPERATOR_COLUMNS] + [_("本人接触率（%）")]
    )
    first = ops.max_row + 1
    for name, values in data.operators:
        r = ops.max_row + 1
        ops.append([_safe(name), *values, _rate(f"C{r}", f"B{r}")])
    last = ops.max_row
    total = last + 1
    ops.append(
        [_("合計")]
        + [
            f"=SUM({get_column_letter(c)}{first}:{get_column_letter(c)}{max(last, first - 1)})"
            for c in range(2, len(OPERATOR_COLUMNS) + 2)
        ]
        + [_rate(f"C{total}", f"B{total}")]
    )
    _setup(ops, title, 2, [16] + [12] * (len(OPERATOR_COLUMNS) + 1))

    col = wb.create_sheet(_("収入率"))
    _title(col, _("収入率（%(day)s 現在）") % {"day": format_wareki(data.end)})
    col.append([_("税目"), _("区分"), _("調定額"), _("収入額"), _("収入率（%）")])
    first = col.max_row + 1
    for line in data.collection:
        r = col.max_row + 1
        col.append(
            [
                line.levy,
                _part_label(line.part),
                line.charged,
                line.collected,
                _rate(f"D{r}", f"C{r}"),
            ]
        )
    last = col.max_row
    total = last + 1
    col.append(
        [
            _("合計"),
            "",
            f"=SUM(C{first}:C{last})",
            f"=SUM(D{first}:D{last})",
            _rate(f"D{total}", f"C{total}"),
        ]
    )
    for r in range(first, total + 1):
        col.cell(r, 3).number_format = col.cell(r, 4).number_format = "#,##0"
    _setup(col, title, 2, [8, 14, 16, 16, 12])

    eff = wb.create_sheet(_("効果"))
    _title(eff, title)
    eff.append([
        _("経路"), _("日数"), _("接触した件数"), _("うち納付"), _("納付率（%）"),
        _("比較対象の件数"), _("比較対象の納付率（%・層別調整）"), _("差（ポイント）"),
        _("95%信頼区間（下限）"), _("95%信頼区間（上限）"), _("1件あたり納付額の差（円）"),
        _("層の合わない接触件数"),
    ])  # fmt: skip
    for row in data.effect:
        r = eff.max_row + 1
        eff.append([
            str(EFFECT_CHANNELS[row.channel].label), row.window, row.contacted, row.contacted_paid,
            _rate(f"D{r}", f"C{r}"), row.compared, row.compared_rate,
            f'=IF(E{r}="","",E{r}-G{r})',
            row.ci_low, row.ci_high, row.amount_difference, row.unmatched,
        ])  # fmt: skip
    _setup(eff, title, 2, [16, 6] + [12] * 10)

    handlers = wb.create_sheet(_("取扱者一覧"))
    _title(handlers, _("取扱責任者・取扱者一覧（%(day)s 現在）") % {"day": format_wareki(data.end)})
    handlers.append([str(h) for h in LIST_HEADERS])
    for row in data.handler_rows:
        handlers.append([_safe(v) for v in row])
    _setup(handlers, title, 2, [14, 16, 12, 12, 14, 8, 16, 16, 16, 16])

    custody = wb.create_sheet(_("管理簿"))
    _title(custody, _("管理簿の集計"))
    custody.append([_("区分"), _("媒体"), _("記録数"), _("件数")])
    first = custody.max_row + 1
    for row in data.custody:
        custody.append(list(row))
    last = custody.max_row
    custody.append(
        [
            _("合計"),
            "",
            f"=SUM(C{first}:C{max(last, first - 1)})",
            f"=SUM(D{first}:D{max(last, first - 1)})",
        ]
    )
    _setup(custody, title, 2, [12, 14, 10, 12])

    head = wb.create_sheet(_("監査証跡"))
    _title(head, _("月末時点の監査証跡の先頭"))
    head.append([_("項目"), _("値")])
    head.append([_("連番"), data.audit_head["seq"]])
    head.append([_("ハッシュ"), data.audit_head["hash"]])
    head.append([_("日時"), data.audit_head["at"] or ""])
    head.append([_("記録数"), data.audit_head["count"]])
    _setup(head, title, 2, [14, 70])

    out = BytesIO()
    wb.save(out)
    return out.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    """A text from a record, never read as a formula by the spreadsheet."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _month_label(first: dt.date) -> str:
    """令和7年6月分"""
    return format_wareki(first, western=False).split("月")[0] + _("月分")


def _unit_label(unit: str) -> str:
    return {"count": _("件"), "yen": _("円"), "seconds": _("秒"), "percent": "%"}.get(unit, unit)


def _part_label(part: str) -> str:
    return _("滞納繰越分") if part == CARRIED else _("現年度分")


# --- PDF ----------------------------------------------------------------------------


def monthly_pdf(data: MonthlyData) -> bytes:
    from weasyprint import HTML  # imported here: only the report's PDF needs it

    html = render_to_string(
        "reports/monthly_pdf.html",
        {
            "data": data,
            "month_label": _month_label(data.start),
            "channels": CHANNELS,
            "daily_headers": [FIGURES[k].label for k in DAILY_COLUMNS],
            "operator_headers": [FIGURES[k].label for k in OPERATOR_COLUMNS],
            "collection": [(line, _part_label(line.part)) for line in data.collection],
            "effect": [(row, EFFECT_CHANNELS[row.channel].label) for row in data.effect],
            "handler_headers": LIST_HEADERS,
            "units": {u: _unit_label(u) for u in ("count", "yen", "seconds", "percent")},
            "created": timezone.localtime(data.created_at, TOKYO),
        },
    )
    return HTML(string=html).write_pdf()


def monthly_report_files(month: str, *, progress: Progress = _none) -> tuple[bytes, bytes]:
    """The workbook and the PDF of the month, from one computation of its figures."""
    data = monthly_report_data(month, progress=progress)
    progress(85, _("Excelファイル"))
    xlsx = monthly_workbook(data)
    progress(90, _("PDFファイル"))
    return xlsx, monthly_pdf(data)


def monthly_report_write(
    month: str, out_dir: Path, *, progress: Progress = _none
) -> tuple[Path, Path]:
    """Writes gyomu-hokoku-YYYY-MM.xlsx and .pdf into the folder; returns their paths."""
    xlsx, pdf = monthly_report_files(month, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx_path = out_dir / f"gyomu-hokoku-{month}.xlsx"
    pdf_path = out_dir / f"gyomu-hokoku-{month}.pdf"
    xlsx_path.write_bytes(xlsx)
    pdf_path.write_bytes(pdf)
    progress(100, _("完了"))
    return xlsx_path, pdf_path
