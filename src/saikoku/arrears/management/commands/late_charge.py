"""`saikoku late-charge`: the late charge of one bill if paid on a given day.

    saikoku late-charge --levy RT --amount 123456 --due 2025-06-30 --on 2026-01-15 \
        [--payment 2025-09-10:50000 ...] [--json]

With --json it prints exactly one JSON object (principal, late_charge, total, final,
provisional, provisional_years, segments). A day in a year whose rate is not registered
yet is computed with the last known rate: the figure is an estimate (見込み), the text
says so and the JSON has "provisional": true with the years in "provisional_years".
Wrong input exits 2 with a one-line message. It works on a data folder that was never
migrated: there are no registered rates then, so the shipped ones are used (and the
database is not created). Dates are read like the
importer reads them (2025-06-30, 20250630, 令和7年6月30日, R7.6.30 …).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.arrears.late_charge import (
    LEVIES,
    LateChargeResult,
    Payment,
    RateNotPublished,
    RateTable,
    compute_late_charge,
    shipped_rate_table,
)
from saikoku.arrears.models import LateChargeRate
from saikoku.arrears.rates import current_rate_table
from saikoku.cli import table_exists
from saikoku.core.dates import InvalidDate, parse_date
from saikoku.core.money import InvalidAmount, parse_yen


def _fail(message: str) -> CommandError:
    # One line, exit status 2 (the same status argparse uses for a usage error).
    return CommandError(" ".join(message.split()), returncode=2)


def _date(text: str, *, option: str):
    try:
        return parse_date(text)
    except InvalidDate as error:
        raise _fail(f"{option}: {error}") from None


def _yen(text: str, *, option: str) -> int:
    try:
        return parse_yen(text)
    except InvalidAmount as error:
        raise _fail(f"{option}: {error}") from None


def _payment(text: str) -> Payment:
    day, separator, amount = text.rpartition(":")
    if not separator or not day.strip():
        raise _fail(_("--payment は 日付:金額 の形で指定してください: %(text)s") % {"text": text})
    return Payment(paid_on=_date(day, option="--payment"), amount=_yen(amount, option="--payment"))


def result_as_dict(result: LateChargeResult) -> dict[str, Any]:
    """The JSON shape the command promises: amounts in whole yen, segment amounts exact strings;
    provisional: some rate is an estimate (the years in provisional_years)."""
    return {
        "principal": result.principal,
        "late_charge": result.late_charge,
        "total": result.total,
        "final": result.final,
        "provisional": bool(result.estimated_years),
        "provisional_years": list(result.estimated_years),
        "segments": [
            {
                "from": segment.start.isoformat(),
                "to": segment.end.isoformat(),
                "days": segment.days,
                "rate_percent": str(segment.rate_percent),
                "base": segment.base,
                "amount": str(segment.amount),
            }
            for segment in result.segments
        ],
    }


class Command(BaseCommand):
    help = "延滞金を計算する (1期別分、指定日に納付した場合)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--levy", required=True, help="税目: RT, LV, NH")
        parser.add_argument("--amount", required=True, help="期別額 (円)")
        parser.add_argument("--due", required=True, help="納期限")
        parser.add_argument("--on", required=True, help="納付日 (この日に納付した場合)")
        parser.add_argument(
            "--payment",
            action="append",
            default=[],
            help="既に納付した分 日付:金額 (複数可)",
        )
        parser.add_argument("--json", action="store_true", help="JSON で 1 行出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        levy = options["levy"].strip().upper()
        if levy not in LEVIES:
            raise _fail(_("税目が違います (RT, LV, NH): %(levy)s") % {"levy": options["levy"]})
        amount = _yen(options["amount"], option="--amount")
        due = _date(options["due"], option="--due")
        on = _date(options["on"], option="--on")
        payments = [_payment(text) for text in options["payment"]]
        for payment in payments:
            if payment.paid_on > on:
                raise _fail(
                    _("納付日 %(paid)s が --on %(on)s より後です")
                    % {"paid": payment.paid_on.isoformat(), "on": on.isoformat()}
                )
        try:
            result = compute_late_charge(
                levy=levy,
                principal=amount,
                due_date=due,
                on=on,
                payments=payments,
                rates=self._rates(),
            )
        except RateNotPublished as error:
            raise _fail(
                _("%(year)s年の延滞金の割合が未登録です") % {"year": error.args[0]}
            ) from None
        except ValueError as error:
            raise _fail(str(error)) from None

        if options["json"]:
            self.stdout.write(json.dumps(result_as_dict(result), ensure_ascii=False))
            return
        self.stdout.write(self._text(result))

    def _rates(self) -> RateTable:
        """The rates in force; before the database exists, the shipped ones."""
        if table_exists(LateChargeRate._meta.db_table):
            return current_rate_table()
        self.stderr.write(
            _("データベースがまだないため、同梱の割合だけで計算しました（登録済みの割合なし）。")
        )
        return shipped_rate_table().estimating()

    def _text(self, result: LateChargeResult) -> str:
        lines = [
            _("本税 (未納) %(principal)s円 延滞金 %(charge)s円 合計 %(total)s円")
            % {
                "principal": f"{result.principal:,}",
                "charge": f"{result.late_charge:,}",
                "total": f"{result.total:,}",
            },
            _("延滞金は確定しています")
            if result.final
            else _("本税が完納されるまで延滞金は確定しません"),
        ]
        if result.estimated_years:
            lines.append(
                _(
                    "見込み: %(years)s年の延滞金の割合がまだ登録されていないため、"
                    "登録済みの最新の割合で計算しています（割合が登録されると確定します）"
                )
                % {"years": "、".join(str(year) for year in result.estimated_years)}
            )
        estimated = _("（見込み）")
        for segment in result.segments:
            lines.append(
                f"  {segment.start.isoformat()}〜{segment.end.isoformat()} "
                f"{segment.days}日 {segment.rate_percent}%{estimated if segment.estimated else ''} "
                f"{segment.base:,}円 → {segment.amount}"
            )
        return "\n".join(lines)
