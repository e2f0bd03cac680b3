"""The handler list (取扱責任者・取扱者一覧) as the ward files it: an xlsx workbook with
the list on a day and the changes up to that day, ready to print (A4 landscape, one
page wide, the header row repeated on every page and frozen on screen)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from io import BytesIO

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from saikoku.core.dates import format_wareki
from saikoku.core.handlers import HandlerRow, handler_changes, handlers_as_of
from saikoku.core.models import (
    Department,
    HandlerChange,
    HandlerChangeKind,
    Organisation,
    Role,
    User,
)

# A text cell starting with one of these would be a formula in Excel (CSV/formula
# injection): it is written with a leading apostrophe, shown as typed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def field_label(name: str) -> str:
    """A user field's name as the list says it (所属課, not department)."""
    try:
        return str(getattr(User._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def _day(value: datetime.date | None) -> str:
    return format_wareki(value) if value else ""


def _when(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d %H:%M}"


def print_ready_sheet(
    ws: Worksheet, title: str, headers: list[str], rows: Iterable[list[str]]
) -> None:
    """Fills a sheet as the ward prints it: a bold header row frozen on screen and
    repeated on every page, A4 landscape one page wide, formula-looking text defused."""
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    count = 0
    for row in rows:
        ws.append([_text(value) for value in row])
        count += 1
    for index, header in enumerate(headers, start=1):
        width = max(
            [
                len(header) * 2 + 2,
                *[
                    len(str(ws.cell(r, index).value or "")) * 2
                    for r in range(2, min(count, 200) + 2)
                ],
            ]
        )
        ws.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 40)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.oddHeader.center.text = title
    ws.oddFooter.center.text = "&P / &N"


def _list_rows(rows: list[HandlerRow]) -> Iterable[list[str]]:
    for row in rows:
        yield [
            row.username,
            row.name,
            _label(Organisation, row.organisation),
            _label(Role, row.role),
            _label(Department, row.department),
            row.extension,
            _day(row.valid_from),
            _day(row.valid_until),
            _day(timezone.localtime(row.registered_at).date()),
            _day(timezone.localtime(row.changed_at).date()),
        ]


def _change_rows(changes: list[HandlerChange]) -> Iterable[list[str]]:
    for change in changes:
        snap = change.snapshot
        yield [
            _when(change.at),
            _label(HandlerChangeKind, change.kind),
            snap.get("username", ""),
            snap.get("name", ""),
            _label(Role, snap.get("role", "")),
            "、".join(field_label(name) for name in change.fields),
            change.actor_name or _("（システム）"),
        ]


def handler_rows(on: datetime.date) -> list[list[str]]:
    """The list on the day as the workbook's rows (the monthly report includes it)."""
    return list(_list_rows(handlers_as_of(on)))


LIST_HEADERS = [
    gettext_lazy("利用者ID"),
    gettext_lazy("氏名"),
    gettext_lazy("所属"),
    gettext_lazy("役割"),
    gettext_lazy("所属課"),
    gettext_lazy("内線"),
    gettext_lazy("有効期間（開始）"),
    gettext_lazy("有効期間（終了）"),
    gettext_lazy("登録日"),
    gettext_lazy("最終変更日"),
]


def handler_list_workbook(on: datetime.date) -> bytes:
    """The workbook of the list on the day: sheet 1 the list, sheet 2 the changes up to
    that day, oldest first."""
    title = _("取扱責任者・取扱者一覧（%(day)s 現在）") % {"day": format_wareki(on)}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("一覧")
    print_ready_sheet(ws, title, [str(h) for h in LIST_HEADERS], _list_rows(handlers_as_of(on)))
    history = wb.create_sheet(_("変更履歴"))
    print_ready_sheet(
        history,
        title,
        [_("日時"), _("変更"), _("利用者ID"), _("氏名"), _("役割"), _("変更した項目"), _("変更者")],
        _change_rows(list(reversed(handler_changes(until_day=on)))),
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
