"""`saikoku keys status` and `saikoku keys rotate [--new-key-file FILE] [--reencrypt]`:
the envelope encryption's keys (privacy/keys.py, docs/security/keys.md).

Exit codes: 0 done; 2 wrong use (no new key given, unreadable or short key file);
3 the master key in the settings does not open the data keys (nothing changed);
4 a value or file failed its check during re-encryption (the old data key is kept,
so the run can be repeated once the damage is dealt with).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.privacy import keys
from saikoku.privacy.files import EncryptedFileError, write_private_file
from saikoku.privacy.rotation import data_reencrypt, master_key_rotate


class Command(BaseCommand):
    help = _("暗号鍵の状態を表示する (status)、マスター鍵を更新しデータ鍵を再暗号化する (rotate)")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("status", help=_("マスター鍵の指紋とデータ鍵の一覧を表示する"))
        rotate = sub.add_parser("rotate", help=_("データ鍵を新しいマスター鍵で包み直す"))
        rotate.add_argument(
            "--new-key-file",
            type=Path,
            help=_("新しいマスター鍵を入れたファイル（32文字以上の乱数）"),
        )
        rotate.add_argument(
            "--reencrypt",
            action="store_true",
            help=_(
                "新しいデータ鍵を作り、暗号化したデータをすべて暗号化し直す（サービス停止中に）"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "status":
                self._status()
            else:
                self._rotate(options["new_key_file"], reencrypt=options["reencrypt"])
        except keys.MasterKeyError as exc:
            raise CommandError(
                _("マスター鍵がデータ鍵を開けません。何も変更していません。") + f"\n{exc}",
                returncode=3,
            ) from None

    def _status(self) -> None:
        status = keys.key_status()
        source = (
            _("データフォルダに生成（開発用）")
            if status.master_generated
            else _("環境変数・ファイル")
        )
        self.stdout.write(
            _("マスター鍵: 指紋 %(fp)s（%(source)s）")
            % {"fp": status.master_fingerprint, "source": source}
        )
        if not status.data_keys:
            self.stdout.write(_("データ鍵: まだありません（最初の暗号化で作成されます）"))
        for info in status.data_keys:
            self.stdout.write(
                _("データ鍵 %(id)s: %(state)s、作成 %(created)s、マスター鍵 %(fp)s、%(opens)s")
                % {
                    "id": info.key_id,
                    "state": _("使用中") if info.active else _("旧鍵（再暗号化の途中）"),
                    "created": f"{info.created_at:%Y-%m-%d %H:%M}",
                    "fp": info.master_fingerprint,
                    "opens": _("開けます") if info.opens else _("このマスター鍵では開けません"),
                }
            )
        if any(not info.opens for info in status.data_keys):
            raise CommandError(_("設定のマスター鍵で開けないデータ鍵があります。"), returncode=3)

    def _new_master(self, path: Path | None) -> tuple[str, Path | None]:
        """(the new master key, the generated key file to replace or None)."""
        if path is not None:
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CommandError(
                    _("%(path)s を読めません: %(error)s") % {"path": path, "error": exc.strerror},
                    returncode=2,
                ) from None
            if len(value) < keys.MIN_MASTER_KEY_CHARS:
                raise CommandError(
                    _(
                        "%(path)s の鍵が短すぎます。32文字以上の乱数にしてください"
                        "（例: %(example)s）。"
                    )
                    % {"path": path, "example": "openssl rand -base64 48"},
                    returncode=2,
                )
            if value == str(settings.MASTER_KEY):
                raise CommandError(_("新しいマスター鍵が今の鍵と同じです。"), returncode=2)
            return value, None
        generated = settings.MASTER_KEY_GENERATED_FILE
        if generated is None:
            raise CommandError(
                _(
                    "マスター鍵は環境変数またはファイルから与えられています。新しい鍵を"
                    " --new-key-file で指定してください。"
                ),
                returncode=2,
            )
        return keys.generate_master_key(), Path(generated)

    def _rotate(self, new_key_file: Path | None, *, reencrypt: bool) -> None:
        if reencrypt:
            try:
                result = data_reencrypt()
            except (keys.CiphertextError, keys.DataKeyMissing, EncryptedFileError) as exc:
                raise CommandError(
                    _("再暗号化を中止しました（旧データ鍵は残っています）: %(error)s")
                    % {"error": exc},
                    returncode=4,
                ) from None
            self.stdout.write(
                _("新しいデータ鍵 %(id)s で暗号化し直しました。") % {"id": result.new_key_id}
            )
            for label, rows in result.rows.items():
                self.stdout.write(_("  %(field)s: %(rows)d件") % {"field": label, "rows": rows})
            self.stdout.write(
                _("  保管ファイル: %(files)d件、受取待ちの結果パッケージ: %(exports)d件")
                % {"files": result.files, "exports": result.staged_exports}
            )
            self.stdout.write(
                _("旧データ鍵を破棄しました: %(ids)s") % {"ids": ", ".join(result.retired) or "-"}
            )
            if new_key_file is None:
                return  # the data key alone was renewed: the master key stays
        new_master, generated = self._new_master(new_key_file)
        old_fingerprint = keys.master_key_fingerprint()
        if generated is None:
            ids = master_key_rotate(new_master)
        else:
            # The new key is on disk before the database depends on it, and replaces
            # the old one only once the database does.
            pending = generated.with_name(generated.name + ".new")
            write_private_file(pending, new_master.encode("utf-8"))
            try:
                ids = master_key_rotate(new_master)
            except BaseException:
                pending.unlink(missing_ok=True)
                raise
            pending.replace(generated)
        self.stdout.write(
            _("データ鍵 %(ids)s をマスター鍵 %(old)s から %(new)s に包み直しました。")
            % {
                "ids": ", ".join(ids) or "-",
                "old": old_fingerprint,
                "new": keys.master_key_fingerprint(new_master),
            }
        )
        if generated is not None:
            self.stdout.write(_("新しい鍵を %(path)s に書きました。") % {"path": generated})
        else:
            self.stdout.write(
                _(
                    "SAIKOKU_MASTER_KEY_FILE を %(path)s に向けてサービスを再起動してください。"
                    "旧鍵は、それで包んだ時点のバックアップを読むために別に保管してください。"
                )
                % {"path": new_key_file}
            )
