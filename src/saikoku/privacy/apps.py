from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.privacy"
    label = "privacy"
    verbose_name = _("個人情報の管理")
