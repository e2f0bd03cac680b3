"""`saikoku inquiries-overdue`: overdue unanswered inquiries become tasks (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from saikoku.backoffice.inquiries import inquiries_overdue_sweep


class Command(BaseCommand):
    help = _("回答期限を過ぎた照会をタスクにします。")

    def handle(self, *args: Any, **options: Any) -> None:
        made = inquiries_overdue_sweep()
        self.stdout.write(_("期限超過の照会 %(count)d件をタスクにしました。") % {"count": made})
