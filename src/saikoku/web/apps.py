from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.web"
    label = "web"
    verbose_name = _("画面")
