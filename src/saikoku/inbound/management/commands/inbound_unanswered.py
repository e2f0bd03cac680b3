"""`saikoku inbound-unanswered`: transfers to ward staff nobody accepted in time become
call-back tasks in the department's queue (run every minute, docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from saikoku.inbound.services import transfers_expire


class Command(BaseCommand):
    help = _("区職員が受け付けなかった転送を、担当課の折返しタスクにします。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--after",
            type=int,
            default=None,
            metavar=_("秒"),
            help=_(
                "この秒数を過ぎても受け付けられていない転送（既定: SAIKOKU_CTI_TRANSFER_TIMEOUT）"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        after = options["after"]
        if after is None:
            after = settings.SAIKOKU_CTI_TRANSFER_TIMEOUT
        turned = transfers_expire(after_seconds=max(after, 0))
        self.stdout.write(
            _("応答のなかった転送 %(count)d件を折返しタスクにしました。") % {"count": turned}
        )
