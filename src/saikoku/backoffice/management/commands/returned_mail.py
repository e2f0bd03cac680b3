"""`saikoku returned-mail import FILE.csv`: registers a batch scanner's file of returned
envelopes, all or nothing (a thin shell over backoffice.returned_mail_import).

Exit status: 0 imported (or imported already: nothing changes), 1 rejected, 2 when the
file cannot be read. When rejected, every problem is in the report (file, line,
column, code, Japanese and English message): --report FILE, or else
DATA_DIR/reports/<file>.report.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.backoffice.returned_mail_import import ALREADY, REJECTED, returned_mail_import
from saikoku.interchange.report import write_report

MAX_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = _("返戻郵便のスキャン結果（CSV）を一括登録します。問題があれば全体を登録しません。")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("import", help=_("CSVファイルを登録する"))
        run.add_argument("file", type=Path, help=_("CSVファイル（UTF-8 または CP932）"))
        run.add_argument("--report", type=Path, help=_("問題一覧を書き出すCSVファイル"))

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(
                _("ファイルが見つかりません: %(path)s") % {"path": path}, returncode=2
            )
        try:
            outcome = returned_mail_import(path=path)
        except OSError as exc:
            raise CommandError(
                _("ファイルを読めません: %(path)s（%(error)s）")
                % {"path": path, "error": exc.strerror},
                returncode=2,
            ) from None
        if outcome.status == ALREADY:
            self.stdout.write(
                _("%(file)s は登録済みです。何も変更していません。") % {"file": path.name}
            )
            return
        if outcome.status == REJECTED:
            report = options["report"] or (
                Path(settings.DATA_DIR) / "reports" / f"{path.stem}.report.csv"
            )
            write_report(outcome.problems, report)
            for problem in outcome.problems[:MAX_PROBLEMS_SHOWN]:
                where = ":".join(
                    str(part) for part in (problem.file, problem.line, problem.column) if part
                )
                self.stderr.write(f"{_('エラー')}\t{where}\t{problem.code}\t{problem.message_ja}")
            raise CommandError(
                _("%(file)s を登録しませんでした（エラー%(errors)d件）。一覧: %(report)s")
                % {"file": path.name, "errors": len(outcome.problems), "report": report},
                returncode=1,
            )
        self.stdout.write(
            _(
                "%(count)d通を登録しました（同日の重複%(duplicates)d通、住所調査タスク%(tasks)d件）。"
            )
            % {
                "count": outcome.registered,
                "duplicates": outcome.duplicates,
                "tasks": outcome.tasks,
            }
        )
