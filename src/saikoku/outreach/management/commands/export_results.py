"""`saikoku export-results OUT.zip [--since DATE]`: the results package for the ward (a
thin shell over outreach.results.services.results_export).

The package's password is printed once, here, on the terminal; it is stored nowhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.core.dates import InvalidDate, parse_date
from saikoku.outreach.results.services import results_export


class Command(BaseCommand):
    help = _("区へ渡す結果パッケージ（交渉記録・収集電話番号、暗号化ZIP）を作成します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path, help=_("作成するZIPファイル"))
        parser.add_argument(
            "--since", default="", help=_("この日以降の記録だけを出力（例: 2025-11-01）")
        )
        parser.add_argument("--handler", default="", help=_("取扱者の氏名（管理簿に記録）"))

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        since = None
        if options["since"]:
            try:
                since = parse_date(options["since"])
            except InvalidDate:
                raise CommandError(
                    _("--since の日付が正しくありません: %(value)s") % {"value": options["since"]},
                    returncode=2,
                ) from None
        if output.exists():
            raise CommandError(
                _("%(path)s は既にあります。別のファイル名を指定してください。") % {"path": output},
                returncode=2,
            )
        result = results_export(actor=None, path=output, since=since, handler=options["handler"])
        self.stdout.write(
            _("結果パッケージ %(id)s を作成しました: %(path)s")
            % {"id": result.package_id, "path": output}
        )
        for name, rows in result.counts.items():
            self.stdout.write(_("  %(file)s: %(rows)d件") % {"file": name, "rows": rows})
        self.stdout.write(f"  SHA-256: {result.sha256}")
        self.stdout.write(_("パスワード: %(password)s") % {"password": result.password})
        self.stdout.write(
            _(
                "このパスワードは再表示できません。パッケージとは別の経路で区に伝えてください"
                "（管理簿には記録していません）。"
            )
        )
