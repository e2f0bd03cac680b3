from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "saikoku.reports"
    label = "reports"
    verbose_name = _("実績・報告")
