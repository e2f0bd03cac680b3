"""`saikoku import PACKAGE.zip`: imports a ward package (a thin shell over
interchange.services.package_import).

The password never goes on the command line (it would show in the process list and the
shell history): it comes from --password-file or SAIKOKU_PACKAGE_PASSWORD.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.interchange.report import write_report
from saikoku.interchange.services import IMPORTED, REJECTED, package_import

PASSWORD_ENV = "SAIKOKU_PACKAGE_PASSWORD"  # noqa: S105 - the variable's name, not a password
MAX_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = _("区のパッケージ（ZIP）を取り込みます。問題があれば全体を取り込みません。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package", type=Path, help=_("パッケージのZIPファイル"))
        parser.add_argument(
            "--password-file",
            type=Path,
            help=_("パスワードを記したファイル（省略時は環境変数 SAIKOKU_PACKAGE_PASSWORD）"),
        )
        parser.add_argument("--report", type=Path, help=_("問題一覧を書き出すCSVファイル"))
        parser.add_argument("--handler", default="", help=_("取扱者の氏名（管理簿に記録）"))

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._password(options["password_file"])
        result = package_import(
            path=options["package"], password=password, handler=options["handler"]
        )
        if options["report"]:
            write_report(result.problems, options["report"])
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
            where = ":".join(
                str(part) for part in (problem.file, problem.line, problem.column) if part
            )
            self.stderr.write(f"{problem.severity}\t{where}\t{problem.code}\t{problem.message_ja}")
        if len(result.problems) > MAX_PROBLEMS_SHOWN:
            self.stderr.write(
                _("…ほか%(count)d件（--report で全件を出力できます）")
                % {"count": len(result.problems) - MAX_PROBLEMS_SHOWN}
            )
        if result.status == REJECTED:
            raise CommandError(
                _("パッケージ %(id)s を取り込みませんでした（エラー%(errors)d件）。")
                % {
                    "id": result.package_id or options["package"].name,
                    "errors": len(result.errors),
                },
                returncode=1,
            )
        if result.status == IMPORTED:
            self.stdout.write(
                _("パッケージ %(id)s（%(kind)s）を取り込みました。警告%(warnings)d件。")
                % {"id": result.package_id, "kind": result.kind, "warnings": len(result.warnings)}
            )
            for name, figures in result.counts.items():
                self.stdout.write(
                    _("  %(file)s: %(rows)d件（新規%(created)d件、更新%(updated)d件）")
                    % {
                        "file": name,
                        **{k: figures.get(k, 0) for k in ("rows", "created", "updated")},
                    }
                )
        else:
            self.stdout.write(
                _("パッケージ %(id)s は取込済みです。何も変更していません。")
                % {"id": result.package_id}
            )

    @staticmethod
    def _password(password_file: Path | None) -> str | None:
        if password_file is not None:
            try:
                return password_file.read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                raise CommandError(
                    _("パスワードファイルを読めません: %(error)s") % {"error": exc.strerror},
                    returncode=2,
                ) from None
        return os.environ.get(PASSWORD_ENV) or None
