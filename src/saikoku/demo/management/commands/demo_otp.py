"""`saikoku demo-otp USER`: the current login code of a demo user (README.md).

Works only for the demo's own users (marked by `saikoku demo`); production refuses to
start while any exists (core/checks.py, saikoku.E101), so there is nothing here for it
to print there.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from saikoku.core.mfa import totp_code, totp_device_enrolled


class Command(BaseCommand):
    help = _("デモ利用者の現在の確認コード（認証アプリの6桁）を表示します。デモ専用です。")
    # The demo's own shell runs without SAIKOKU_DEMO; the check it would trip
    # (saikoku.E101) is about a production start, which this is not.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help=_("デモ利用者の利用者ID（admin、operator など）"))

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None or not user.is_demo:
            raise CommandError(
                _("%(name)s はデモ利用者ではありません。このコマンドはデモでのみ使えます。")
                % {"name": options["username"]}
            )
        device = totp_device_enrolled(user)
        if device is None:
            raise CommandError(
                _("認証アプリが登録されていません。saikoku demo を実行してください。")
            )
        self.stdout.write(totp_code(device))
