"""`saikoku import PACKAGE.zip`: imports a ward package (a thin shell over
interchange.services.package_import).

The password never goes on the command line (it would show in the process list and the
shell history): it comes from --password-file or SAIKOKU_PACKAGE_PASSWORD.

Exit status: 0 imported (or imported already), 1 rejected, 2 when the file cannot be
read at all (missing, a folder, no permission) or the password file cannot. Output is
Japanese; the English log lines go to the log (settings.LOGGING). When the package has
problems, every one of them is in the report: --report FILE, or else
DATA_DIR/reports/<package>.report.csv, whose path the last line gives.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.interchange.report import ERROR, Problem, write_report
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
        package: Path = options["package"]
        self._readable(package)
        password = self._password(options["password_file"])
        result = package_import(path=package, password=password, handler=options["handler"])
        report = self._report(result.problems, options["report"], package)
        error_word, warning_word = _("エラー"), _("警告")
        for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
            where = ":".join(
                str(part) for part in (problem.file, problem.line, problem.column) if part
            )
            word = error_word if problem.severity == ERROR else warning_word
            self.stderr.write(f"{word}\t{where}\t{problem.code}\t{problem.message_ja}")
        if len(result.problems) > MAX_PROBLEMS_SHOWN:
            self.stderr.write(
                _("…ほか%(count)d件（全件は %(report)s）")
                % {"count": len(result.problems) - MAX_PROBLEMS_SHOWN, "report": report}
            )
        if result.status == REJECTED:
            message = _("パッケージ %(id)s を取り込みませんでした（エラー%(errors)s件）。") % {
                "id": result.package_id or package.name,
                "errors": f"{result.error_count:,}",
            }
            if report:
                message += _("一覧: %(report)s") % {"report": report}
            raise CommandError(message, returncode=1)
        if result.status == IMPORTED:
            line = _("パッケージ %(id)s（%(kind)s）を取り込みました。警告%(warnings)s件。") % {
                "id": result.package_id,
                "kind": result.kind,
                "warnings": f"{result.warning_count:,}",
            }
            if report:
                line += _("一覧: %(report)s") % {"report": report}
            self.stdout.write(line)
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
    def _readable(package: Path) -> None:
        """A missing file is a missing file, not "not a ZIP": said before anything is
        opened, audited or logged (exit 2, like any input the command cannot read)."""
        if not package.exists():
            raise CommandError(
                _("ファイルが見つかりません: %(path)s") % {"path": package}, returncode=2
            )
        if not package.is_file():
            raise CommandError(
                _("ファイルではありません（フォルダなど）: %(path)s") % {"path": package},
                returncode=2,
            )
        try:
            with package.open("rb"):
                pass
        except OSError as exc:
            raise CommandError(
                _("ファイルを読めません: %(path)s（%(error)s）")
                % {"path": package, "error": exc.strerror},
                returncode=2,
            ) from None

    @staticmethod
    def _report(problems: list[Problem], wanted: Path | None, package: Path) -> Path | None:
        """Writes every problem to --report, or when there are problems and no --report,
        to the data folder's reports/ (the screen shows only the first ones)."""
        if wanted is None and not problems:
            return None
        path = wanted or Path(settings.DATA_DIR) / "reports" / f"{package.stem}.report.csv"
        write_report(problems, path)
        return path

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
