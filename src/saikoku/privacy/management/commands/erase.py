"""`saikoku erase --package ID` and `saikoku erase --all --yes`: erasure of the ward's
personal data, proven by a scan, with the erasure certificate (privacy/erasure/,
docs/security/erasure.md).

Exit codes: 0 erased and the scan found nothing; 1 refused (nothing changed);
2 wrong use; 4 erased, but the scan still found erased values (named on stderr)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.privacy.erasure import ErasureError, ErasureResult, erase_all, erase_package


class Command(BaseCommand):
    help = _("個人データを消去し、残っていないことを走査で確かめて消去報告書を作る")

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--package", help=_("このパッケージだけが持ち込んだデータを消去する"))
        scope.add_argument(
            "--all", action="store_true", help=_("すべての個人データを消去する（契約終了時）")
        )
        parser.add_argument("--yes", action="store_true", help=_("--all の確認"))
        parser.add_argument("--handler", default="", help=_("実施者の氏名（省略時はログイン名）"))
        parser.add_argument("--confirmer", default="", help=_("確認者の氏名（消去報告書に記載）"))
        parser.add_argument(
            "--certificate",
            type=Path,
            help=_("消去報告書（PDF）の出力先（省略時はデータフォルダの erasure/）"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] and not options["yes"]:
            raise CommandError(
                _("すべての個人データを消去します。確認のため --yes を付けてください。"),
                returncode=2,
            )
        handler = options["handler"] or getpass.getuser()
        try:
            if options["all"]:
                result = erase_all(handler=handler)
            else:
                result = erase_package(package_id=options["package"], handler=handler)
        except ErasureError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self._report(result)
        path = self._certificate(result, options)
        self.stdout.write(_("消去報告書: %(path)s") % {"path": path})
        if not result.scan.clean:
            places = ", ".join(f"{k} ({v})" for k, v in sorted(result.scan.found.items()))
            raise CommandError(
                _("走査で消去した値が見つかりました: %(places)s") % {"places": places},
                returncode=4,
            )

    def _report(self, result: ErasureResult) -> None:
        self.stdout.write(
            _(
                "消去しました: 住民 %(residents)d 人、保管ファイル等 %(files)d 件、"
                "バックアップ %(backups)d 件"
            )
            % {
                "residents": result.residents,
                "files": result.files,
                "backups": sum(1 for b in result.backups if b["removed"]),
            }
        )
        for label, rows in sorted(result.counts.items()):
            self.stdout.write(_("  %(label)s: %(rows)d件") % {"label": label, "rows": rows})
        if result.kept_residents:
            self.stdout.write(
                _("他のパッケージにもある住民 %(n)d 人は残しました。")
                % {"n": result.kept_residents}
            )
        scan = result.scan
        self.stdout.write(
            _("走査: %(needles)d 個の値を %(places)d か所（%(bytes)d バイト）で探し、%(verdict)s")
            % {
                "needles": scan.needles,
                "places": len(scan.places),
                "bytes": scan.bytes_scanned,
                "verdict": _("見つかりませんでした。") if scan.clean else _("見つかりました。"),
            }
        )

    def _certificate(self, result: ErasureResult, options: dict[str, Any]) -> Path:
        from saikoku.privacy.certificate import certificate_write

        path = options["certificate"]
        if path is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.DATA_DIR) / "erasure" / f"erasure-{stamp}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        certificate_write(result, path, confirmer=options["confirmer"])
        path.with_suffix(".json").write_text(
            json.dumps(result.as_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return path
