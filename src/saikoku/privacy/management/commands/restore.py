"""`saikoku restore IN`: restores a `saikoku backup` archive into the configured empty
database and files folder, then proves it (privacy/backup/restore.py, docs/security/backup.md).

Exit codes: 0 restored and proven; 1 refused, nothing changed (damaged, cut off,
another key, another engine, a newer version, other audit or master key, a target
that is not empty); 2 the file cannot be read; 3 restored, but the row counts or the
audit chain do not match the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.privacy.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = _("バックアップを空のデータベースに復元し、行数と監査ログを検証する")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help=_("saikoku backup で作ったファイル"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(source=options["source"])
        except BackupError as exc:
            code = {"unreadable": 2, "unproven": 3}.get(exc.code, 1)
            raise CommandError(str(exc), returncode=code) from None
        head = result.audit_head
        self.stdout.write(
            _(
                "復元しました（%(created)s のバックアップ、%(engine)s）: "
                "%(tables)d 表 %(rows)d 行、保管ファイル %(files)d 件。"
            )
            % {
                "created": result.created_at,
                "engine": result.engine,
                "tables": result.tables,
                "rows": result.rows,
                "files": result.files,
            }
        )
        self.stdout.write(
            _(
                "検証: 全表の行数が目録と一致、監査ログ %(checked)d 件の連鎖が目録の先頭 "
                "seq=%(seq)d hash=%(hash)s まで正しい。"
            )
            % {"checked": result.audit_checked, "seq": head["seq"], "hash": head["hash"]}
        )
