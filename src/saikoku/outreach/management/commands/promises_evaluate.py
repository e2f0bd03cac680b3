"""`saikoku promises-evaluate [--today DATE]`: judge open promises once a day.

Every import judges promises too; this daily run (cron or a systemd timer, see
docs/operations.md) makes a promise broken on the day after its date plus the grace
even when no package arrives that day, so the payer returns to the lists on time.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.dates import InvalidDate, parse_date
from saikoku.outreach.promises.services import promises_evaluate


class Command(BaseCommand):
    help = _("納付約束の履行・不履行を判定します（毎日実行）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help=_("判定日（既定: 今日）"))

    def handle(self, *args, **options) -> None:
        try:
            today = parse_date(options["today"]) if options["today"] else timezone.localdate()
        except InvalidDate as error:
            raise CommandError(str(error), returncode=2) from None
        with transaction.atomic(durable=True):
            counts = promises_evaluate(today=today)
        self.stdout.write(
            _("判定日 %(today)s: 履行 %(kept)d 件、不履行 %(broken)d 件、約束中 %(open)d 件")
            % {"today": today.isoformat(), **counts}
        )
