"""`saikoku backup OUT`: an encrypted backup of the database and the stored files
(privacy/backup/create.py, docs/security/backup.md).

Exit codes: 0 written; 1 the backup failed (pg_dump, disk); 2 wrong use (OUT exists or
its folder is missing, no usable backup key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.privacy.backup import BackupError, backup_create

WRONG_USE = {"exists", "no_folder", "bad_key", "generated_key"}


class Command(BaseCommand):
    help = _("データベースと保管ファイルを暗号化してバックアップする")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help=_("書き出すバックアップファイル（新規）"))
        parser.add_argument(
            "--custodian", default="", help=_("バックアップの保管者（管理簿の相手方）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SAIKOKU_PRODUCTION and settings.BACKUP_KEY_GENERATED_FILE is not None:
            raise CommandError(
                _(
                    "本番ではバックアップの鍵を SAIKOKU_BACKUP_KEY_FILE で与えてください"
                    "（サーバーに生成した鍵はサーバーと一緒に失われます）。"
                ),
                returncode=2,
            )
        try:
            result = backup_create(out=options["out"], custodian=options["custodian"])
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2 if exc.code in WRONG_USE else 1) from None
        head = result.audit_head
        self.stdout.write(
            _(
                "バックアップを書きました: %(path)s（%(bytes)d バイト、%(engine)s、"
                "%(tables)d 表 %(rows)d 行、保管ファイル %(files)d 件）"
            )
            % {
                "path": result.path,
                "bytes": result.bytes,
                "engine": result.engine,
                "tables": result.tables,
                "rows": result.rows,
                "files": result.files,
            }
        )
        self.stdout.write(
            _("監査ログの先頭: seq=%(seq)d hash=%(hash)s")
            % {"seq": head["seq"], "hash": head["hash"]}
        )
        self.stdout.write(_("SHA-256: %(sha)s") % {"sha": result.sha256})
