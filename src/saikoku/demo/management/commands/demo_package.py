"""`saikoku demo-package OUT.zip`: writes a synthetic ward package, imports nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.demo.generator import generate_package


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = _("日付は YYYY-MM-DD で指定してください: %(text)s") % {"text": text}
        raise CommandError(message) from None


class Command(BaseCommand):
    help = _("デモ用の合成区データパッケージ（ZIP）を書き出します。取り込みはしません。")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help=_("書き出す ZIP ファイル"))
        parser.add_argument("--scale", type=float, default=1.0, help=_("1.0 = 新宿区の規模"))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--password-file", type=Path, help=_("AES-256 暗号化のパスワードを記したファイル")
        )
        parser.add_argument("--encoding", choices=("utf-8", "cp932"), default="utf-8")
        parser.add_argument("--today", type=_iso_date, help=_("抽出日 YYYY-MM-DD（既定: 今日）"))

    def handle(self, *args, **options) -> None:
        if options["scale"] <= 0:
            raise CommandError(_("--scale は正の数で指定してください。"))
        password = None
        if options["password_file"]:
            password = options["password_file"].read_text(encoding="utf-8").strip()
            if not password:
                raise CommandError(_("パスワードファイルが空です。"))
        summary = generate_package(
            options["out"],
            scale=options["scale"],
            seed=options["seed"],
            password=password,
            encoding=options["encoding"],
            today=options["today"],
        )
        self.stdout.write(_("パッケージID: %(id)s") % {"id": summary.package_id})
        self.stdout.write(_("ファイル: %(path)s") % {"path": summary.path})
        for name, rows in summary.rows.items():
            self.stdout.write(f"  {name:<16} {rows:>9,}")
        self.stdout.write(f"SHA-256: {summary.sha256}")
